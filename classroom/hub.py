"""Per-process fan-out of game broadcasts (docs/architecture.md, "Fan-out").

Consumers do not join channel-layer groups. Each process (each event loop) runs one
`Hub` with one channel-layer channel; the hub joins the group `game.<id>` when its first
local socket of that game registers and leaves when the last one goes. A broadcast is
one `group_send` (broadcasts of one game queued together go as one, `hub.batch`); each
hub receives it once, serialises each audience's frame once, frames the players' common
text once as a websocket frame (`frame_text`), and hands it to its local sockets, which
write those bytes straight to their connection (classroom/daphne_server.py,
`FramedWrite`) or else `send(text_data=...)` the text: no per-socket channel-layer
message, no per-socket `aclose_old_connections()` thread hop, no per-socket framing.

The hub also forwards the control messages of the same group: a phone socket replaced
by a newer one for the same player (`hub.replace`), projector sockets of a session that
logged out (`hub.session_ended`), and arming of question timers (a broadcast's `timer`).

One hub per event loop, created with the loop's other collaborators by
classroom/runtime.py. Services hand it their broadcasts through classroom/relay.py.

Losing Redis (docs/resilience.md): group memberships live in Redis, so a restarted
redis-server has forgotten them and the hub would hear nothing more. The hub notices
(a failed receive, or Redis's `run_id` changing under it), re-adds its groups with
backoff and jitter, then asks each local socket to `resync` (send its snapshot and re-arm
an open question's timer), because broadcasts published meanwhile are gone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from autobahn.websocket.protocol import PreparedMessage
from channels.layers import get_channel_layer

from classroom.reorder import WAIT_S as REORDER_WAIT_S
from classroom.reorder import Reorder

logger = logging.getLogger(__name__)

HOST = "host"
PLAYER = "player"

# How often the hub checks that the channel layer still knows its groups.
WATCH_S = 1.0
# Backoff between attempts to reach a lost layer: doubled from BASE up to CAP, jittered
# so the processes of a deployment do not all hit a returning Redis at once.
BACKOFF_BASE_S = 0.2
BACKOFF_CAP_S = 5.0
# A group_send on a pooled connection that Redis closed fails once, then reconnects.
PUBLISH_ATTEMPTS = 3
# How long a broadcast held behind a batch's acknowledgements (classroom/batching.py,
# HoldBroadcasts) may wait before it is published anyway.
OUTBOX_GATE_TIMEOUT_S = 5.0
# At most this many of one game's queued messages go out as one `hub.batch`.
PUBLISH_BATCH = 200


class LocalSocket(Protocol):
    """What the hub needs of a consumer (classroom/game_socket.py, `GameSocket`)."""

    socket_id: str
    last_seq: int

    async def deliver(self, text: str, seq: int, framed: bytes | None = None) -> None:
        """Send one broadcast frame's text and remember `seq` as the last one sent.
        `framed` is the same text as a websocket frame (`frame_text`), made once for
        every socket of a broadcast, for a socket that can write it as it is."""
        ...

    async def send(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None: ...

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None: ...

    async def resync(self) -> None:
        """Broadcasts were lost (the layer was away): send a fresh snapshot."""
        ...

    def session_digest(self) -> str | None:
        """The digest of the login session a projector socket was opened with (None for
        a phone): `hub.session_ended` closes the sockets of a session that logged out."""
        ...

    def mark_replaced(self) -> None:
        """A newer socket of the same player took over: this one is closed without
        telling the game that the player left."""
        ...


def backoff_s(failures: int) -> float:
    """Delay before the next attempt after `failures` failed ones: capped, full jitter."""
    ceiling = min(BACKOFF_CAP_S, BACKOFF_BASE_S * (2 ** min(failures, 16)))
    return ceiling / 2 + random.random() * ceiling / 2


def group_name(game_id: int) -> str:
    return f"game.{game_id}"


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


class _GameSockets:
    __slots__ = ("hosts", "players")

    def __init__(self) -> None:
        self.hosts: set[LocalSocket] = set()
        # player_id -> that player's sockets (normally one; briefly two when replaced).
        self.players: dict[int, set[LocalSocket]] = {}

    def empty(self) -> bool:
        return not self.hosts and not self.players

    def player_sockets(self) -> list[tuple[int, LocalSocket]]:
        return [(pid, s) for pid, sockets in self.players.items() for s in sockets]


TimerArm = Callable[[int, int, float, float, int | None], None]


class Hub:
    """One per event loop. See the module docstring."""

    def __init__(self, *, arm_timer: TimerArm | None = None) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.games: dict[int, _GameSockets] = {}
        self._receiver: asyncio.Task[None] | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._ready = asyncio.Lock()
        # Broadcasts from the database thread, published in commit order (see below).
        self._outbox: deque[tuple[int, dict[str, Any], asyncio.Event | None]] = deque()
        self._publisher: asyncio.Task[None] | None = None
        self._membership = asyncio.Lock()
        # Games whose group this hub's channel is in (as far as it asked the layer).
        self._joined: set[int] = set()
        # Set when the layer failed: groups must be re-added and sockets resynced.
        self.lost = False
        self._epoch: tuple[str, ...] | None = None
        self._recovering = asyncio.Lock()
        # The loop's question timers (classroom/timers.py), armed by a broadcast's
        # `timer`: called with (game_id, index, deadline_epoch_s).
        self.arm_timer: TimerArm | None = arm_timer
        # Per game: broadcasts put back in seq order (several processes publish).
        self._order: dict[int, Reorder] = {}
        self._flushes: dict[int, asyncio.TimerHandle] = {}
        self._flush_tasks: set[asyncio.Task[None]] = set()

    # --- membership ----------------------------------------------------------------

    async def _ensure_channel(self) -> str:
        async with self._ready:
            if self.channel is None:
                self.channel = await self.layer.new_channel("hub.")
            loop = asyncio.get_running_loop()
            if self._receiver is None or self._receiver.done():
                self._receiver = loop.create_task(self._receive_loop())
            if _redis_clients(self.layer) and (self._watcher is None or self._watcher.done()):
                self._watcher = loop.create_task(self._watch_loop())
        return self.channel

    async def register(
        self, socket: LocalSocket, *, game_id: int, role: str, player_id: int | None = None
    ) -> None:
        channel = await self._ensure_channel()
        sockets = self.games.get(game_id)
        first = sockets is None
        if first:
            sockets = self.games[game_id] = _GameSockets()
        if role == HOST:
            sockets.hosts.add(socket)
        else:
            assert player_id is not None
            sockets.players.setdefault(player_id, set()).add(socket)
        if first:
            await self._sync_membership(game_id, channel)

    async def unregister(
        self, socket: LocalSocket, *, game_id: int, player_id: int | None = None
    ) -> None:
        sockets = self.games.get(game_id)
        if sockets is None:
            return
        sockets.hosts.discard(socket)
        if player_id is not None:
            mine = sockets.players.get(player_id)
            if mine is not None:
                mine.discard(socket)
                if not mine:
                    del sockets.players[player_id]
        if sockets.empty():
            del self.games[game_id]
            self._forget_order(game_id)
            if self.channel is not None:
                await self._sync_membership(game_id, self.channel)

    async def _sync_membership(self, game_id: int, channel: str) -> None:
        """Make the group match whether this hub has sockets of the game now.

        One at a time: the last socket leaving (discard) and a new first socket (add) of
        one game in flight together could reach Redis in the other order and leave this
        hub out of a group it needs.
        """
        async with self._membership:
            wanted = game_id in self.games
            if wanted and game_id not in self._joined:
                try:
                    await self.layer.group_add(group_name(game_id), channel)
                except Exception:
                    # The layer is away: the socket is served locally now, and the
                    # recovery adds the group and resyncs it once the layer is back.
                    logger.warning("joining group of game %s failed; will retry", game_id)
                    self.lost = True
                    return
                self._joined.add(game_id)
            elif not wanted and game_id in self._joined:
                self._joined.discard(game_id)
                await self.layer.group_discard(group_name(game_id), channel)

    # --- receiving -----------------------------------------------------------------

    async def _receive_loop(self) -> None:
        assert self.channel is not None
        failures = 0
        while True:
            if self.lost:
                await self.recover()
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("hub receive failed; will resubscribe", exc_info=True)
                self.lost = True
                await asyncio.sleep(backoff_s(failures))
                failures += 1
                continue
            failures = 0
            try:
                await self.dispatch(message)
            except Exception:
                logger.exception("hub dispatch of %s failed", message.get("type"))

    async def _watch_loop(self) -> None:
        """Notice a restarted Redis even when its client reconnected silently.

        redis-py retries a dropped connection by itself, so a quick Redis restart may
        raise nothing here while every group membership is gone: its `run_id` changes.
        """
        while True:
            try:
                epoch = await _layer_epoch(self.layer)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.lost = True
            else:
                if self._epoch is not None and epoch != self._epoch:
                    logger.warning("the channel layer restarted; resubscribing")
                    self.lost = True
                self._epoch = epoch
            if self.lost:
                await self.recover()
            await asyncio.sleep(WATCH_S)

    async def recover(self) -> None:
        """Re-add every group of a local socket (backoff until it works), then resync."""
        async with self._recovering:
            if not self.lost:
                return
            failures = 0
            while True:
                try:
                    await self._resubscribe()
                    break
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.warning("hub resubscribe failed; retrying", exc_info=True)
                    await asyncio.sleep(backoff_s(failures))
                    failures += 1
            self.lost = False
            if _redis_clients(self.layer):
                try:
                    self._epoch = await _layer_epoch(self.layer)
                except Exception:
                    logger.debug("reading the layer's epoch failed", exc_info=True)
            await self._resync_sockets()

    async def _resubscribe(self) -> None:
        assert self.channel is not None
        # Under the membership lock: a last socket leaving meanwhile discards the group
        # after this re-add, never before it.
        async with self._membership:
            for game_id in list(self.games):
                await self.layer.group_add(group_name(game_id), self.channel)
                self._joined.add(game_id)

    async def _resync_sockets(self) -> None:
        """Broadcasts sent while the layer was lost are gone: every socket redraws."""
        for game_id in list(self._order):
            self._forget_order(game_id)
        for sockets in list(self.games.values()):
            for socket in [*sockets.hosts, *(s for _pid, s in sockets.player_sockets())]:
                try:
                    await socket.resync()
                except Exception:
                    logger.debug("resync of a closed socket dropped", exc_info=True)

    async def dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "hub.batch":
            for one in message["messages"]:
                await self.dispatch(one)
        elif kind == "hub.broadcast":
            await self._deliver_in_order(message)
        elif kind == "hub.replace":
            await self._replace(message)
        elif kind == "hub.session_ended":
            await self._session_ended(message)

    async def _session_ended(self, message: dict[str, Any]) -> None:
        """Close the projector sockets opened with a session that has logged out."""
        sockets = self.games.get(int(message["game_id"]))
        if sockets is None:
            return
        for socket in list(sockets.hosts):
            if socket.session_digest() == message["session"]:
                await close_with_error(socket, message["error"], 4403)

    async def _deliver_in_order(self, message: dict[str, Any]) -> None:
        game_id = int(message["game_id"])
        order = self._order.get(game_id)
        if order is None:
            order = self._order[game_id] = Reorder()
            sockets = self.games.get(game_id)
            if sockets is not None and sockets.hosts:
                order.start_after("host", max(s.last_seq for s in sockets.hosts))
            if sockets is not None and sockets.players:
                order.start_after(
                    "players", max(s.last_seq for _pid, s in sockets.player_sockets())
                )
        for ready in order.push(message):
            await self._deliver(ready)
        if order.held and game_id not in self._flushes:
            loop = asyncio.get_running_loop()
            self._flushes[game_id] = loop.call_later(
                REORDER_WAIT_S, self._start_flush, loop, game_id
            )

    def _start_flush(self, loop: asyncio.AbstractEventLoop, game_id: int) -> None:
        # Keep a reference: the loop only holds tasks weakly.
        task = loop.create_task(self._flush_order(game_id))
        self._flush_tasks.add(task)
        task.add_done_callback(self._flush_tasks.discard)

    async def _flush_order(self, game_id: int) -> None:
        self._flushes.pop(game_id, None)
        order = self._order.get(game_id)
        if order is not None:
            for held in order.flush():
                await self._deliver(held)

    def _forget_order(self, game_id: int) -> None:
        self._order.pop(game_id, None)
        flush = self._flushes.pop(game_id, None)
        if flush is not None:
            flush.cancel()

    async def _deliver(self, message: dict[str, Any]) -> None:
        game_id = int(message["game_id"])
        timer = message.get("timer")
        if timer is not None and self.arm_timer is not None:
            question_id = timer.get("question_id")
            self.arm_timer(
                game_id,
                int(timer["index"]),
                float(timer["deadline"]),
                float(timer.get("opens") or 0.0),
                int(question_id) if question_id is not None else None,
            )
        sockets = self.games.get(game_id)
        if sockets is None:
            return
        host = message.get("host")
        if host is not None and sockets.hosts:
            await _send_all(list(sockets.hosts), dumps(host), host["seq"])
        close_players = message.get("close_players") or {}
        players = message.get("players")
        if players is not None:
            per_player = message.get("per_player") or {}
            common_text = dumps(players)
            common_framed = frame_text(common_text)
            seq = players["seq"]
            for pid, socket in sockets.player_sockets():
                own = per_player.get(str(pid))
                if own:
                    await _send_one(socket, dumps({**players, **own}), seq)
                else:
                    await _send_one(socket, common_text, seq, common_framed)
        if close_players:
            code = int(message.get("close_code") or 4403)
            for pid_text, error in close_players.items():
                for socket in list(sockets.players.get(int(pid_text), ())):
                    await close_with_error(socket, error, code)

    async def _replace(self, message: dict[str, Any]) -> None:
        """Close every other socket of a player that opened a new one."""
        sockets = self.games.get(int(message["game_id"]))
        if sockets is None:
            return
        keep = message["keep"]
        for socket in list(sockets.players.get(int(message["player_id"]), ())):
            if socket.socket_id != keep:
                socket.mark_replaced()
                await close_with_error(socket, message["error"], 4403)

    # --- sending -------------------------------------------------------------------

    def enqueue(
        self, game_id: int, message: dict[str, Any], gate: asyncio.Event | None = None
    ) -> None:
        """Publish after everything enqueued before (and after `gate` opens)."""
        self._outbox.append((game_id, message, gate))
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.get_running_loop().create_task(self._drain_outbox())

    async def _drain_outbox(self) -> None:
        """Publish the outbox in order, and what of one game waits behind the head of
        it, ready, in the same message (`hub.batch`).

        A join storm over several processes queues a `player_joined` per phone; one
        `group_send` each (a Redis round trip) put 1,667 of them ahead of the next
        question in each process's outbox, and the first question after the storm
        reached phones a second late (5,000 phones, 3 processes)."""
        while self._outbox:
            game_id, message, gate = self._outbox.popleft()
            if gate is not None and not gate.is_set():
                try:
                    await asyncio.wait_for(gate.wait(), OUTBOX_GATE_TIMEOUT_S)
                except TimeoutError:
                    logger.error("a held broadcast of game %s waited too long", game_id)
            messages = [message]
            while self._outbox and len(messages) < PUBLISH_BATCH:
                next_game, next_message, next_gate = self._outbox[0]
                if next_game != game_id or (next_gate is not None and not next_gate.is_set()):
                    break
                self._outbox.popleft()
                messages.append(next_message)
            try:
                await self.publish(game_id, batch(game_id, messages))
            except Exception:
                # Clients see the seq gap and sync; the next broadcasts still go out.
                logger.exception("publishing to game %s failed", game_id)

    async def publish(self, game_id: int, message: dict[str, Any]) -> None:
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                await self.layer.group_send(group_name(game_id), message)
                return
            except Exception:
                # A repeat is harmless: clients ignore a frame whose seq they have seen.
                if attempt + 1 == PUBLISH_ATTEMPTS:
                    raise
                await asyncio.sleep(backoff_s(attempt))


# channels-redis internals. The hub must notice a restarted Redis (it forgets every group
# membership) even when redis-py reconnected silently, and channels-redis offers no
# public way to ask: its `RedisChannelLayer` keeps `ring_size` (the number of shards)
# and `connection(index)`, a redis.asyncio client per shard, whose INFO names the
# server's `run_id`, new at every start. These are read defensively (a layer without
# them is one without Redis: the in-memory layer), and
# tests/classroom/test_hub.py::test_channels_redis_still_has_the_shard_clients_the_hub_reads
# fails if an upgrade removes them.


def _redis_clients(layer: Any) -> list[Any]:
    """The layer's Redis clients (one per shard), or [] for a layer without Redis."""
    ring_size = getattr(layer, "ring_size", None)
    connection = getattr(layer, "connection", None)
    if not isinstance(ring_size, int) or connection is None:
        return []
    return [connection(index) for index in range(ring_size)]


async def _layer_epoch(layer: Any) -> tuple[str, ...]:
    """Identifies the running Redis servers: a restarted one has a new run_id."""
    run_ids = []
    for client in _redis_clients(layer):
        info = await client.info("server")
        run_ids.append(str(info.get("run_id", "")))
    return tuple(run_ids)


# The scope extension (ASGI's "extensions": what a server adds to the spec) under which a
# websocket finds a callable that writes a `frame_text` frame straight to its connection
# and says whether it did (classroom/daphne_server.py, `FramedWrite`).
FRAMED_WRITE = "classroom.framed_write"


def batch(game_id: int, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """One channel-layer message carrying `messages` of one game, in order."""
    if len(messages) == 1:
        return messages[0]
    return {"type": "hub.batch", "game_id": game_id, "messages": messages}


def frame_text(text: str) -> bytes:
    """`text` as one websocket text frame from a server (unmasked, uncompressed): what
    autobahn's `sendMessage` would write for it, made once for a whole broadcast."""
    return PreparedMessage(
        text.encode(), isBinary=False, applyMask=False, doNotCompress=True
    ).payloadHybi


async def _send_one(socket: LocalSocket, text: str, seq: int, framed: bytes | None = None) -> None:
    try:
        await socket.deliver(text, seq, framed)
    except Exception:
        # A socket that died mid-broadcast must not stop the others.
        logger.debug("send to a closed socket dropped", exc_info=True)


async def _send_all(sockets: list[LocalSocket], text: str, seq: int) -> None:
    for socket in sockets:
        await _send_one(socket, text, seq)


async def close_with_error(socket: LocalSocket, error: dict[str, Any], code: int) -> None:
    try:
        # In the socket's language (GameSocket.localised); the code stays as it is.
        localised = getattr(socket, "localised", None)
        shown = localised(error) if localised is not None else error
        await socket.send(text_data=dumps({**shown, "seq": socket.last_seq}))
        await socket.close(code=code)
    except Exception:
        logger.debug("closing a closed socket", exc_info=True)

"""The two websocket endpoints of a live game: thin, every rule lives in services.

`HostConsumer` (/ws/host/<PIN>/) and `PlayerConsumer` (/ws/play/<PIN>/) parse a frame,
check it against its declaration (classroom/inbound.py: types, bounds, lengths), call
one service in the database thread and send the reply. A `ClientError` becomes the
`error` frame; with a close code the socket is then closed.
Broadcasts reach sockets through the per-process hub (classroom/hub.py), never
through a per-socket channel-layer channel (so these consumers have none).

Answers take a faster path: the arrival time is stamped first thing, the answer goes
into this process's batch for its game, and one `answers_store` call stores the whole
batch; each socket's `answer_received` goes out after that commit.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import is_same_domain

from classroom import frames, gate, inbound, join_gate, pins, questions_cache, selectors
from classroom import timers as _timers  # noqa: F401 - installs the question timers
from classroom.db import db_call
from classroom.errors import ClientError
from classroom.hub import HOST, PLAYER, HoldBroadcasts, dumps, get_hub, group_name, run_holding
from classroom.models import Game
from classroom.ratelimit import KeyedBudget, TokenBucket
from classroom.services import answers, phases, players

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
FRAMES_PER_SECOND = 20.0
FRAME_BURST = 20.0
JOIN_TIMEOUT_S = 30.0
# A school shares one address: generous per IP, and one try per socket (its PIN is in
# its path, so an unknown PIN closes it).
# 600 a minute: see docs/security.md, "PIN guessing" (a 2,000-student assembly behind
# one NAT with pessimistic typo rates stays well under it).
UNKNOWN_PIN_PER_IP = 600
UNKNOWN_PIN_WINDOW_S = 60.0
# How long the first answer (or join) of a group waits for others. Each group costs
# ~3.3 ms of database-thread CPU whatever its size, plus ~0.14 ms per answer (measured
# in process): at 1,000 answers a second, 5 ms groups spent ~0.5 ms per answer, 20 ms
# groups ~0.3 ms, and that CPU is what the acks queue behind.
BATCH_WINDOW_S = 0.02
MAX_BATCH = 200

_unknown_pin_budget = KeyedBudget(limit=UNKNOWN_PIN_PER_IP, window_s=UNKNOWN_PIN_WINDOW_S)


def unknown_pin_budget() -> KeyedBudget:
    return _unknown_pin_budget


# --- the join gate (classroom/gate.py) ------------------------------------------------

# Wrong shape sequences per client address, budgeted like unknown PINs but apart from
# them: see docs/security.md, "Outsiders with a leaked PIN", for why 10 a minute.
WRONG_GATE_PER_IP = 10
WRONG_GATE_WINDOW_S = 60.0
_wrong_gate_budget = KeyedBudget(limit=WRONG_GATE_PER_IP, window_s=WRONG_GATE_WINDOW_S)
# Whether a game has the gate on, remembered this long per process: a class joining at
# once asks once, and a teacher switching the gate on waits at most this long.
GATE_STATE_CACHE_S = 1.0
_gate_state: dict[int, tuple[float, bool]] = {}
_gate_lookups: dict[int, asyncio.Task[bool]] = {}

GATE_MISSING = "This game asks for the shapes on the big screen. Tap them to join."
GATE_WRONG = "Those are not the shapes on the big screen. Look again and tap them in order."


def wrong_gate_budget() -> KeyedBudget:
    return _wrong_gate_budget


def _gate_on(game_id: int) -> bool:
    options = Game.objects.filter(pk=game_id).values_list("options", flat=True).first()
    return bool((options or {}).get("join_gate"))


async def join_gate_on(game_id: int) -> bool:
    """Whether the game has the gate; a class joining at once shares one lookup."""
    cached = _gate_state.get(game_id)
    if cached is not None and time.monotonic() - cached[0] < GATE_STATE_CACHE_S:
        return cached[1]
    loop = asyncio.get_running_loop()
    task = _gate_lookups.get(game_id)
    if task is None or task.get_loop() is not loop:
        task = _gate_lookups[game_id] = loop.create_task(_gate_query(game_id))
        task.add_done_callback(functools.partial(_gate_lookup_done, game_id))
    # Shielded: a phone that leaves must not cancel the lookup the others wait for.
    return await asyncio.shield(task)


async def _gate_query(game_id: int) -> bool:
    on = await db_call(_gate_on)(game_id)
    if len(_gate_state) > 1000:
        _gate_state.clear()
    _gate_state[game_id] = (time.monotonic(), on)
    return on


def _gate_lookup_done(game_id: int, task: asyncio.Task[bool]) -> None:
    if _gate_lookups.get(game_id) is task:
        del _gate_lookups[game_id]
    if not task.cancelled():
        task.exception()


async def check_join_gate(game_id: int, sent: tuple[str, ...] | None, client: str) -> None:
    """Refuse a join whose shapes are not the projector's (`gate_wrong`, socket open).

    A missing gate costs nothing (a phone learns the game has one this way). A wrong
    one costs its address one of WRONG_GATE_PER_IP a minute; once they are spent the
    address gets `rate_limited` (4429) before its shapes are even compared, so a
    guesser cannot go on guessing on new sockets.
    """
    if not await join_gate_on(game_id):
        return
    if sent is None:
        raise ClientError("gate_wrong", GATE_MISSING)
    now = time.monotonic()
    budget = wrong_gate_budget()
    if budget.remaining(client, now) == 0:
        raise ClientError(
            "rate_limited",
            "Too many wrong shapes from this network. Wait a minute.",
            close_code=4429,
        )
    if gate.accepts(join_gate.key(game_id), sent, int(time.time() * 1000)):
        return
    budget.hit(client, now)
    raise ClientError("gate_wrong", GATE_WRONG)


def _join_gate_now(game_id: int) -> dict[str, Any] | None:
    return join_gate.shown(Game.objects.defer("questions").get(pk=game_id))


class _Handshake(HttpRequest):
    """A websocket handshake seen as Django sees an HTTP request, so that the socket's
    host and scheme come from Django's own `get_host()` (ALLOWED_HOSTS,
    USE_X_FORWARDED_HOST) and `is_secure()` (SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        self._socket_scheme = scope.get("scheme") or "ws"
        for name, value in scope.get("headers", []):
            key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
            text = value.decode("latin1")
            # Repeated headers are joined as ASGIRequest does.
            self.META[key] = f"{self.META[key]},{text}" if key in self.META else text

    def _get_scheme(self) -> str:
        # Daphne leaves `scheme` out of a websocket scope (ASGI's default is "ws"); behind
        # nginx the proxy's X-Forwarded-Proto decides instead (DJANGO_BEHIND_PROXY).
        return "https" if self._socket_scheme in ("wss", "https") else "http"


def _trusted_origin(origin: str) -> bool:
    """Whether CSRF_TRUSTED_ORIGINS lists `origin`, exactly or by a `*.` wildcard, with
    the rules of Django's CSRF check."""
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {entry for entry in trusted if "*" not in entry}:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return any(
        parts.scheme == urlsplit(entry).scheme
        and is_same_domain(parts.netloc, urlsplit(entry).netloc.lstrip("*"))
        for entry in trusted
        if "*" in entry
    )


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether the handshake's Origin may open a game socket, as Django's CSRF check
    decides for a POST: the socket's Host must be in ALLOWED_HOSTS, and the Origin must
    be that same origin (scheme, host and port) or one of CSRF_TRUSTED_ORIGINS.

    The scheme compared is the socket's own (ws is http, wss is https) or, behind a
    proxy, the proxy's X-Forwarded-Proto. A missing or `null` Origin is refused.
    """
    handshake = _Handshake(scope)
    origin = handshake.META.get("HTTP_ORIGIN")
    if not origin or origin == "null" or "HTTP_HOST" not in handshake.META:
        return False
    try:
        host = handshake.get_host()
    except DisallowedHost:
        return False
    scheme = "https" if handshake.is_secure() else "http"
    return origin == f"{scheme}://{host}" or _trusted_origin(origin)


# (index, deadline in epoch seconds) of a game's open question, or None.
OpenQuestion = tuple[int, float] | None


def open_question(game: Game) -> OpenQuestion:
    if game.phase == Game.Phase.QUESTION and game.question_deadline is not None:
        return game.question_index, game.question_deadline.timestamp()
    return None


def _no_constants(name: str) -> Any:
    # json.loads takes NaN and Infinity, which are not JSON and never a valid value.
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """The frame's JSON value; ClientError bad_json for anything that is not JSON."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        # RecursionError: a few KB of "[[[[..." nests deeper than the parser goes.
        raise ClientError("bad_json", "That frame is not valid JSON.") from None


class GameSocket(AsyncWebsocketConsumer):
    """What both endpoints share: origin check, limits, parsing, errors, hub delivery."""

    # No per-socket channel: broadcasts come through the hub (see module docstring).
    channel_layer_alias = "__no_channel_per_socket__"
    role = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.socket_id = uuid.uuid4().hex
        self.last_seq = 0
        self.game_id: int | None = None
        self.registered = False
        self.closed = False
        self.bucket = TokenBucket(rate=FRAMES_PER_SECOND, burst=FRAME_BURST)
        # Broadcasts that arrive before this socket's snapshot went out wait here, so
        # the snapshot comes first and nothing it already covers is sent again.
        self.ready = False
        self.pending: list[tuple[str, int]] = []

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels runs aclose_old_connections() before every handler: a thread hop
        # per frame. Every ORM call here goes through database_sync_to_async, which
        # closes stale connections in the database thread itself, so skip it.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- sending ---------------------------------------------------------------------

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=dumps(frame))

    async def send_error(self, error: ClientError) -> None:
        await self.send_frame(
            frames.error(code=error.code, message=error.message, seq=self.last_seq)
        )
        if error.close_code is not None:
            await self.close(code=error.close_code)

    async def refuse(self, code: str, message: str, close_code: int) -> None:
        await self.send_error(ClientError(code, message, close_code=close_code))

    async def deliver(self, text: str, seq: int) -> None:
        """Called by the hub for each broadcast frame."""
        if not self.ready:
            self.pending.append((text, seq))
            return
        await self.send(text_data=text)
        self.last_seq = max(self.last_seq, seq)

    async def send_snapshot(self, snapshot: list[dict[str, Any]]) -> None:
        """Send snapshot frames, then the broadcasts newer than them that waited."""
        for frame in snapshot:
            await self.send_frame(frame)
        seq = max(frame.get("seq", 0) for frame in snapshot)
        self.last_seq = max(self.last_seq, seq)
        self.ready = True
        pending, self.pending = self.pending, []
        for text, frame_seq in pending:
            if frame_seq > seq:
                await self.send(text_data=text)
                self.last_seq = max(self.last_seq, frame_seq)

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        await super().close(code=code, reason=reason)

    # --- receiving -------------------------------------------------------------------

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        await self.accept()
        if not origin_allowed(self.scope):
            await self.refuse("forbidden", "This page's origin may not open a game socket.", 4403)
            return
        try:
            await self.on_connect()
        except ClientError as error:
            await self.send_error(error)
        except Exception:
            # The database or the channel layer is down: say so; the client reconnects.
            logger.exception("opening a game socket failed")
            await self.send_error(ClientError("try_again", "The server is busy. Try again."))
            await self.close(code=1013)

    async def leave_hub(self, player_id: int | None = None) -> None:
        if not self.registered or self.game_id is None:
            return
        try:
            await get_hub().unregister(self, game_id=self.game_id, player_id=player_id)
        except Exception:
            # The layer is down; the hub re-adds only games that still have sockets.
            logger.warning("leaving the hub failed", exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        arrived_at = timezone.now()
        if self.closed:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.refuse(
                "frame_too_large", f"Frames may be at most {MAX_FRAME_BYTES} bytes.", 4400
            )
            return
        if not self.bucket.allow(time.monotonic()):
            await self.refuse("rate_limited", "Too many messages; slow down.", 4429)
            return
        try:
            if text_data is None:
                raise ClientError("bad_json", "Frames must be JSON text.")
            data = parse_json(text_data)
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                raise ClientError("bad_field", 'A frame is a JSON object with a "type" string.')
            await self.handle(data["type"], data, arrived_at)
        except ClientError as error:
            await self.send_error(error)
        except DatabaseError:
            logger.exception("database error handling a frame")
            await self.send_error(
                ClientError("try_again", "The server could not do that just now. Try again.")
            )
        except Exception:
            # Never a 1011 crash for one bad frame: say so, keep the socket.
            logger.exception("error handling a frame")
            await self.send_error(
                ClientError("server_error", "Something went wrong on the server.")
            )

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: Any) -> None:
        """Check the frame against its declaration (classroom/inbound.py), then act."""
        raise NotImplementedError

    async def on_connect(self) -> None:
        raise NotImplementedError

    async def pong(self, frame: inbound.Ping) -> None:
        await self.send_frame(frames.pong(ref=frame.ref, seq=self.last_seq))

    def arm(self, timer: OpenQuestion) -> None:
        """Arm this process's timer of the open question a snapshot reported."""
        if timer is not None and self.game_id is not None:
            get_hub().arm_timer(self.game_id, *timer)

    def base_url(self) -> str:
        host = ""
        for name, value in self.scope.get("headers", []):
            if name == b"host":
                host = value.decode("latin1")
        if not host:
            return ""
        secure = self.scope.get("scheme") == "wss"
        return f"{'https' if secure else 'http'}://{host}"


# --- the projector -------------------------------------------------------------------


def _current_user(session_key: str | None) -> Any:
    """The user of session `session_key` as stored now: None once logged out."""
    from django.contrib.auth import get_user

    if not session_key:
        return None
    engine = import_module(settings.SESSION_ENGINE)

    class _Request:
        session = engine.SessionStore(session_key)

    user = get_user(_Request())
    return user if user.is_authenticated else None


def _host_game(pin: str, session_key: str | None) -> tuple[Game, Any]:
    user = _current_user(session_key)
    if user is None:
        raise ClientError("not_host", "Log in as the game's host to open it.", close_code=4403)
    return pins.game_for_host(pin=pin, user=user), user


def _host_command_allowed(game_id: int, session_key: str | None) -> None:
    user = _current_user(session_key)
    game = Game.objects.defer("questions").get(pk=game_id)
    if user is None or not pins.user_may_host(user=user, game=game):
        raise ClientError("not_host", "Only the game's host can do that.", close_code=4403)


def _host_snapshot(game_id: int, base_url: str) -> tuple[list[dict[str, Any]], OpenQuestion]:
    game = questions_cache.game_read(game_id=game_id)
    frames_ = [
        selectors.host_lobby(game=game, base_url=base_url),
        selectors.host_snapshot(game=game),
    ]
    return frames_, open_question(game)


def session_digest(session_key: str) -> str:
    """What travels in the channel layer instead of the session key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def close_host_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out closes, at once and in every process, the projector sockets opened
    with that session (`not_host`, 4403): a projector left open in front of the class
    must not keep the teacher's rights. Other sessions of the same teacher stay open."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    layer = get_channel_layer()
    if user is None or not session_key or layer is None:
        return
    # A projector may stay open on a finished game; a day covers any lesson.
    recent = timezone.now() - timedelta(days=1)
    games = Game.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=recent))
    # Only the games this user may control can have a projector of theirs open.
    if not getattr(user, "is_superuser", False):
        games = games.filter(host=user)
    message = {
        "type": "hub.session_ended",
        "session": session_digest(session_key),
        "error": frames.error(code="not_host", message="You logged out. Log in to run the game."),
    }
    for game_id in games.values_list("id", flat=True):
        try:
            async_to_sync(layer.group_send)(group_name(game_id), {**message, "game_id": game_id})
        except Exception:
            # The logout itself must succeed; the next host command re-checks anyway.
            logger.exception("closing the projector sockets of game %s failed", game_id)


user_logged_out.connect(close_host_sockets_on_logout, dispatch_uid="classroom.host_logout")


class HostConsumer(GameSocket):
    role = HOST

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate_task: asyncio.Task[None] | None = None

    def session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None)

    def session_digest(self) -> str | None:
        key = self.session_key()
        return session_digest(key) if key else None

    async def on_connect(self) -> None:
        pin = self.scope["url_route"]["kwargs"]["pin"]
        game, _user = await db_call(_host_game)(pin, self.session_key())
        self.game_id = game.id
        await get_hub().register(self, game_id=game.id, role=HOST)
        self.registered = True
        await db_call(players.game_host_connected)(game_id=game.id, connection=self.socket_id)
        snapshot, timer = await db_call(_host_snapshot)(game.id, self.base_url())
        await self.send_snapshot(snapshot)
        self.arm(timer)
        self.gate_task = asyncio.get_running_loop().create_task(self._rotate_join_gate())

    async def _rotate_join_gate(self) -> None:
        """Send this projector the new shapes each time they change (`join_gate`).

        Every process derives the same shapes (classroom/gate.py), so each projector
        socket is told by its own process at the window's turn: no broadcast, no write.
        """
        while not self.closed:
            now_ms = int(time.time() * 1000)
            # A few ms past the turn, so the new window has surely begun.
            await asyncio.sleep((gate.WINDOW_MS - now_ms % gate.WINDOW_MS + 20) / 1000)
            if self.closed or not self.ready or self.game_id is None:
                continue
            try:
                shown = await db_call(_join_gate_now)(self.game_id)
                if shown is not None and not self.closed:
                    await self.send_frame(frames.join_gate(shown=shown, seq=self.last_seq))
            except Exception:
                # The next turn tries again; the snapshot on reconnect has the shapes.
                logger.warning("telling the projector the new join shapes failed", exc_info=True)

    async def resync(self) -> None:
        """Called by the hub after the channel layer lost broadcasts: redraw from the DB."""
        if self.closed or self.game_id is None:
            return
        snapshot, timer = await db_call(_host_snapshot)(self.game_id, self.base_url())
        await self.send_snapshot(snapshot)
        self.arm(timer)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self.closed = True
        if self.gate_task is not None:
            self.gate_task.cancel()
        if self.registered and self.game_id is not None:
            await self.leave_hub()
            try:
                await db_call(players.game_host_disconnected)(
                    game_id=self.game_id, connection=self.socket_id
                )
            except Exception:
                logger.exception("host disconnect bookkeeping failed")
        await super().websocket_disconnect(message)

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: Any) -> None:
        if self.game_id is None:
            raise ClientError("not_host", "This socket is not a game's projector.", close_code=4403)
        frame = inbound.host_frame(data)
        if isinstance(frame, inbound.Ping):
            await self.pong(frame)
            return
        if isinstance(frame, inbound.Sync):
            snapshot, timer = await db_call(_host_snapshot)(self.game_id, self.base_url())
            await self.send_snapshot(snapshot)
            self.arm(timer)
            return
        await db_call(_host_command_allowed)(self.game_id, self.session_key())
        game_id = self.game_id
        call: tuple[Any, dict[str, Any]]
        match frame:
            case inbound.Start():
                call = (phases.game_start, {"game_id": game_id})
            case inbound.Next():
                call = (phases.game_next, {"game_id": game_id})
            case inbound.CloseQuestion():
                call = (phases.question_close_open, {"game_id": game_id})
            case inbound.Scoreboard():
                call = (phases.game_scoreboard, {"game_id": game_id})
            case inbound.End():
                call = (phases.game_end, {"game_id": game_id})
            case inbound.Lock():
                call = (phases.game_lock, {"game_id": game_id})
            case inbound.Unlock():
                call = (phases.game_unlock, {"game_id": game_id})
            case inbound.Kick(player_id=player_id):
                call = (players.player_kick, {"game_id": game_id, "player_id": player_id})
            case inbound.ExtraTime(player_id=player_id, seconds=seconds):
                call = (
                    players.player_set_extra_time,
                    {"game_id": game_id, "player_id": player_id, "seconds": seconds},
                )
            case inbound.SetOptions():
                call = (phases.game_set_options, {"game_id": game_id, **frame.options()})
            case _:
                raise ClientError("unknown_type", f"Unknown frame type {kind!r}.")
        func, kwargs = call
        await db_call(func)(**kwargs)


# --- the phones ----------------------------------------------------------------------


T = TypeVar("T")


@dataclass
class _Pending:
    socket: PlayerConsumer
    submission: answers.Submission


class GroupCommit(Generic[T]):
    """Collect one game's items that arrive within a few ms and hand them to `_flush`
    together: every database call of a process goes through its one database thread,
    so a class answering (or joining) at once costs one transaction per group, not one
    per phone. Subclasses say what a group does."""

    def __init__(self, *, window_s: float = BATCH_WINDOW_S, max_batch: int = MAX_BATCH) -> None:
        self.window_s = window_s
        self.max_batch = max_batch
        self.queues: dict[int, list[T]] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}

    def _add(self, game_id: int, item: T) -> None:
        self.queues.setdefault(game_id, []).append(item)
        if game_id not in self.tasks:
            self.tasks[game_id] = asyncio.get_running_loop().create_task(self._drain(game_id))

    async def _drain(self, game_id: int) -> None:
        try:
            while self.queues.get(game_id):
                if len(self.queues[game_id]) < self.max_batch:
                    await asyncio.sleep(self.window_s)
                queue = self.queues[game_id]
                batch = queue[: self.max_batch]
                del queue[: self.max_batch]
                await self._flush(game_id, batch)
        finally:
            self.tasks.pop(game_id, None)
            if not self.queues.get(game_id):
                self.queues.pop(game_id, None)

    async def _flush(self, game_id: int, batch: list[T]) -> None:
        raise NotImplementedError


class AnswerBatcher(GroupCommit[_Pending]):
    """Answers: stored in one transaction, then each phone acknowledged."""

    def submit(self, game_id: int, socket: PlayerConsumer, submission: answers.Submission) -> None:
        self._add(game_id, _Pending(socket, submission))

    async def _flush(self, game_id: int, batch: list[_Pending]) -> None:
        hold = HoldBroadcasts()
        submissions = [p.submission for p in batch]
        close_index: int | None = None
        try:
            try:
                results, close_index = await db_call(run_holding)(
                    hold, answers.answers_store, game_id=game_id, submissions=submissions
                )
            except Exception:
                logger.exception("answer batch of game %s failed", game_id)
                error = ClientError(
                    "try_again", "Your answer could not be saved. Please send it again."
                )
                results = [answers.SubmissionResult(s, error) for s in submissions]
            # Acknowledge first: the answer count this batch caused waits behind `hold`
            # until every phone has its ack.
            for pending, result in zip(batch, results, strict=True):
                try:
                    await pending.socket.answer_result(result)
                except Exception:
                    logger.debug("ack to a closed socket dropped", exc_info=True)
        finally:
            hold.release()
        if close_index is not None:
            # Only now: closing scores every player and builds each one's reveal (~70 ms
            # of CPU at 1,000 phones), which the last batch's acks used to wait for.
            try:
                await db_call(phases.question_close_all_answered)(
                    game_id=game_id, expected_index=close_index
                )
            except Exception:
                logger.exception("closing a fully answered question of game %s failed", game_id)


JoinOutcome = tuple[int, dict[str, Any], "OpenQuestion"] | ClientError


def _new_player_states(game_id: int, players: list[Any]) -> dict[int, dict[str, Any]]:
    """The `state` of each new player by id: built for the group at once; if that fails,
    one by one, so one player's failure is that player's alone."""
    if not players:
        return {}
    try:
        states = selectors.new_player_snapshots(game_id=game_id, players=players)
        return {p.id: state for p, state in zip(players, states, strict=True)}
    except Exception:
        logger.exception("the joined frames of game %s failed; building them one by one", game_id)
    found: dict[int, dict[str, Any]] = {}
    for player in players:
        try:
            [found[player.id]] = selectors.new_player_snapshots(game_id=game_id, players=[player])
        except Exception:
            logger.exception("the joined frame of player %s failed", player.id)
    return found


def _join_batch(game_id: int, nicknames: list[str]) -> list[JoinOutcome]:
    """Join a group of phones in one transaction and build their `joined` frames."""
    results = players.players_join(game_id=game_id, nicknames=nicknames)
    joined = [r.player for r in results if r.player is not None]
    states = _new_player_states(game_id, joined)
    game = questions_cache.game_read(game_id=game_id) if joined else None
    outcomes: list[JoinOutcome] = []
    for result in results:
        state = states.get(result.player.id) if result.player is not None else None
        if result.error is not None or state is None or result.token is None:
            outcomes.append(result.error or ClientError("try_again", "Please join again."))
            continue
        frame = frames.joined(
            player=state["player"],
            token=result.token,
            state=state,
            resumed=False,
            seq=state["seq"],
        )
        outcomes.append((state["player"]["id"], frame, open_question(game)))
    return outcomes


class JoinBatcher(GroupCommit[tuple[str, "asyncio.Future[JoinOutcome]"]]):
    """Joins: a class typing the PIN at once is a burst of joins, one transaction."""

    async def join(self, game_id: int, nickname: str) -> JoinOutcome:
        future: asyncio.Future[JoinOutcome] = asyncio.get_running_loop().create_future()
        self._add(game_id, (nickname, future))
        return await future

    async def _flush(
        self, game_id: int, batch: list[tuple[str, asyncio.Future[JoinOutcome]]]
    ) -> None:
        try:
            outcomes = await db_call(_join_batch)(game_id, [n for n, _ in batch])
        except Exception:
            logger.exception("join batch of game %s failed", game_id)
            error = ClientError("try_again", "Joining failed just now. Please try again.")
            outcomes = [error] * len(batch)
        for (_nickname, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def get_join_batcher() -> JoinBatcher:
    hub = get_hub()
    batcher = getattr(hub, "join_batcher", None)
    if batcher is None:
        batcher = hub.join_batcher = JoinBatcher()  # type: ignore[attr-defined]
    return batcher


def get_batcher() -> AnswerBatcher:
    hub = get_hub()
    batcher = getattr(hub, "batcher", None)
    if batcher is None:
        batcher = hub.batcher = AnswerBatcher()  # type: ignore[attr-defined]
    return batcher


def _player_game(pin: str) -> tuple[int, bool] | None:
    """(id, ended) of the game a phone opened by PIN: the running one, else the latest
    ended one (a phone may resume into a finished game to see its result)."""
    running = (
        Game.objects.filter(pin=pin, ended_at__isnull=True)
        .order_by("-created_at")
        .values_list("id", flat=True)
        .first()
    )
    if running is not None:
        return running, False
    ended = Game.objects.filter(pin=pin).order_by("-ended_at").values_list("id", flat=True).first()
    return (ended, True) if ended is not None else None


# A class opening the same PIN within seconds need not ask the database each time.
# Only running games are remembered, briefly: an ended game's PIN may be reused, and a
# join to a game that ended meanwhile is refused by players_join anyway.
PIN_CACHE_S = 5.0
_pin_cache: dict[str, tuple[float, int]] = {}
# Lookups on their way to the database thread, per PIN: the phones of a join storm
# that arrive before the first answer share one instead of each queueing its own.
_pin_lookups: dict[str, asyncio.Task[tuple[int, bool] | None]] = {}


async def _pin_lookup(pin: str) -> tuple[int, bool] | None:
    """(game id, ended) of the game a phone opens by PIN, or None."""
    cached = _pin_cache.get(pin)
    if cached is not None and time.monotonic() - cached[0] < PIN_CACHE_S:
        return cached[1], False
    loop = asyncio.get_running_loop()
    task = _pin_lookups.get(pin)
    if task is None or task.get_loop() is not loop:
        task = _pin_lookups[pin] = loop.create_task(_pin_query(pin))
        task.add_done_callback(functools.partial(_pin_lookup_done, pin))
    # Shielded: a phone that leaves must not cancel the lookup the others wait for.
    return await asyncio.shield(task)


async def _pin_query(pin: str) -> tuple[int, bool] | None:
    game = await db_call(_player_game)(pin)
    if game is not None and not game[1]:
        if len(_pin_cache) > 1000:
            _pin_cache.clear()
        _pin_cache[pin] = (time.monotonic(), game[0])
    return game


def _pin_lookup_done(pin: str, task: asyncio.Task[tuple[int, bool] | None]) -> None:
    if _pin_lookups.get(pin) is task:
        del _pin_lookups[pin]
    if not task.cancelled():
        # Retrieved here too, in case every phone waiting for it has gone.
        task.exception()


# An address over its unknown-PIN budget may still open a running game (a guesser
# sharing a school's address must not lock the class out), but finding out must not
# cost a database query per socket, or PIN guessing would still load the database.
# Such addresses are answered from this list of the running games' PINs, which one
# query re-reads at most once a second for all of them together: however many
# guesses arrive, they cost at most that one query a second between them.
RUNNING_PINS_MAX_AGE_S = 1.0


def _running_game_pins() -> dict[str, int]:
    return dict(Game.objects.filter(ended_at__isnull=True).values_list("pin", "id"))


class RunningPins:
    """PIN -> id of every running game, as one query read it at `read_at`."""

    def __init__(self) -> None:
        self.pins: dict[str, int] = {}
        self.read_at = float("-inf")
        self.reading: asyncio.Task[None] | None = None

    async def find(self, pin: str) -> int | None:
        """The id of the running game with `pin`, or None; no query of its own."""
        cached = _pin_cache.get(pin)
        if cached is not None and time.monotonic() - cached[0] < PIN_CACHE_S:
            return cached[1]
        if time.monotonic() - self.read_at >= RUNNING_PINS_MAX_AGE_S:
            loop = asyncio.get_running_loop()
            task = self.reading
            if task is None or task.done() or task.get_loop() is not loop:
                task = self.reading = loop.create_task(self._read())
            # Shielded: a socket that leaves must not cancel the read others wait for.
            await asyncio.shield(task)
        return self.pins.get(pin)

    async def _read(self) -> None:
        started = time.monotonic()
        self.pins = await db_call(_running_game_pins)()
        self.read_at = started

    def forget(self) -> None:
        self.pins, self.read_at, self.reading = {}, float("-inf"), None


_running_pins = RunningPins()


def running_pins() -> RunningPins:
    return _running_pins


def _joined_frame(player_id: int, token: str, resumed: bool) -> tuple[dict[str, Any], OpenQuestion]:
    state, timer = _player_state(player_id)
    frame = frames.joined(
        player=state["player"], token=token, state=state, resumed=resumed, seq=state["seq"]
    )
    return frame, timer


def _player_state(player_id: int) -> tuple[dict[str, Any], OpenQuestion]:
    player = selectors.player_with_game(player_id=player_id)
    return selectors.player_snapshot_of(player), open_question(player.game)


class PlayerConsumer(GameSocket):
    role = PLAYER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.player_id: int | None = None
        self.replaced = False
        self.join_timeout: asyncio.Task[None] | None = None
        self.game_ended = False

    def mark_replaced(self) -> None:
        self.replaced = True

    def client_ip(self) -> str:
        client = self.scope.get("client") or ("", 0)
        return str(client[0] or "unknown")

    async def on_connect(self) -> None:
        pin = self.scope["url_route"]["kwargs"]["pin"]
        address = self.client_ip()
        budget = unknown_pin_budget()
        over_budget = ClientError(
            "rate_limited", "Too many unknown game PINs from this network.", close_code=4429
        )
        game: tuple[int, bool] | None
        # The budget first: an address past it gets no database query of its own, only
        # the running games' PINs this process knows (a real game's PIN still opens).
        if budget.remaining(address, time.monotonic()) == 0:
            game_id = await running_pins().find(pin)
            if game_id is None:
                raise over_budget
            game = (game_id, False)
        else:
            game = await _pin_lookup(pin)
            if game is None:
                # Only unknown PINs are counted: joining a real game costs nothing.
                if not budget.hit(address, time.monotonic()):
                    raise over_budget
                raise ClientError(
                    "game_not_found", "There is no game with that PIN.", close_code=4404
                )
        self.game_id, self.game_ended = game
        self.join_timeout = asyncio.get_running_loop().create_task(self._close_unjoined())

    async def _close_unjoined(self) -> None:
        await asyncio.sleep(JOIN_TIMEOUT_S)
        if self.player_id is None and not self.closed:
            await self.refuse("not_joined", "Join the game first.", 4400)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        self.closed = True
        if self.join_timeout is not None:
            self.join_timeout.cancel()
        if self.registered and self.game_id is not None:
            await self.leave_hub(self.player_id)
            if not self.replaced and self.player_id is not None:
                try:
                    # 1000 is a deliberate close (the page said goodbye); anything else
                    # (1001 a backgrounded tab, 1006 a dropped network) may come back.
                    reason = "left" if message.get("code") == 1000 else "disconnected"
                    await db_call(players.player_disconnected)(
                        player_id=self.player_id, reason=reason
                    )
                except Exception:
                    logger.exception("player disconnect bookkeeping failed")
        await super().websocket_disconnect(message)

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: Any) -> None:
        if self.game_id is None:
            raise ClientError("game_not_found", "There is no game with that PIN.", close_code=4404)
        entering = kind in ("join", "resume")
        if self.player_id is None and not entering:
            raise ClientError(
                "not_joined", "The first frame must be join or resume.", close_code=4400
            )
        if self.player_id is not None and entering:
            raise ClientError("bad_field", "This socket has already joined the game.")
        frame = inbound.phone_frame(data)
        if isinstance(frame, inbound.Join):
            await self.join(frame)
        elif isinstance(frame, inbound.Resume):
            await self.resume(frame)
        elif isinstance(frame, inbound.Answer):
            self.answer(frame, arrived_at)
        elif isinstance(frame, inbound.Ping):
            await self.pong(frame)
        elif isinstance(frame, inbound.Sync):
            assert self.player_id is not None
            state, timer = await db_call(_player_state)(self.player_id)
            self.arm(timer)
            await self.send_snapshot([state])
        else:
            raise ClientError("unknown_type", f"Unknown frame type {kind!r}.")

    async def join(self, frame: inbound.Join) -> None:
        nickname = frame.nickname
        if self.game_ended:
            raise ClientError("game_not_found", "This game has ended.", close_code=4404)
        assert self.game_id is not None
        sent = tuple(frame.gate) if frame.gate is not None else None
        await check_join_gate(self.game_id, sent, self.client_ip())
        outcome = await get_join_batcher().join(self.game_id, nickname)
        if isinstance(outcome, ClientError):
            raise outcome
        player_id, frame, timer = outcome
        if self.closed:
            # The phone left while its join was being stored.
            self.player_id = player_id
            await db_call(players.player_disconnected)(player_id=player_id)
            return
        await self._register(player_id)
        await self.send_snapshot([frame])
        self.arm(timer)

    async def resume(self, frame: inbound.Resume) -> None:
        token = frame.token
        player = await db_call(players.player_resume)(token=token, game_id=self.game_id)
        await self._enter(player.id, token, resumed=True)

    async def _register(self, player_id: int) -> None:
        assert self.game_id is not None
        self.player_id = player_id
        if self.join_timeout is not None:
            self.join_timeout.cancel()
        await get_hub().register(self, game_id=self.game_id, role=PLAYER, player_id=player_id)
        self.registered = True

    async def _enter(self, player_id: int, token: str, *, resumed: bool) -> None:
        assert self.game_id is not None
        await self._register(player_id)
        hub = get_hub()
        if resumed:
            # Any other socket of this player, in any process, is closed.
            try:
                await hub.publish(
                    self.game_id,
                    {
                        "type": "hub.replace",
                        "game_id": self.game_id,
                        "player_id": player_id,
                        "keep": self.socket_id,
                        "error": frames.error(
                            code="replaced", message="This game was opened in another window."
                        ),
                    },
                )
            except Exception:
                # Redis is away: the phone still comes back (an old socket of it, if
                # any, lingers until it closes; its answers count once anyway).
                logger.warning("replacing the other sockets of player %s failed", player_id)
        frame, timer = await db_call(_joined_frame)(player_id, token, resumed)
        await self.send_snapshot([frame])
        self.arm(timer)

    async def resync(self) -> None:
        """Called by the hub after the channel layer lost broadcasts: redraw from the DB."""
        if self.closed or self.game_id is None or self.player_id is None:
            return
        state, timer = await db_call(_player_state)(self.player_id)
        await self.send_snapshot([state])
        self.arm(timer)

    def answer(self, frame: inbound.Answer, arrived_at: Any) -> None:
        assert self.game_id is not None and self.player_id is not None
        submission = answers.Submission(
            player_id=self.player_id,
            question_id=frame.question_id,
            arrived_at=arrived_at,
            choice_id=frame.choice_id,
            choice_ids=tuple(frame.choice_ids) if frame.choice_ids is not None else None,
            year=frame.year,
        )
        get_batcher().submit(self.game_id, self, submission)

    async def answer_result(self, result: answers.SubmissionResult) -> None:
        if self.closed:
            return
        if result.error is not None:
            await self.send_error(result.error)
        else:
            await self.send_frame(
                frames.answer_received(fields=result.received_fields(), seq=self.last_seq)
            )

"""The two websocket endpoints of a live game: thin adapters, every rule lives elsewhere.

`HostConsumer` (/ws/host/<PIN>/) and `PlayerConsumer` (/ws/play/<PIN>/) check a frame
against its declaration (classroom/inbound.py: types, bounds, lengths), then hand it to
the handler named after its type (`frame_<type>`) or, for a host command, to the
service the `HOST_COMMANDS` table names, in the database thread. What both share
(limits, parsing, errors, delivery) is classroom/game_socket.py. A `ClientError` becomes
the `error` frame; with a close code the socket is then closed.

Which game a PIN opens is classroom/pins.py's; the join gate's check is
classroom/join_gate.py's; a projector's session is classroom/host_sessions.py's.
Broadcasts reach sockets through the loop's hub (classroom/hub.py), never through a
per-socket channel-layer channel (so these consumers have none). Answers and joins go
into the loop's groups (classroom/batching.py): an answer's arrival time is stamped
first thing, one `answers_store` call stores its group, and each socket's
`answer_received` goes out after that commit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext_noop

from classroom import frames, gate, handshake, inbound, join_gate, pins, selectors
from classroom.db import db_call
from classroom.errors import ClientError
from classroom.game_setup import SELF_PACED
from classroom.game_socket import GameSocket
from classroom.host_sessions import current_user, session_digest
from classroom.hub import HOST, PLAYER
from classroom.models import Game
from classroom.questions_cache import game_read
from classroom.runtime import runtime
from classroom.selectors import OpenQuestion, open_question
from classroom.services import answers, homework, phases, players

logger = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 30.0

# The services a projector's commands call, by frame: each is called with the game's id
# and the frame's own fields (`InboundFrame.arguments()`).
HOST_COMMANDS: dict[type[inbound.InboundFrame], Callable[..., Any]] = {
    inbound.Start: phases.game_start,
    inbound.Next: phases.game_next,
    inbound.CloseQuestion: phases.question_close_open,
    inbound.Scoreboard: phases.game_scoreboard,
    inbound.End: phases.game_end,
    inbound.Lock: phases.game_lock,
    inbound.Unlock: phases.game_unlock,
    inbound.Kick: players.player_kick,
    inbound.ExtraTime: players.player_set_extra_time,
    inbound.SetOptions: phases.game_set_options,
}


# --- the projector -------------------------------------------------------------------


def _host_game(pin: str, session_key: str | None) -> Game:
    user = current_user(session_key)
    if user is None:
        raise ClientError(
            "not_host", gettext_noop("Log in as the game's host to open it."), close_code=4403
        )
    try:
        return pins.game_for_teacher(pin=pin, user=user)
    except pins.NoSuchGame:
        raise ClientError(
            "game_not_found", gettext_noop("There is no game with that PIN."), close_code=4404
        ) from None
    except pins.NotYours:
        raise ClientError(
            "not_host", gettext_noop("Only the game's host can do that."), close_code=4403
        ) from None


def _host_command_allowed(game_id: int, session_key: str | None) -> None:
    user = current_user(session_key)
    game = Game.objects.defer("questions").get(pk=game_id)
    if user is None or not pins.user_may_host(user=user, game=game):
        raise ClientError(
            "not_host", gettext_noop("Only the game's host can do that."), close_code=4403
        )


def _host_snapshot(game_id: int, base_url: str) -> tuple[list[dict[str, Any]], OpenQuestion]:
    game = game_read(game_id=game_id)
    snapshot = [
        selectors.host_lobby(game=game, base_url=base_url),
        selectors.host_snapshot(game=game),
    ]
    return snapshot, open_question(game)


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
        game = await db_call(_host_game)(pin, self.session_key())
        self.game_id = game.id
        await db_call(homework.game_close_due)(game_id=game.id)
        await runtime().hub.register(self, game_id=game.id, role=HOST)
        self.registered = True
        await db_call(players.game_host_connected)(game_id=game.id, connection=self.socket_id)
        snapshot, timer = await self.snapshot()
        await self.send_snapshot(snapshot)
        self.arm(timer)
        self.gate_task = asyncio.get_running_loop().create_task(self._rotate_join_gate())

    async def snapshot(self) -> tuple[list[dict[str, Any]], OpenQuestion]:
        assert self.game_id is not None
        return await db_call(_host_snapshot)(self.game_id, handshake.base_url(self.scope))

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
                shown = await db_call(join_gate.shown_now)(self.game_id)
                if shown is not None and not self.closed:
                    await self.send_frame(frames.join_gate(shown=shown, seq=self.last_seq))
            except Exception:
                # The next turn tries again; the snapshot on reconnect has the shapes.
                logger.warning("telling the projector the new join shapes failed", exc_info=True)

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

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: datetime) -> None:
        if self.game_id is None:
            raise ClientError(
                "not_host", gettext_noop("This socket is not a game's projector."), close_code=4403
            )
        frame = inbound.host_frame(data)
        service = HOST_COMMANDS.get(type(frame))
        if service is None:
            # ping and sync: they change nothing, so they need no fresh look at rights.
            await self.to_handler(frame, arrived_at)
            return
        await db_call(_host_command_allowed)(self.game_id, self.session_key())
        await db_call(service)(game_id=self.game_id, **frame.arguments())


# --- the phones ----------------------------------------------------------------------


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
        self.join_timeout: asyncio.Task[None] | None = None
        self.game_ended = False
        # A homework game (read from the `joined` state): the player sends `next`.
        self.self_paced = False
        self.flushes: set[asyncio.Task[None]] = set()

    def client_ip(self) -> str:
        client = self.scope.get("client") or ("", 0)
        return str(client[0] or "unknown")

    async def on_connect(self) -> None:
        pin = self.scope["url_route"]["kwargs"]["pin"]
        address = self.client_ip()
        budget = pins.unknown_pin_budget()
        over_budget = ClientError(
            "rate_limited",
            gettext_noop("Too many unknown game PINs from this network."),
            close_code=4429,
        )
        game: tuple[int, bool] | None
        # The budget first: an address past it gets no database query of its own, only
        # the running games' PINs this process knows (a real game's PIN still opens).
        if budget.remaining(address, time.monotonic()) == 0:
            game_id = await pins.running_pins.find(pin)
            if game_id is None:
                raise over_budget
            game = (game_id, False)
        else:
            game = await pins.phone_game.get(pin)
            if game is None:
                # Only unknown PINs are counted: joining a real game costs nothing.
                if not budget.hit(address, time.monotonic()):
                    raise over_budget
                raise ClientError(
                    "game_not_found",
                    gettext_noop("There is no game with that PIN."),
                    close_code=4404,
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

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: datetime) -> None:
        if self.game_id is None:
            raise ClientError(
                "game_not_found", gettext_noop("There is no game with that PIN."), close_code=4404
            )
        entering = kind in ("join", "resume")
        if self.player_id is None and not entering:
            raise ClientError(
                "not_joined",
                gettext_noop("The first frame must be join or resume."),
                close_code=4400,
            )
        if self.player_id is not None and entering:
            raise ClientError("bad_field", gettext_noop("This socket has already joined the game."))
        await self.to_handler(inbound.phone_frame(data, self_paced=self.self_paced), arrived_at)

    async def snapshot(self) -> tuple[list[dict[str, Any]], OpenQuestion]:
        assert self.player_id is not None
        state, timer = await db_call(_player_state)(self.player_id)
        return [state], timer

    async def resync(self) -> None:
        if self.player_id is not None:
            await super().resync()

    async def frame_join(self, frame: inbound.Join, arrived_at: datetime) -> None:
        if self.game_ended:
            raise ClientError(
                "game_not_found", gettext_noop("This game has ended."), close_code=4404
            )
        assert self.game_id is not None
        sent = tuple(frame.gate) if frame.gate is not None else None
        await join_gate.check(self.game_id, sent, self.client_ip())
        outcome = await runtime().joins.join(self.game_id, frame.nickname)
        if isinstance(outcome, ClientError):
            raise outcome
        player_id, joined, timer = outcome
        self.self_paced = joined["state"].get("mode") == SELF_PACED
        if self.closed:
            # The phone left while its join was being stored.
            self.player_id = player_id
            await db_call(players.player_disconnected)(player_id=player_id)
            return
        await self._register(player_id)
        await self.send_snapshot([joined])
        self.arm(timer)

    async def frame_resume(self, frame: inbound.Resume, arrived_at: datetime) -> None:
        token = frame.token
        player = await db_call(players.player_resume)(token=token, game_id=self.game_id)
        await self._register(player.id)
        await self._replace_other_sockets(player.id)
        joined, timer = await db_call(_joined_frame)(player.id, token, True)
        self.self_paced = joined["state"].get("mode") == SELF_PACED
        await self.send_snapshot([joined])
        self.arm(timer)

    async def frame_answer(self, frame: inbound.Answer, arrived_at: datetime) -> None:
        assert self.game_id is not None and self.player_id is not None
        # Refused here, before the group: an answer during reading costs nobody else
        # anything (answers_store refuses it too, from the stored moment).
        if runtime().timers.too_early(self.game_id, frame.question_id, arrived_at.timestamp()):
            raise answers.too_early()
        submission = answers.Submission(
            player_id=self.player_id,
            question_id=frame.question_id,
            arrived_at=arrived_at,
            choice_id=frame.choice_id,
            choice_ids=tuple(frame.choice_ids) if frame.choice_ids is not None else None,
            year=frame.year,
        )
        runtime().answers.submit(self.game_id, self, submission)

    async def frame_next(self, frame: inbound.Next, arrived_at: datetime) -> None:
        """A homework player's `next` (inbound.phone_frame lets only those through)."""
        assert self.player_id is not None
        replies, pending = await db_call(homework.player_next)(player_id=self.player_id)
        for reply in replies:
            await self.send_frame({**reply, "seq": self.last_seq})
        if pending:
            self._flush_progress_later()

    def _flush_progress_later(self) -> None:
        """The teacher hears at most one `progress` a second per player: a change
        within the second is sent once it has passed."""
        player_id = self.player_id

        async def flush() -> None:
            await asyncio.sleep(homework.PROGRESS_FLUSH_S)
            try:
                await db_call(homework.progress_flush)(player_id=player_id)
            except Exception:
                # The teacher's page reads every player's progress on its next sync.
                logger.warning("sending the progress of player %s failed", player_id)

        task = asyncio.get_running_loop().create_task(flush())
        self.flushes.add(task)
        task.add_done_callback(self.flushes.discard)

    async def _register(self, player_id: int) -> None:
        assert self.game_id is not None
        self.player_id = player_id
        if self.join_timeout is not None:
            self.join_timeout.cancel()
            # A cancelled task keeps its coroutine and its CancelledError: about 1.7 KiB
            # per phone for as long as the phone stays, unless let go here.
            self.join_timeout = None
        await runtime().hub.register(self, game_id=self.game_id, role=PLAYER, player_id=player_id)
        self.registered = True

    async def _replace_other_sockets(self, player_id: int) -> None:
        """A resumed player's other sockets, in any process, are closed (`replaced`)."""
        assert self.game_id is not None
        try:
            await runtime().hub.publish(
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

    async def answer_result(self, result: answers.SubmissionResult) -> None:
        if self.closed:
            return
        if result.error is not None:
            await self.send_error(result.error)
        elif result.instead is not None:
            await self.send_frame({**result.instead, "seq": self.last_seq})
        else:
            await self.send_frame(
                frames.answer_received(fields=result.received_fields(), seq=self.last_seq)
            )
            # Homework: that player's reveal at once, after the acknowledgement.
            for frame in result.followups:
                await self.send_frame({**frame, "seq": self.last_seq})
            if result.progress_pending:
                self._flush_progress_later()

"""What both game sockets share (classroom/consumers.py has the two): the origin check,
frame size and rate limits, JSON parsing, errors as `error` frames, and delivery of the
hub's broadcasts after the socket's snapshot.

A frame goes through `receive` (size, rate, JSON, a `type`) to the socket's `handle`
(its declaration in classroom/inbound.py, then whether this socket may send it) and
from there to the handler named after its type, `frame_<type>` (as Channels names its
message handlers from a message's type). `GameSocket` is what the hub needs of a socket
(classroom/hub.py, `LocalSocket`).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, handshake, inbound, languages
from classroom.errors import ClientError
from classroom.hub import FRAMED_WRITE, dumps, frame_text
from classroom.ratelimit import TokenBucket
from classroom.runtime import runtime
from classroom.selectors import OpenQuestion

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
FRAMES_PER_SECOND = 20.0
FRAME_BURST = 20.0


def _no_constants(name: str) -> Any:
    # json.loads takes NaN and Infinity, which are not JSON and never a valid value.
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str) -> Any:
    """The frame's JSON value; ClientError bad_json for anything that is not JSON."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        # RecursionError: a few KB of "[[[[..." nests deeper than the parser goes.
        raise ClientError("bad_json", gettext_noop("That frame is not valid JSON.")) from None


def frame_handler_name(frame: inbound.InboundFrame) -> str:
    return f"frame_{frame.type}"


class GameSocket(AsyncWebsocketConsumer):
    """What both endpoints share: origin check, limits, parsing, errors, hub delivery.

    Implements what the hub needs of a socket (classroom/hub.py, `LocalSocket`)."""

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
        self.replaced = False
        self.bucket = TokenBucket(rate=FRAMES_PER_SECOND, burst=FRAME_BURST)
        # Broadcasts that arrive before this socket's snapshot went out wait here, so
        # the snapshot comes first and nothing it already covers is sent again.
        self.ready = False
        self.pending: list[tuple[str, int]] = []
        self._language: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' loop, without its helper task per socket.

        Channels reads the client through `await_many_dispatch`: a task of its own that
        waits on `receive` and an `asyncio.wait` around it, about 2.6 KiB per idle socket,
        there to wait on a per-socket channel too, which these sockets do not have. One
        message at a time, dispatched in order, as there."""
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        if self.channel_layer is not None:
            await super().__call__(scope, receive, send)
            return
        self.scope = scope
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

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

    @property
    def language(self) -> str:
        """The language of this socket's page (classroom/languages.py), read once."""
        if self._language is None:
            self._language = languages.socket_language(self.scope)
        return self._language

    def localised(self, error: dict[str, Any]) -> dict[str, Any]:
        """An `error` frame with its message in this socket's language; same code."""
        return {**error, "message": languages.translated(error["message"], self.language)}

    async def send_error(self, error: ClientError) -> None:
        message = languages.translated(error.message, self.language)
        await self.send_frame(frames.error(code=error.code, message=message, seq=self.last_seq))
        if error.close_code is not None:
            await self.close(code=error.close_code)

    async def refuse(self, code: str, message: str, close_code: int) -> None:
        await self.send_error(ClientError(code, message, close_code=close_code))

    async def deliver(self, text: str, seq: int, framed: bytes | None = None) -> None:
        """Called by the hub for each broadcast frame (`framed`: the same, framed)."""
        if not self.ready:
            self.pending.append((text, seq))
            return
        if not self.write_framed(text, framed):
            await self.send(text_data=text)
        self.last_seq = max(self.last_seq, seq)

    def write_framed(self, text: str, framed: bytes | None) -> bool:
        """Write `text` as a websocket frame straight to this socket's connection, if
        the server offers that (classroom/daphne_server.py, `FramedWrite`) and the
        connection takes the frame as it is; False if it must be sent the usual way."""
        extensions = self.scope.get("extensions")
        write = extensions.get(FRAMED_WRITE) if extensions else None
        if write is None:
            return False
        return write(framed if framed is not None else frame_text(text))

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

    # --- what the hub asks of a socket ---------------------------------------------

    async def resync(self) -> None:
        """Called by the hub after the channel layer lost broadcasts: redraw from the DB."""
        if self.closed or self.game_id is None:
            return
        snapshot, timer = await self.snapshot()
        await self.send_snapshot(snapshot)
        self.arm(timer)

    async def snapshot(self) -> tuple[list[dict[str, Any]], OpenQuestion]:
        """This socket's full snapshot frames, and the open question to arm."""
        raise NotImplementedError

    def session_digest(self) -> str | None:
        return None

    def mark_replaced(self) -> None:
        self.replaced = True

    # --- receiving -------------------------------------------------------------------

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        await self.accept()
        if not handshake.origin_allowed(self.scope):
            await self.refuse(
                "forbidden", gettext_noop("This page's origin may not open a game socket."), 4403
            )
            return
        try:
            await self.on_connect()
        except ClientError as error:
            await self.send_error(error)
        except Exception:
            # The database or the channel layer is down: say so; the client reconnects.
            logger.exception("opening a game socket failed")
            await self.send_error(
                ClientError("try_again", gettext_noop("The server is busy. Try again."))
            )
            await self.close(code=1013)

    async def leave_hub(self, player_id: int | None = None) -> None:
        if not self.registered or self.game_id is None:
            return
        try:
            await runtime().hub.unregister(self, game_id=self.game_id, player_id=player_id)
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
                raise ClientError("bad_json", gettext_noop("Frames must be JSON text."))
            data = parse_json(text_data)
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                raise ClientError(
                    "bad_field", gettext_noop('A frame is a JSON object with a "type" string.')
                )
            await self.handle(data["type"], data, arrived_at)
        except ClientError as error:
            await self.send_error(error)
        except DatabaseError:
            logger.exception("database error handling a frame")
            await self.send_error(
                ClientError(
                    "try_again", gettext_noop("The server could not do that just now. Try again.")
                )
            )
        except Exception:
            # Never a 1011 crash for one bad frame: say so, keep the socket.
            logger.exception("error handling a frame")
            await self.send_error(
                ClientError("server_error", gettext_noop("Something went wrong on the server."))
            )

    async def handle(self, kind: str, data: dict[str, Any], arrived_at: datetime) -> None:
        """Check the frame against its declaration (classroom/inbound.py), then act."""
        raise NotImplementedError

    async def on_connect(self) -> None:
        raise NotImplementedError

    async def frame_ping(self, frame: inbound.Ping, arrived_at: datetime) -> None:
        await self.send_frame(frames.pong(ref=frame.ref, seq=self.last_seq))

    async def frame_sync(self, frame: inbound.Sync, arrived_at: datetime) -> None:
        snapshot, timer = await self.snapshot()
        await self.send_snapshot(snapshot)
        self.arm(timer)

    async def to_handler(self, frame: inbound.InboundFrame, arrived_at: datetime) -> None:
        await getattr(self, frame_handler_name(frame))(frame, arrived_at)

    def arm(self, timer: OpenQuestion) -> None:
        """Arm this process's timer of the open question a snapshot reported."""
        if timer is not None and self.game_id is not None:
            runtime().timers.arm(self.game_id, *timer)

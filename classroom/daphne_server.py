"""What this server changes in Daphne's: a lighter inbox per connection and a
pre-framed write for broadcasts (#17).

**Inbox (memory per phone).** Daphne gives every connection an `asyncio.Queue` for the
messages it passes to the application, and uses only two of its methods: `put_nowait`
(Daphne) and `get` (the application's `receive`). An empty `asyncio.Queue` holds four
deques (its items, its getters, its putters and its `join` event's waiters): about
3.2 KiB per connected phone, a tenth of what a phone costs the server. `Inbox` does the
same two things in order with two slots: the pending messages (a deque only while there
are some) and the one application task waiting for them.

**Framed write (fan-out).** Daphne hands each application `partial(server.handle_reply,
protocol)` as its `send`: a broadcast to 2,000 phones went through it 2,000 times, each
building a message dict, a coroutine, a UTF-8 copy of the text and a websocket frame of
the same bytes (autobahn's `sendMessage`), which Twisted then only buffered, to send once
the event loop had reported each socket writable. A websocket's scope here also carries
`FramedWrite` (in `scope["extensions"]`, where ASGI puts what a server adds): it writes
a frame made once for every socket (classroom/hub.py, `frame_text`) straight to the
connection, and sends it at once when nothing waits before it (`write_now`), if the
connection is one where that is what `sendMessage` would have written: open, no
compression negotiated, nothing queued before it, and not disconnected in Daphne's books.
Anything else takes the usual `send`.

`Server` is Daphne's, with `create_application` as in Daphne 4.2.3 except the inbox and
the framed write; `classroom.asgi` makes Daphne's command line use it, but only while
Daphne's own `create_application` is the one copied (its source's sha256): a Daphne that
changed it keeps its own server, with a warning, and costs those 3.2 KiB per phone and the
per-socket framing again until the copy here is brought up to date. Nothing breaks on an
upgrade: a socket without the extension sends as before.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import textwrap
from collections import deque
from functools import partial
from typing import Any

from daphne.server import Server as DaphneServer
from twisted.internet import tcp

from classroom.hub import FRAMED_WRITE

logger = logging.getLogger(__name__)

# sha256 of Daphne 4.2.3's Server.create_application (dedented source), which
# `Server.create_application` below copies.
COPIED_CREATE_APPLICATION = "6d6da219bd73c1338da9c91ee957b27140ef0f0f16c50db47a8279df167be32f"


def source_hash(function: Any) -> str:
    return hashlib.sha256(textwrap.dedent(inspect.getsource(function)).encode()).hexdigest()


def copy_is_current() -> bool:
    """Whether the installed Daphne's `create_application` is the one copied here."""
    try:
        return source_hash(DaphneServer.create_application) == COPIED_CREATE_APPLICATION
    except (OSError, TypeError):
        return False


class Inbox:
    """`asyncio.Queue`'s `put_nowait` and `get`, unbounded, for one reader at a time."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[Any] | None = None
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = deque()
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def empty(self) -> bool:
        return not self._items


class FramedWrite:
    """Writes a pre-framed websocket message straight to one Daphne connection."""

    __slots__ = ("protocol", "server")

    def __init__(self, server: DaphneServer, protocol: Any) -> None:
        self.server = server
        self.protocol = protocol

    def __call__(self, framed: bytes) -> bool:
        """Write one frame made by `hub.frame_text` if this connection takes it as it
        is; False (nothing written) if the caller must send the text the usual way."""
        protocol = self.protocol
        if (
            protocol.state != protocol.STATE_OPEN
            or protocol._perMessageCompress is not None
            or protocol.send_queue
        ):
            return False
        connection = self.server.connections.get(protocol)
        if connection is None or connection.get("disconnected"):
            return False
        # What autobahn's sendData does with an empty send queue (transport.write), less
        # its debug log (whose arguments it formats even when debug is off) and its
        # byte counters.
        write_now(protocol.transport, framed)
        return True


def write_now(transport: Any, data: bytes) -> None:
    """`transport.write(data)`, sending at once on a plain TCP connection with nothing
    waiting to be written before it, as asyncio's transports do.

    Twisted's `write` only buffers: it registers the socket with the event loop and
    sends once the loop reports it writable, then unregisters it. For a broadcast to
    2,000 phones that was 2,000 registrations, callbacks and unregistrations after the
    2,000 sends. What the kernel does not take at once (a full buffer, an error) goes to
    Twisted's `write`, which sends it in order or meets the error and closes as usual.
    """
    if (
        type(transport) is tcp.Server
        and not transport.TLS
        and transport.connected
        and not transport._tempDataLen
        and len(transport.dataBuffer) == transport.offset
    ):
        try:
            sent = transport.socket.send(data)
        except OSError:
            sent = 0
        if sent == len(data):
            return
        data = data[sent:]
    transport.write(data)


class Server(DaphneServer):
    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Inbox | None:
        """Daphne 4.2.3's `Server.create_application`, with an `Inbox` for the queue and,
        for a websocket, a `FramedWrite` in the scope's extensions."""
        # Make sure the protocol has not had another application made for it
        assert "application_instance" not in self.connections[protocol]
        input_queue = Inbox()
        scope.setdefault("asgi", {"version": "3.0"})
        if scope.get("type") == "websocket":
            scope.setdefault("extensions", {})[FRAMED_WRITE] = FramedWrite(self, protocol)
        application_instance = self.application(
            scope=scope,
            receive=input_queue.get,
            send=partial(self.handle_reply, protocol),
        )
        # Run it, and stash the future for later checking
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance,
            loop=asyncio.get_event_loop(),
        )
        return input_queue


def use_in_daphne_command_line() -> bool:
    """Make `python -m daphne` build this `Server` (it reads `server_class` after it has
    imported the application, so the application's module may call this), if the copy
    is current; say whether it did."""
    from daphne.cli import CommandLineInterface

    if not copy_is_current():
        logger.warning(
            "Daphne's Server.create_application is not the one classroom/daphne_server.py "
            "copied: Daphne's own server and queues are used (about 3 KiB more per phone, "
            "each broadcast framed per socket)."
        )
        return False
    CommandLineInterface.server_class = Server
    return True

"""classroom/daphne_server.py: the per-connection inbox and send Daphne's server gives
each application, and the pre-framed write of a broadcast."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import socket
import textwrap
from collections import deque

import pytest
from autobahn.websocket.protocol import WebSocketProtocol
from daphne.cli import CommandLineInterface
from daphne.server import Server as DaphneServer
from twisted.internet import tcp
from twisted.internet.protocol import Protocol

from classroom import daphne_server
from classroom.daphne_server import Inbox
from classroom.hub import FRAMED_WRITE, frame_text

# sha256 of Daphne 4.2.3's Server.create_application, which daphne_server.Server copies.
DAPHNE_CREATE_APPLICATION = "6d6da219bd73c1338da9c91ee957b27140ef0f0f16c50db47a8279df167be32f"


def test_the_copy_is_current_exactly_when_daphnes_source_hashes_to_the_copied_one():
    source = textwrap.dedent(inspect.getsource(DaphneServer.create_application))
    same = hashlib.sha256(source.encode()).hexdigest() == DAPHNE_CREATE_APPLICATION
    assert daphne_server.copy_is_current() is same
    assert daphne_server.COPIED_CREATE_APPLICATION == DAPHNE_CREATE_APPLICATION


def test_a_changed_daphne_keeps_its_own_server(monkeypatch, caplog):
    before = CommandLineInterface.server_class
    monkeypatch.setattr(daphne_server, "COPIED_CREATE_APPLICATION", "0" * 64)
    try:
        assert daphne_server.use_in_daphne_command_line() is False
        assert CommandLineInterface.server_class is before
        assert "not the one classroom/daphne_server.py copied" in caplog.text
    finally:
        CommandLineInterface.server_class = before


async def test_messages_come_out_in_the_order_they_were_put():
    inbox = Inbox()
    for number in range(5):
        inbox.put_nowait({"n": number})
    assert inbox.qsize() == 5
    assert [(await inbox.get())["n"] for _ in range(5)] == [0, 1, 2, 3, 4]
    assert inbox.empty()


async def test_a_waiting_reader_gets_the_message_put_later():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done()
    inbox.put_nowait("connect")
    inbox.put_nowait("receive")
    assert await reader == "connect"
    assert await inbox.get() == "receive"


async def test_a_cancelled_reader_loses_no_message():
    inbox = Inbox()
    reader = asyncio.ensure_future(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("kept")
    reader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reader
    assert await inbox.get() == "kept"


async def test_an_idle_inbox_holds_no_deque():
    inbox = Inbox()
    inbox.put_nowait("one")
    await inbox.get()
    # What the inbox is for: an idle connection holds two empty slots, not four deques.
    assert inbox._items is None and inbox._waiter is None


def test_the_daphne_command_line_builds_the_inbox_server_with_the_copied_daphne(monkeypatch):
    # As with Daphne 4.2.3, whatever Daphne this machine has.
    monkeypatch.setattr(daphne_server, "copy_is_current", lambda: True)
    before = CommandLineInterface.server_class
    try:
        assert daphne_server.use_in_daphne_command_line() is True
        assert CommandLineInterface.server_class is daphne_server.Server
    finally:
        CommandLineInterface.server_class = before


# --- FramedWrite: a broadcast's frame, made once, written to each connection --------


class FakeTransport:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)


class FakeProtocol:
    """What `FramedWrite` reads of autobahn's WebSocketServerProtocol."""

    STATE_OPEN = WebSocketProtocol.STATE_OPEN

    def __init__(self) -> None:
        self.state = WebSocketProtocol.STATE_OPEN
        self._perMessageCompress = None
        self.send_queue: deque = deque()
        self.transport = FakeTransport()


class FakeServer:
    def __init__(self, protocol) -> None:
        self.connections = {protocol: {}}


def test_an_open_plain_connection_gets_the_frame_as_it_is():
    protocol = FakeProtocol()
    write = daphne_server.FramedWrite(FakeServer(protocol), protocol)
    framed = frame_text('{"type":"question"}')
    assert write(framed) is True
    assert protocol.transport.written == [framed]


@pytest.mark.parametrize(
    "change",
    [
        # Not open yet, closing or closed: autobahn's sendMessage would refuse.
        lambda protocol, server: setattr(protocol, "state", WebSocketProtocol.STATE_CLOSING),
        lambda protocol, server: setattr(protocol, "state", WebSocketProtocol.STATE_CONNECTING),
        # Compression negotiated: the frame must be compressed per connection.
        lambda protocol, server: setattr(protocol, "_perMessageCompress", object()),
        # Something queued first: writing now would overtake it.
        lambda protocol, server: protocol.send_queue.append((b"earlier", False)),
        # Daphne has let the connection go (its handle_reply would drop the message).
        lambda protocol, server: server.connections[protocol].update(disconnected=True),
        lambda protocol, server: server.connections.clear(),
    ],
    ids=["closing", "connecting", "compressed", "queued", "disconnected", "forgotten"],
)
def test_a_connection_that_cannot_take_the_frame_as_it_is_gets_nothing(change):
    protocol = FakeProtocol()
    server = FakeServer(protocol)
    change(protocol, server)
    assert daphne_server.FramedWrite(server, protocol)(frame_text("{}")) is False
    assert protocol.transport.written == []


def _created(scope_type: str):
    protocol = object()
    seen = {}

    async def application(*, scope, receive, send):
        seen.update(scope=scope, receive=receive, send=send)

    server = daphne_server.Server.__new__(daphne_server.Server)
    server.application = application
    server.connections = {protocol: {}}
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        inbox = server.create_application(protocol, {"type": scope_type})
        loop.run_until_complete(server.connections[protocol]["application_instance"])
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return server, protocol, inbox, seen


def test_the_copied_server_gives_a_websocket_its_inbox_daphnes_send_and_a_framed_write():
    server, protocol, inbox, seen = _created("websocket")
    assert isinstance(inbox, Inbox) and seen["receive"] == inbox.get
    assert seen["send"].func == server.handle_reply and seen["send"].args == (protocol,)
    write = seen["scope"]["extensions"][FRAMED_WRITE]
    assert isinstance(write, daphne_server.FramedWrite)
    assert write.protocol is protocol and write.server is server


def test_an_http_request_gets_no_framed_write():
    *_, seen = _created("http")
    assert FRAMED_WRITE not in seen["scope"].get("extensions", {})


# --- write_now: send at once what Twisted would only have buffered ------------------


class RecordingReactor:
    """The part of a reactor a Twisted TCP connection calls while writing."""

    def __init__(self) -> None:
        self.writers: list = []

    def addReader(self, reader) -> None:
        pass

    def addWriter(self, writer) -> None:
        self.writers.append(writer)

    def removeWriter(self, writer) -> None:
        pass

    def callLater(self, *args, **kwargs):
        raise AssertionError("not expected")


@pytest.fixture
def tcp_pair():
    """A Twisted server-side TCP connection on one end of a socket pair, the other end
    as the phone."""
    ours, phone = socket.socketpair()
    reactor = RecordingReactor()
    transport = tcp.Server(ours, Protocol(), ("127.0.0.1", 50000), None, 1, reactor)
    phone.settimeout(1)
    yield transport, phone, reactor
    ours.close()
    phone.close()


def test_a_plain_connection_with_nothing_waiting_sends_at_once(tcp_pair):
    transport, phone, reactor = tcp_pair
    framed = frame_text('{"type":"question"}')
    daphne_server.write_now(transport, framed)
    assert phone.recv(1024) == framed
    assert reactor.writers == [] and not transport._tempDataBuffer


def test_bytes_waiting_in_twisted_go_first_and_the_new_ones_wait_behind_them(tcp_pair):
    transport, phone, _reactor = tcp_pair
    transport.write(b"earlier")
    daphne_server.write_now(transport, b"later")
    assert transport._tempDataBuffer == [b"earlier", b"later"]
    transport.doWrite()
    assert phone.recv(1024) == b"earlierlater"


def test_what_the_kernel_does_not_take_is_left_to_twisted_in_order(tcp_pair):
    transport, phone, reactor = tcp_pair
    big = bytes(range(256)) * 40_000  # 10 MB: more than a socket buffer holds
    daphne_server.write_now(transport, big)
    assert reactor.writers == [transport]
    received = bytearray()
    while len(received) < len(big):
        transport.doWrite()
        received += phone.recv(1 << 20)
    assert bytes(received) == big


def test_a_tls_connection_is_left_to_twisted(tcp_pair):
    transport, _phone, _reactor = tcp_pair
    transport.TLS = True
    transport.protocol.write = lambda data: written.append(data)
    written: list[bytes] = []
    daphne_server.write_now(transport, b"secret")
    assert written == [b"secret"]

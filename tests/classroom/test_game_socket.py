"""classroom/game_socket.py: how a socket hands on the hub's broadcasts."""

from classroom.game_socket import GameSocket
from classroom.hub import FRAMED_WRITE, frame_text


class FramedSend:
    """A connection's send and its framed write (classroom/daphne_server.py), recorded."""

    def __init__(self, takes_frames: bool) -> None:
        self.takes_frames = takes_frames
        self.messages: list[dict] = []
        self.frames: list[bytes] = []

    async def __call__(self, message: dict) -> None:
        self.messages.append(message)

    def write_framed(self, framed: bytes) -> bool:
        if self.takes_frames:
            self.frames.append(framed)
        return self.takes_frames


def _socket(send) -> GameSocket:
    socket = GameSocket()
    socket.base_send = send
    write = getattr(send, "write_framed", None)
    socket.scope = {"type": "websocket", "extensions": {FRAMED_WRITE: write} if write else {}}
    socket.ready = True
    return socket


async def test_a_broadcast_goes_out_as_the_hubs_frame_when_the_connection_takes_it():
    send = FramedSend(takes_frames=True)
    socket = _socket(send)
    framed = frame_text('{"type":"question","seq":4}')
    await socket.deliver('{"type":"question","seq":4}', 4, framed)
    assert send.frames == [framed] and send.messages == []
    assert socket.last_seq == 4


async def test_a_frame_the_hub_did_not_make_is_framed_by_the_socket():
    send = FramedSend(takes_frames=True)
    socket = _socket(send)
    await socket.deliver('{"type":"reveal","seq":5,"points":900}', 5)
    assert send.frames == [frame_text('{"type":"reveal","seq":5,"points":900}')]


async def test_a_connection_that_refuses_the_frame_gets_the_text_sent_as_usual():
    send = FramedSend(takes_frames=False)
    socket = _socket(send)
    await socket.deliver('{"type":"question","seq":4}', 4, frame_text("x"))
    assert send.messages == [{"type": "websocket.send", "text": '{"type":"question","seq":4}'}]
    assert socket.last_seq == 4


async def test_a_server_without_the_framed_write_gets_the_text_sent():
    messages = []

    async def send(message):
        messages.append(message)

    socket = _socket(send)
    await socket.deliver('{"type":"question","seq":4}', 4, frame_text("x"))
    assert messages == [{"type": "websocket.send", "text": '{"type":"question","seq":4}'}]


async def test_a_broadcast_before_the_snapshot_waits_for_it():
    send = FramedSend(takes_frames=True)
    socket = _socket(send)
    socket.ready = False
    await socket.deliver('{"type":"question","seq":4}', 4, frame_text("x"))
    assert send.frames == [] and send.messages == []
    await socket.send_snapshot([{"type": "lobby", "seq": 3}])
    assert [m["text"] for m in send.messages] == [
        '{"type":"lobby","seq":3}',
        '{"type":"question","seq":4}',
    ]
    assert socket.last_seq == 4

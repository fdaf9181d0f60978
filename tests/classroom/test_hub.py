"""The per-process fan-out hub: one group membership and one serialisation per process."""

import asyncio
import json
import shutil
import socket as socket_module
import subprocess
import time

import pytest
from channels.layers import InMemoryChannelLayer
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from classroom import hub as hub_module
from classroom.hub import HOST, PLAYER, Hub


class FakeSocket:
    def __init__(self, name: str) -> None:
        self.socket_id = name
        self.last_seq = 0
        self.texts: list[str] = []
        self.framed: list[bytes | None] = []
        self.closed_with: int | None = None
        self.resyncs = 0
        self.replaced = False

    async def deliver(self, text: str, seq: int, framed: bytes | None = None) -> None:
        self.texts.append(text)
        self.framed.append(framed)
        self.last_seq = max(self.last_seq, seq)

    async def send(self, text_data=None, bytes_data=None) -> None:
        self.texts.append(text_data)

    async def close(self, code=None, reason=None) -> None:
        self.closed_with = code

    async def resync(self) -> None:
        self.resyncs += 1

    def session_digest(self) -> str | None:
        return None

    def mark_replaced(self) -> None:
        self.replaced = True

    def frames(self) -> list[dict]:
        return [json.loads(t) for t in self.texts]


def _hub(layer) -> Hub:
    hub = Hub()
    hub.layer = layer
    return hub


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0.01)


def _broadcast(game_id: int, **parts) -> dict:
    return {"type": "hub.broadcast", "game_id": game_id, **parts}


def _reveal_with_bilals_points() -> dict:
    """A reveal for game 7: the projector's, the phones' common one, player 2's own."""
    return _broadcast(
        7,
        host={"type": "reveal", "seq": 1, "distribution": {}},
        players={"type": "reveal", "seq": 1, "points": 0},
        per_player={"2": {"points": 900}},
    )


async def test_each_process_hub_joins_the_group_once_and_delivers_to_its_sockets(monkeypatch):
    layer = InMemoryChannelLayer()
    group_adds = []
    real_group_add = layer.group_add

    async def spy(group, channel):
        group_adds.append((group, channel))
        await real_group_add(group, channel)

    monkeypatch.setattr(layer, "group_add", spy)
    first, second = _hub(layer), _hub(layer)
    host, ayesha, bilal, chen = (FakeSocket(n) for n in ("host", "ayesha", "bilal", "chen"))
    await first.register(host, game_id=7, role=HOST)
    await first.register(ayesha, game_id=7, role=PLAYER, player_id=1)
    await first.register(bilal, game_id=7, role=PLAYER, player_id=2)
    await second.register(chen, game_id=7, role=PLAYER, player_id=3)
    assert len(group_adds) == 2  # one per hub, not one per socket

    dumps_calls = []
    real_dumps = hub_module.dumps
    monkeypatch.setattr(hub_module, "dumps", lambda f: dumps_calls.append(f) or real_dumps(f))
    await first.publish(7, _reveal_with_bilals_points())
    await _settle()
    assert host.frames() == [{"type": "reveal", "seq": 1, "distribution": {}}]
    assert ayesha.frames() == [{"type": "reveal", "seq": 1, "points": 0}]
    assert bilal.frames() == [{"type": "reveal", "seq": 1, "points": 900}]
    assert chen.frames() == [{"type": "reveal", "seq": 1, "points": 0}]
    assert (host.last_seq, ayesha.last_seq, chen.last_seq) == (1, 1, 1)
    # The first hub: the host frame, the common phone frame and one override; the
    # second (no projector there): the common phone frame. Never once per socket.
    assert len(dumps_calls) == 3 + 1
    for hub in (first, second):
        hub._receiver.cancel()


async def test_the_players_common_frame_is_framed_once_and_the_same_bytes_go_to_each(
    monkeypatch,
):
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    host, ayesha, bilal, chen = (FakeSocket(n) for n in ("host", "ayesha", "bilal", "chen"))
    await hub.register(host, game_id=7, role=HOST)
    for player_id, phone in enumerate((ayesha, bilal, chen), start=1):
        await hub.register(phone, game_id=7, role=PLAYER, player_id=player_id)
    framings = []
    real_frame_text = hub_module.frame_text
    monkeypatch.setattr(
        hub_module, "frame_text", lambda t: framings.append(t) or real_frame_text(t)
    )
    await hub.publish(7, _reveal_with_bilals_points())
    await _settle()
    common = hub_module.dumps({"type": "reveal", "seq": 1, "points": 0})
    assert ayesha.texts == chen.texts == [common]
    assert framings == [common]  # once for the broadcast, not once per phone
    assert ayesha.framed == chen.framed == [real_frame_text(common)]
    assert ayesha.framed[0] is chen.framed[0]
    # Bilal's own frame and the projector's are framed by their sockets, if at all.
    assert bilal.framed == [None] and host.framed == [None]
    hub._receiver.cancel()


async def test_the_last_socket_leaving_takes_the_hub_out_of_the_group():
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    ayesha = FakeSocket("ayesha")
    await hub.register(ayesha, game_id=7, role=PLAYER, player_id=1)
    await hub.unregister(ayesha, game_id=7, player_id=1)
    assert 7 not in hub.games
    assert hub.channel not in layer.groups.get("game.7", {})
    hub._receiver.cancel()


async def test_closing_players_and_replacing_a_socket(monkeypatch):
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    old, new, other = FakeSocket("old"), FakeSocket("new"), FakeSocket("other")
    await hub.register(old, game_id=7, role=PLAYER, player_id=1)
    await hub.register(new, game_id=7, role=PLAYER, player_id=1)
    await hub.register(other, game_id=7, role=PLAYER, player_id=2)
    await hub.publish(
        7,
        {
            "type": "hub.replace",
            "game_id": 7,
            "player_id": 1,
            "keep": "new",
            "error": {"type": "error", "code": "replaced", "message": "elsewhere"},
        },
    )
    await _settle()
    assert old.closed_with == 4403 and old.frames()[-1]["code"] == "replaced"
    # Told it was replaced, so its close does not tell the game the player left.
    assert old.replaced and not new.replaced
    assert new.closed_with is None and other.closed_with is None
    await hub.publish(
        7,
        _broadcast(
            7,
            host={"type": "player_left", "seq": 1},
            close_players={"2": {"type": "error", "code": "kicked", "message": "bye"}},
            close_code=4403,
        ),
    )
    await _settle()
    assert other.closed_with == 4403 and other.frames()[-1]["code"] == "kicked"
    hub._receiver.cancel()


async def test_a_question_broadcast_arms_the_timer():
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    armed = []
    hub.arm_timer = lambda game_id, index, deadline, opens, question_id: armed.append(
        (game_id, index, deadline, opens, question_id)
    )
    await hub.register(FakeSocket("a"), game_id=7, role=PLAYER, player_id=1)
    await hub.publish(
        7, _broadcast(7, timer={"index": 2, "deadline": 123.5, "opens": 113.5, "question_id": 9})
    )
    await _settle()
    assert armed == [(7, 2, 123.5, 113.5, 9)]
    hub._receiver.cancel()


@pytest.fixture
def redis_url():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: the two-process fan-out needs Redis")
    with socket_module.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            socket_module.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(5)


async def test_two_processes_on_redis_each_get_a_broadcast_once(redis_url):
    from channels_redis.core import RedisChannelLayer

    # Two layers are two processes: each hub has its own connection and channel.
    hubs = [_hub(RedisChannelLayer(hosts=[redis_url])) for _ in range(2)]
    sockets = [FakeSocket("a"), FakeSocket("b"), FakeSocket("c")]
    await hubs[0].register(sockets[0], game_id=9, role=PLAYER, player_id=1)
    await hubs[0].register(sockets[1], game_id=9, role=PLAYER, player_id=2)
    await hubs[1].register(sockets[2], game_id=9, role=PLAYER, player_id=3)
    await hubs[1].publish(9, _broadcast(9, players={"type": "question", "seq": 1}))
    for _ in range(100):
        if all(s.texts for s in sockets):
            break
        await asyncio.sleep(0.02)
    assert [s.frames() for s in sockets] == [[{"type": "question", "seq": 1}]] * 3
    for hub in hubs:
        hub._receiver.cancel()
        await hub.layer.flush()
        await hub.layer.close_pools()


async def test_a_socket_arriving_while_the_last_one_leaves_keeps_the_hub_in_the_group():
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    calls = []
    real_add, real_discard = layer.group_add, layer.group_discard

    async def slow_discard(group, channel):
        calls.append("discard")
        await asyncio.sleep(0.05)  # a slow round trip to Redis
        await real_discard(group, channel)

    async def add(group, channel):
        calls.append("add")
        await real_add(group, channel)

    layer.group_discard, layer.group_add = slow_discard, add
    old, new = FakeSocket("old"), FakeSocket("new")
    await hub.register(old, game_id=7, role=PLAYER, player_id=1)
    await asyncio.gather(
        hub.unregister(old, game_id=7, player_id=1),
        hub.register(new, game_id=7, role=PLAYER, player_id=2),
    )
    assert calls == ["add", "discard", "add"]
    assert hub.channel in layer.groups["game.7"]
    await hub.publish(7, _broadcast(7, players={"type": "question", "seq": 1}))
    await _settle()
    assert new.frames() == [{"type": "question", "seq": 1}]
    hub._receiver.cancel()


def test_a_layer_without_redis_has_no_shard_clients():
    assert hub_module._redis_clients(InMemoryChannelLayer()) == []


async def test_channels_redis_still_has_the_shard_clients_the_hub_reads():
    # The hub reads channels-redis internals to notice a restarted Redis (hub.py,
    # _redis_clients, _layer_epoch): `ring_size`, `connection(index)` and the client's
    # `info`. Building a client connects to nothing, so no Redis is needed here; an
    # upgrade that renames any of them fails this test instead of silently turning the
    # restart watch off.
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=["redis://127.0.0.1:1/0", "redis://127.0.0.1:2/0"])
    clients = hub_module._redis_clients(layer)
    assert len(clients) == layer.ring_size == 2
    assert all(callable(getattr(client, "info", None)) for client in clients)
    await layer.close_pools()


async def test_a_restarted_redis_is_noticed_by_its_new_run_id(redis_url):
    from channels_redis.core import RedisChannelLayer

    layer = RedisChannelLayer(hosts=[redis_url])
    epoch = await hub_module._layer_epoch(layer)
    assert len(epoch) == 1 and len(epoch[0]) == 40  # Redis's run_id: 40 hex characters
    await layer.close_pools()


def _parsed(framed: bytes):
    reader = StreamReader()
    reader.feed_data(framed)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    try:
        next(parser)
    except StopIteration as done:
        return done.value
    raise AssertionError("incomplete frame")


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65_535, 65_536])
def test_frame_text_is_one_unmasked_final_text_frame_of_the_utf8_text(size):
    text = ("ایوب" * size)[:size]
    frame = _parsed(hub_module.frame_text(text))
    assert frame.opcode is Opcode.TEXT and frame.fin
    assert not (frame.rsv1 or frame.rsv2 or frame.rsv3)
    assert frame.data.decode() == text


# --- the outbox: one game's queued broadcasts go out together ---------------------


def _spy_group_sends(monkeypatch, layer) -> list[tuple[str, dict]]:
    sent: list[tuple[str, dict]] = []
    real_group_send = layer.group_send

    async def spy(group, message):
        sent.append((group, message))
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", spy)
    return sent


async def _projector_hub(monkeypatch) -> tuple[Hub, FakeSocket, list[tuple[str, dict]]]:
    """A hub with game 7's projector, and the channel-layer messages it publishes."""
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    projector = FakeSocket("projector")
    await hub.register(projector, game_id=7, role=HOST)
    return hub, projector, _spy_group_sends(monkeypatch, layer)


def _joined(seq: int) -> dict:
    return _broadcast(7, host={"type": "player_joined", "seq": seq})


async def test_broadcasts_of_one_game_queued_together_go_as_one_message_in_order(monkeypatch):
    hub, projector, sent = await _projector_hub(monkeypatch)
    for seq in range(1, 6):
        hub.enqueue(7, _joined(seq))
    await _settle()
    assert len(sent) == 1  # one channel-layer message (one Redis round trip), not five
    assert sent[0][1]["type"] == "hub.batch"
    assert [f["seq"] for f in projector.frames()] == [1, 2, 3, 4, 5]
    hub._receiver.cancel()


async def test_a_broadcast_still_held_ends_the_batch_before_it(monkeypatch):
    hub, projector, sent = await _projector_hub(monkeypatch)
    held = asyncio.Event()
    hub.enqueue(7, _joined(1))
    hub.enqueue(7, _joined(2))
    hub.enqueue(7, _joined(3), held)  # e.g. a reveal waiting for its batch's acks
    hub.enqueue(7, _joined(4))
    await _settle()
    assert [f["seq"] for f in projector.frames()] == [1, 2]
    held.set()
    await _settle()
    assert [f["seq"] for f in projector.frames()] == [1, 2, 3, 4]
    assert [len(m.get("messages", [m])) for _g, m in sent] == [2, 2]
    hub._receiver.cancel()


async def test_broadcasts_of_other_games_are_not_merged_nor_reordered(monkeypatch):
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    sent = _spy_group_sends(monkeypatch, layer)
    hub.enqueue(7, _joined(1))
    hub.enqueue(8, _broadcast(8, host={"type": "player_joined", "seq": 1}))
    hub.enqueue(7, _joined(2))
    await _settle()
    assert [group for group, _m in sent] == ["game.7", "game.8", "game.7"]
    assert all(m["type"] == "hub.broadcast" for _g, m in sent)


async def test_a_batch_is_at_most_publish_batch_long(monkeypatch):
    monkeypatch.setattr(hub_module, "PUBLISH_BATCH", 3)
    layer = InMemoryChannelLayer()
    hub = _hub(layer)
    sent = _spy_group_sends(monkeypatch, layer)
    for seq in range(1, 8):
        hub.enqueue(7, _joined(seq))
    await _settle()
    assert [len(m.get("messages", [m])) for _g, m in sent] == [3, 3, 1]

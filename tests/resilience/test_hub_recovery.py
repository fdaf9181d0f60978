"""The hub against a real redis-server of its own that restarts under it.

Redis forgets every group membership when it restarts without saving. The hub must
join its games' groups again (backoff and jitter while Redis is away), ask each local
socket to resync (the broadcasts sent meanwhile are gone), and publish again on a
connection Redis closed. A private redis-server on a free port: the shared one is
left alone here (tests/resilience/test_redis_restart.py restarts that one).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from classroom import hub as hub_module
from classroom.hub import PLAYER, Hub, backoff_s

pytestmark = pytest.mark.process

WAIT_S = 15.0


class RecordingSocket:
    def __init__(self, name: str) -> None:
        self.socket_id = name
        self.last_seq = 0
        self.frames: list[dict] = []
        self.resyncs = 0

    async def deliver(self, text: str, seq: int, framed: bytes | None = None) -> None:
        self.frames.append(json.loads(text))
        self.last_seq = max(self.last_seq, seq)

    async def send(self, text_data=None, bytes_data=None) -> None:
        self.frames.append(json.loads(text_data))

    async def close(self, code=None, reason=None) -> None:
        pass

    async def resync(self) -> None:
        self.resyncs += 1

    def session_digest(self) -> str | None:
        return None

    def mark_replaced(self) -> None:
        pass


class PrivateRedis:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(
            [*command, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def shutdown(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            capture_output=True,
            timeout=10,
            check=False,
        )
        if self.process is not None:
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: these tests restart one")
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def _until(check, what: str) -> None:
    end = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > end:
            raise AssertionError(f"{what} within {WAIT_S}s")
        await asyncio.sleep(0.02)


def _broadcast(seq: int) -> dict:
    return {"type": "hub.broadcast", "game_id": 5, "players": {"type": "question", "seq": seq}}


async def _hub_with_a_socket(url: str) -> tuple[Hub, RecordingSocket]:
    from channels_redis.core import RedisChannelLayer

    hub = Hub()
    hub.layer = RedisChannelLayer(hosts=[url])
    sock = RecordingSocket("phone")
    await hub.register(sock, game_id=5, role=PLAYER, player_id=1)
    return hub, sock


async def _close(hub: Hub) -> None:
    for task in (hub._receiver, hub._watcher, getattr(hub, "_publisher", None)):
        if task is not None:
            task.cancel()
    await hub.layer.close_pools()


@pytest.mark.parametrize("down_s", [0.0, 2.0])
async def test_after_redis_restarts_the_hub_resubscribes_resyncs_its_sockets_and_delivers(
    redis: PrivateRedis, down_s: float
):
    """A quick restart (redis-py reconnects silently) and one long enough to fail."""
    hub, sock = await _hub_with_a_socket(redis.url)
    try:
        await hub.publish(5, _broadcast(1))
        await _until(lambda: len(sock.frames) == 1, "the first broadcast did not arrive")
        await _until(lambda: hub._epoch is not None, "the hub did not note Redis's run_id")

        redis.shutdown()
        await asyncio.sleep(down_s)
        redis.start()

        await _until(lambda: sock.resyncs == 1, "the socket was not asked to resync")
        assert not hub.lost
        await hub.publish(5, _broadcast(2))
        await _until(lambda: len(sock.frames) == 2, "a broadcast after the restart was lost")
        assert [f["seq"] for f in sock.frames] == [1, 2]
    finally:
        await _close(hub)


async def test_a_hub_whose_last_socket_left_does_not_rejoin_the_group_on_recovery(
    redis: PrivateRedis,
):
    hub, sock = await _hub_with_a_socket(redis.url)
    try:
        await _until(lambda: hub._epoch is not None, "the hub did not note Redis's run_id")
        await hub.unregister(sock, game_id=5, player_id=1)
        redis.shutdown()
        redis.start()
        await _until(lambda: hub._epoch is not None and not hub.lost, "the hub did not recover")
        await asyncio.sleep(hub_module.WATCH_S * 2)
        assert 5 not in hub._joined
        assert await hub.layer.connection(0).zcard("asgi:group:game.5") == 0
        assert sock.resyncs == 0
    finally:
        await _close(hub)


def test_backoff_grows_to_its_cap_with_jitter():
    for failures in range(12):
        ceiling = min(hub_module.BACKOFF_CAP_S, hub_module.BACKOFF_BASE_S * 2**failures)
        delays = {backoff_s(failures) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


async def test_a_socket_registering_while_redis_is_down_is_served_once_redis_is_back(
    redis: PrivateRedis,
):
    from channels_redis.core import RedisChannelLayer

    hub = Hub()
    hub.layer = RedisChannelLayer(hosts=[redis.url])
    first = RecordingSocket("projector")
    await hub.register(first, game_id=4, role=PLAYER, player_id=9)
    try:
        await _until(lambda: hub._epoch is not None, "the hub did not note Redis's run_id")
        redis.shutdown()
        # The first socket of game 5 in this process: its group cannot be joined now.
        sock = RecordingSocket("phone")
        await hub.register(sock, game_id=5, role=PLAYER, player_id=1)
        redis.start()
        await _until(lambda: sock.resyncs == 1, "the socket was not asked to resync")
        await hub.publish(5, _broadcast(1))
        await _until(lambda: len(sock.frames) == 1, "the game's broadcast did not arrive")
        assert first.resyncs == 1
    finally:
        await _close(hub)

"""What a connected socket keeps while it waits (memory per phone, #17): each of these
was a kilobyte or more per phone for as long as the phone stayed."""

from __future__ import annotations

import asyncio

import pytest

from classroom.consumers import HostConsumer, PlayerConsumer
from classroom.runtime import runtime
from tests.classroom.conftest import host_socket, join

pytestmark = pytest.mark.django_db(transaction=True)


def _sockets(game_id: int) -> tuple[list[HostConsumer], list[PlayerConsumer]]:
    sockets = runtime().hub.games[game_id]
    phones = [phone for mine in sockets.players.values() for phone in mine]
    return list(sockets.hosts), phones


def _waiting_readers() -> int:
    """Tasks whose whole job is waiting for a socket's next message."""
    return sum(
        1
        for task in asyncio.all_tasks()
        if getattr(task.get_coro(), "__qualname__", "") in ("Queue.get", "Inbox.get")
    )


async def test_a_joined_phone_keeps_no_join_timeout_task(game, teacher):
    host = await host_socket(game, teacher)
    phone, _ = await join(game.pin, "Ayesha")
    _, (consumer,) = _sockets(game.id)
    assert consumer.join_timeout is None
    await phone.disconnect()
    await host.disconnect()


async def test_only_the_projector_socket_carries_a_session(game, teacher):
    host = await host_socket(game, teacher)
    phone, _ = await join(game.pin, "Ayesha")
    (projector,), (consumer,) = _sockets(game.id)
    assert projector.session_key()
    assert "session" not in consumer.scope
    await phone.disconnect()
    await host.disconnect()


async def test_an_idle_socket_waits_for_its_client_without_a_helper_task(game, teacher):
    before = _waiting_readers()
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in ("Ayesha", "Bilal", "Chen")]
    await asyncio.sleep(0.05)
    # Channels' own loop waits in a task of its own per socket (on the communicator's
    # queue here, on Daphne's inbox in the server); these sockets await it themselves.
    assert _waiting_readers() == before
    for phone in phones:
        await phone.disconnect()
    await host.disconnect()

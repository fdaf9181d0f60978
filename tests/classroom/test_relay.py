"""Services' broadcasts reach the hub of the loop that called them (classroom/relay.py),
which relies on asgiref recording that loop for the thread it runs sync code in."""

import asyncio
import os

import pytest
from asgiref.sync import SyncToAsync, sync_to_async

from classroom import relay
from classroom.db import db_call
from classroom.runtime import runtime


async def test_asgiref_still_records_the_calling_loop_for_the_database_thread():
    # relay.calling_loop reads SyncToAsync.threadlocal's main_event_loop and
    # main_event_loop_pid (asgiref internals). An upgrade that stops recording them
    # fails here rather than sending every broadcast down the slow path.
    loop = asyncio.get_running_loop()

    def inside() -> tuple[object, object, object]:
        local = SyncToAsync.threadlocal
        return (
            getattr(local, "main_event_loop", None),
            getattr(local, "main_event_loop_pid", None),
            relay.calling_loop(),
        )

    # The database thread is asgiref's thread-sensitive one (classroom/db.py).
    recorded, pid, found = await sync_to_async(inside, thread_sensitive=True)()
    assert recorded is loop and pid == os.getpid()
    assert found is loop


def test_without_a_calling_loop_there_is_none():
    assert relay.calling_loop() is None


@pytest.mark.django_db(transaction=True)
async def test_a_broadcast_from_the_database_thread_goes_through_the_calling_loops_hub():
    hub = runtime().hub
    queued = []
    hub.enqueue = lambda game_id, message, gate=None: queued.append((game_id, message, gate))

    await db_call(relay.publish_from_sync)(7, {"type": "hub.broadcast", "game_id": 7})
    await asyncio.sleep(0)
    assert queued == [(7, {"type": "hub.broadcast", "game_id": 7}, None)]

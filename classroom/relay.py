"""Services' broadcasts handed from the database thread to the hub of the calling loop.

Services run in the database thread and publish from `transaction.on_commit`
(classroom/services/publish.py; ClassroomConfig.ready() installs `publish_from_sync`
as their publisher). Waiting there for the group_send (async_to_sync) would hold the
one database thread of the process for a round trip through a busy event loop after
every commit. Instead the message is handed to the calling loop's hub
(`call_soon_threadsafe`) and published by one task per hub, in commit order: frames of
one audience reach clients in seq order.

While a batch of answers is stored, its broadcasts wait behind a gate the batcher
opens once the acknowledgements went out (classroom/batching.py, `HoldBroadcasts`), so
a phone sees `answer_received` before the `reveal` its answer triggered; later
broadcasts queue behind them, keeping order.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

from classroom import batching, runtime
from classroom.hub import group_name


def calling_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop that called this database thread, if any.

    asgiref internals: asgiref has no public way to ask which loop a sync_to_async call
    came from, but `SyncToAsync.threadlocal` records it for the thread running the sync
    function (`main_event_loop`, with `main_event_loop_pid` against a fork). Read
    defensively: without them every broadcast takes the slower path below, which still
    works. tests/classroom/test_relay.py fails if an asgiref upgrade stops recording
    them.
    """
    local = SyncToAsync.threadlocal
    if getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(local, "main_event_loop", None)
    if loop is None or loop.is_closed() or not loop.is_running():
        return None
    return loop


def _enqueue_in_loop(game_id: int, message: dict[str, Any], gate: asyncio.Event | None) -> None:
    runtime.runtime().hub.enqueue(game_id, message, gate)


def publish_from_sync(game_id: int, message: dict[str, Any]) -> None:
    """The services' publisher (see the module docstring)."""
    hold = batching.current_hold()
    gate = hold.event if hold is not None else None
    loop = calling_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_enqueue_in_loop, game_id, message, gate)
        return
    # No loop called us (a management command, a test without one): send right here.
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(game_id), message)
    except Exception:
        # Once more at once: a pooled connection Redis closed (a restart) fails one
        # command, and the retry gets a fresh one. No sleep: this holds the DB thread.
        async_to_sync(layer.group_send)(group_name(game_id), message)

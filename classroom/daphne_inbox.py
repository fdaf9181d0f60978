"""A lighter inbox for each of Daphne's connections (memory per phone, #17).

Daphne gives every connection an `asyncio.Queue` for the messages it passes to the
application, and uses only two of its methods: `put_nowait` (Daphne) and `get` (the
application's `receive`). An empty `asyncio.Queue` holds four deques (its items, its
getters, its putters and its `join` event's waiters): about 3.2 KiB per connected phone,
a tenth of what a phone costs the server. `Inbox` does the same two things in order with
two slots: the pending messages (a deque only while there are some) and the one
application task waiting for them.

`Server` is Daphne's, with `create_application` as in Daphne 4.2.3 except the inbox;
`classroom.asgi` makes Daphne's command line use it, but only while Daphne's own
`create_application` is the one copied (its source's sha256): a Daphne that changed it
keeps its own server, with a warning, and costs those 3.2 KiB again until the copy here
is brought up to date. Nothing breaks on an upgrade.
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


class Server(DaphneServer):
    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Inbox | None:
        """Daphne 4.2.3's `Server.create_application`, with an `Inbox` for the queue."""
        # Make sure the protocol has not had another application made for it
        assert "application_instance" not in self.connections[protocol]
        input_queue = Inbox()
        scope.setdefault("asgi", {"version": "3.0"})
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
            "Daphne's Server.create_application is not the one classroom/daphne_inbox.py "
            "copied: Daphne's own server and queues are used (about 3 KiB more per phone)."
        )
        return False
    CommandLineInterface.server_class = Server
    return True

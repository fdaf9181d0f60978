"""One database read per key at a time per process, its result remembered a while.

A class opening the same PIN, or joining the same game with the join gate, within
seconds need not ask the database each time: phones that arrive while a read is on its
way to the process's one database thread share it instead of each queueing their own,
and a result worth keeping answers the next phones for a few seconds.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from classroom.db import db_call

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_ENTRIES = 1000


def _always(value: object) -> bool:
    return True


class SharedLookup(Generic[K, V]):
    """`await lookup.get(key)`: `read(key)` run in the database thread, shared and
    remembered for `ttl_s` when `keep(value)` (see the module docstring)."""

    def __init__(
        self,
        read: Callable[[K], V],
        *,
        ttl_s: float,
        keep: Callable[[V], bool] = _always,
    ) -> None:
        self.read = read
        self.ttl_s = ttl_s
        self.keep = keep
        self.remembered: dict[K, tuple[float, V]] = {}
        self.reading: dict[K, asyncio.Task[V]] = {}

    def cached(self, key: K) -> V | None:
        """The value remembered for `key` if it is fresh, else None (asks nothing)."""
        hit = self.remembered.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return hit[1]
        return None

    async def get(self, key: K) -> V:
        hit = self.cached(key)
        if hit is not None:
            return hit
        loop = asyncio.get_running_loop()
        task = self.reading.get(key)
        if task is None or task.get_loop() is not loop:
            task = self.reading[key] = loop.create_task(self._read(key))
            task.add_done_callback(functools.partial(self._done, key))
        # Shielded: a phone that leaves must not cancel the read the others wait for.
        return await asyncio.shield(task)

    async def _read(self, key: K) -> V:
        value = await db_call(self.read)(key)
        if self.keep(value):
            if len(self.remembered) > MAX_ENTRIES:
                self.remembered.clear()
            self.remembered[key] = (time.monotonic(), value)
        return value

    def _done(self, key: K, task: asyncio.Task[V]) -> None:
        if self.reading.get(key) is task:
            del self.reading[key]
        if not task.cancelled():
            # Retrieved here too, in case every phone waiting for it has gone.
            task.exception()

    def forget(self) -> None:
        self.remembered.clear()
        self.reading.clear()

"""Run ORM code from async code in the process's one database thread.

Like `channels.db.database_sync_to_async` (same thread: asgiref's thread-sensitive
executor), except that a healthy connection stays open between calls. Channels closes
"old" connections around every call, and with CONN_MAX_AGE=0 that is every call: a new
SQLite connection (about 5 ms with its PRAGMAs) for every join, answer batch and
command. Connections that saw an unrecoverable error, or whose autocommit was left
changed, are still closed, exactly as Django's own check does.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import connections

P = ParamSpec("P")
R = TypeVar("R")


def _tidy_connections() -> None:
    for connection in connections.all(initialized_only=True):
        # Only the age limit is ignored: this thread lives as long as the process.
        connection.close_at = None
        connection.close_if_unusable_or_obsolete()


def db_call(func: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """`await db_call(func)(*args, **kwargs)` runs `func` in the database thread."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        _tidy_connections()
        try:
            return func(*args, **kwargs)
        finally:
            _tidy_connections()

    return sync_to_async(run, thread_sensitive=True)

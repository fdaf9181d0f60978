"""The questions snapshot of a game (`Game.questions`), parsed once per process.

Game.questions is ~75 KB of JSON for the seed quiz and never changes after
`game_create`, yet every service locks the game row and every snapshot reads it: parsing
it each time cost ~2-7 ms on the process's one database thread per join batch and
answer batch. Game rows are read without it (`.defer("questions")`) and the parsed
list comes from this cache, filled on a miss. The key includes created_at: a rolled
back test may hand a game id to another game. Saving `questions` drops the entry
(`questions_saved`, connected to Game's post_save in ClassroomConfig.ready()).
Callers must treat the list as read-only: it is shared.

The cache holds every running game a process hosts, bounded by memory, not by a count
of games: a bound of 16 games was evicted all the time with 20-50 classes playing at
once (each miss re-read and re-parsed the column, 7 % of the server's time at 50 games,
docs/performance.md). One parsed seed snapshot (50 questions, 65 KB of JSON) takes
180 KB of heap (tracemalloc) and is estimated at 287 KB by `_estimated_bytes` (a
`sys.getsizeof` walk that counts shared strings again, so it overestimates). The
budget of SNAPSHOT_CACHE_BYTES estimated bytes holds ~460 such games (about 80 MiB of
real heap), or about 45 games of 500 such questions (the most an import allows): more
than one process serves at once, while a school's quizzes cannot grow a process
without bound. Least recently used games go first, so finished games leave before running ones.

Services (writes) and selectors (reads) both use it, so it belongs to neither.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from typing import Any

from classroom.models import Game

SNAPSHOT_CACHE_BYTES = 128 * 1024 * 1024
# key -> (snapshot, its estimated bytes); _cached_bytes is their sum.
_snapshots: OrderedDict[tuple[int, Any], tuple[list[dict[str, Any]], int]] = OrderedDict()
_cached_bytes = 0
_snapshots_lock = threading.Lock()


def _estimated_bytes(value: Any) -> int:
    """An upper estimate of the heap `value` (parsed JSON) holds: ~1 ms per seed
    snapshot, paid once per game and process, on a miss."""
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        for key, item in value.items():
            size += sys.getsizeof(key) + _estimated_bytes(item)
    elif isinstance(value, list):
        for item in value:
            size += _estimated_bytes(item)
    return size


def _drop(key: tuple[int, Any]) -> None:
    global _cached_bytes
    _questions, size = _snapshots.pop(key)
    _cached_bytes -= size


def game_questions(*, game: Game) -> list[dict[str, Any]]:
    """The questions snapshot of `game` (read-only), from the per-process cache."""
    if "questions" in game.__dict__:
        return game.__dict__["questions"]
    key = (game.pk, game.created_at)
    with _snapshots_lock:
        cached = _snapshots.get(key)
        if cached is not None:
            _snapshots.move_to_end(key)
            return cached[0]
    questions = Game.objects.values_list("questions", flat=True).get(pk=game.pk)
    size = _estimated_bytes(questions)
    global _cached_bytes
    with _snapshots_lock:
        if key in _snapshots:
            _drop(key)
        _snapshots[key] = (questions, size)
        _cached_bytes += size
        # The newest entry stays even alone over the budget: its game is being played.
        while _cached_bytes > SNAPSHOT_CACHE_BYTES and len(_snapshots) > 1:
            _drop(next(iter(_snapshots)))
    return questions


def with_questions(game: Game) -> Game:
    """`game` (read with `.defer("questions")`) with its questions from the cache."""
    # Assigned, not deferred: `game.questions` must never reload the JSON by itself.
    game.questions = game_questions(game=game)
    return game


def game_read(*, game_id: int) -> Game:
    """The game row, its questions from the per-process cache. Game.DoesNotExist if none."""
    return with_questions(Game.objects.defer("questions").get(pk=game_id))


def game_questions_forget(*, game_id: int) -> None:
    """Drop the cached snapshot of `game_id` (its questions were saved)."""
    with _snapshots_lock:
        for key in [k for k in _snapshots if k[0] == game_id]:
            _drop(key)


def questions_saved(sender: Any, instance: Game, update_fields: Any = None, **kwargs: Any) -> None:
    """Game's post_save receiver: a save that may have written `questions` drops them."""
    if update_fields is None or "questions" in update_fields:
        game_questions_forget(game_id=instance.pk)

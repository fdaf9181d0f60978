"""The questions snapshot of a game (`Game.questions`), parsed once per process.

Game.questions is ~75 KB of JSON for the seed quiz and never changes after
`game_create`, yet every service locks the game row and every snapshot reads it: parsing
it each time cost ~2-7 ms on the process's one database thread per join batch and
answer batch. Game rows are read without it (`.defer("questions")`) and the parsed
list comes from this cache, filled on a miss. The key includes created_at: a rolled
back test may hand a game id to another game. Saving `questions` drops the entry
(`questions_saved`, connected to Game's post_save in ClassroomConfig.ready()).
Callers must treat the list as read-only: it is shared.

Services (writes) and selectors (reads) both use it, so it belongs to neither.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from classroom.models import Game

SNAPSHOT_CACHE_GAMES = 16
_snapshots: OrderedDict[tuple[int, Any], list[dict[str, Any]]] = OrderedDict()
_snapshots_lock = threading.Lock()


def game_questions(*, game: Game) -> list[dict[str, Any]]:
    """The questions snapshot of `game` (read-only), from the per-process cache."""
    if "questions" in game.__dict__:
        return game.__dict__["questions"]
    key = (game.pk, game.created_at)
    with _snapshots_lock:
        cached = _snapshots.get(key)
        if cached is not None:
            _snapshots.move_to_end(key)
            return cached
    questions = Game.objects.values_list("questions", flat=True).get(pk=game.pk)
    with _snapshots_lock:
        _snapshots[key] = questions
        while len(_snapshots) > SNAPSHOT_CACHE_GAMES:
            _snapshots.popitem(last=False)
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
            del _snapshots[key]


def questions_saved(sender: Any, instance: Game, update_fields: Any = None, **kwargs: Any) -> None:
    """Game's post_save receiver: a save that may have written `questions` drops them."""
    if update_fields is None or "questions" in update_fields:
        game_questions_forget(game_id=instance.pk)

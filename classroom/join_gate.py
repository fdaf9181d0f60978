"""The join gate of a game, as the server keeps it (the shapes themselves: classroom/gate.py).

A game with the `join_gate` option asks every joining phone for the shapes the
projector shows now. Each process derives the same shapes from the game's key (the
server's secret and the game id), so nothing is stored or broadcast when they change.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from classroom import gate
from classroom.models import Game


def key(game_id: int) -> bytes:
    """The game's key for its shapes (never leaves the server)."""
    return gate.game_key(settings.SECRET_KEY, game_id)


def shown(game: Game, *, now_ms: int | None = None) -> dict[str, Any] | None:
    """What the projector shows of the join gate now (`shapes`, `changes_in_ms`), or
    None when the game has no gate. Host frames only: never in a phone's frame."""
    if not game.options.get("join_gate") or game.is_ended:
        return None
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    return gate.shown(key(game.pk), now_ms)

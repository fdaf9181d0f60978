"""Shortcuts the tests use where the live server goes through a group or a socket.

The server joins phones and stores answers in groups (`players_join`, `answers_store`)
and builds a phone's snapshot from a row read with its game; tests often want one
player, one answer group closed at once, or one snapshot by player. These did live in
the production modules although only tests called them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from classroom import selectors, services
from classroom.errors import ClientError
from classroom.models import Game, Player


def player_join(
    *,
    nickname: str,
    game_id: int | None = None,
    pin: str | None = None,
    rng: random.Random | None = None,
) -> tuple[Player, str]:
    """One new connected player and their resume token, or the ClientError refusing it."""
    if game_id is None:
        game = Game.objects.filter(pin=pin, ended_at__isnull=True).first()
        if game is None:
            raise ClientError("game_not_found", "There is no game with that PIN.", close_code=4404)
        game_id = game.pk
    [result] = services.players_join(game_id=game_id, nicknames=[nickname], rng=rng)
    if result.error is not None:
        raise result.error
    assert result.player is not None and result.token is not None
    return result.player, result.token


def answers_submit(
    *, game_id: int, submissions: Sequence[services.Submission]
) -> list[services.SubmissionResult]:
    """Store a group of answers and, if everyone has now answered, close the question
    (the live server acknowledges the answers between the two)."""
    results, close_index = services.answers_store(game_id=game_id, submissions=submissions)
    if close_index is not None:
        services.question_close_all_answered(game_id=game_id, expected_index=close_index)
    return results


def player_snapshot(*, player: Player) -> dict[str, Any]:
    """The phone's `state` frame (with `seq`) for `player`, read fresh from the database."""
    return selectors.player_snapshot_of(selectors.player_with_game(player_id=player.pk))

"""The game row every write starts from: locked, with its questions, and its legal moves."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_noop

from classroom.errors import ClientError
from classroom.machine import Action, IllegalTransition, Phase, transition
from classroom.models import Game
from classroom.questions_cache import with_questions


def lock_game(game_id: int) -> Game:
    """The game row locked for this transaction (`select_for_update`), its questions
    from the per-process cache; ClientError game_not_found (4404) if there is none."""
    try:
        game = Game.objects.select_for_update().defer("questions").get(pk=game_id)
    except Game.DoesNotExist:
        raise ClientError(
            "game_not_found", gettext_noop("There is no game with that PIN."), close_code=4404
        ) from None
    return with_questions(game)


def lock_games(game_ids: Sequence[int]) -> dict[int, Game]:
    """The game rows of `game_ids` that exist, locked for this transaction in id order
    (one query; two writers locking overlapping sets cannot deadlock), with their
    questions from the per-process cache."""
    games = Game.objects.select_for_update().defer("questions").filter(pk__in=game_ids)
    return {game.pk: with_questions(game) for game in games.order_by("pk")}


def wrong_phase(message: str) -> ClientError:
    return ClientError("wrong_phase", message)


def apply(game: Game, action: Action) -> Phase:
    """The phase `action` leads to from the game's (classroom/machine.py), or the
    ClientError refusing it."""
    has_next = game.question_index + 1 < len(game.questions)
    try:
        return transition(game.phase, action, has_next_question=has_next)
    except IllegalTransition as exc:
        raise ClientError(exc.code, exc.message) from None

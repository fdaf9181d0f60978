"""What the report says about a game's setup: the periods its questions are grouped
by, and every question of the quiz the class was not asked, with the reason.

The periods are the quiz timeline's as they were when the game started (stored in
`Game.selection`); the reasons are the selection's (quizzes/selection.py), stored with
the game, and "the game ended before this question" for those it did not reach.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop

from classroom.models import Game
from quizzes import kinds, selection
from quizzes.periods import Period, from_stored

NOT_REACHED = gettext_noop("the game ended before this question")


@dataclass
class NotAskedRow:
    """A question of the quiz the class was not asked, and why."""

    prompt: str
    kind: str
    reason: str
    period: str = ""

    @property
    def kind_label(self) -> str:
        return kinds.label(self.kind)


def game_periods(game: Game) -> tuple[Period, ...]:
    """The timeline's periods the game's questions are grouped by: those stored when it
    started; for a game started before periods were stored, the quiz's today."""
    made = game.selection or {}
    if "periods" in made:
        try:
            return from_stored(made["periods"])
        except ValueError:
            return ()
    quiz = game.quiz
    if quiz is not None and quiz.timeline is not None:
        return quiz.timeline.period_list()
    return ()


def chosen_periods(game: Game, periods: tuple[Period, ...]) -> tuple[Period, ...]:
    """The periods the game was set up on (every one for a game without a setup)."""
    chosen = (game.setup or {}).get("periods")
    if not isinstance(chosen, list) or not chosen:
        return periods
    return tuple(period for period in periods if period.slug in chosen)


def not_asked(
    game: Game, unreached: list[tuple[str, str]], periods: tuple[Period, ...]
) -> list[NotAskedRow]:
    """The questions not asked: `unreached` (prompt, kind) of the game's own, then those
    its setup left out, each with its reason."""
    years = {period.slug: period.years for period in periods}
    limit = len(game.questions or [])
    result = [
        NotAskedRow(prompt=prompt, kind=kind, reason=NOT_REACHED) for prompt, kind in unreached
    ]
    for item in (game.selection or {}).get("left_out") or []:
        if not isinstance(item, dict):
            continue
        result.append(
            NotAskedRow(
                prompt=str(item.get("prompt", "")),
                kind=str(item.get("kind", "choice")),
                reason=selection.reason_text(str(item.get("reason", "")), limit=limit),
                period=years.get(str(item.get("period")), ""),
            )
        )
    return result

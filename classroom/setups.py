"""Reads for a game's setup: what a quiz offers (its periods, its questions as the
selection sees them), which questions a setup picks and how long they take, a
teacher's last choice, and a game's setup in plain words for the lobby and the report.

`phases.game_create` picks with `pick` (so the setup page's estimate and the game
agree: one selection, one seed); the setup page shows `preview`s; the projector's
lobby and the report show `words`. Never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone, translation

from classroom.game_setup import (
    GameSetup,
    SetupError,
    describe,
    estimate_minutes,
    estimate_seconds,
)
from classroom.models import Game, LastSetup
from quizzes import selection, snapshot
from quizzes.periods import Period, from_stored


@dataclass(frozen=True)
class Material:
    """What a quiz offers a setup, read once per page."""

    slug: str
    periods: tuple[Period, ...]
    candidates: tuple[selection.Candidate, ...]
    # Each question's time limit in seconds, by id.
    limits: dict[int, int]

    @property
    def period_slugs(self) -> list[str]:
        return [period.slug for period in self.periods]

    @property
    def period_years(self) -> dict[str, str]:
        return {period.slug: period.years for period in self.periods}


def material(quiz: Any) -> Material:
    periods = quiz.timeline.period_list() if quiz.timeline_id else ()
    return Material(
        slug=quiz.slug,
        periods=periods,
        candidates=tuple(snapshot.candidates(quiz=quiz, periods=periods)),
        limits=dict(quiz.questions.values_list("id", "time_limit_s")),
    )


def pick(offer: Material, setup: GameSetup) -> selection.Selection:
    """The questions `setup` picks from the quiz (quizzes/selection.py), or SetupError."""
    slugs = offer.period_slugs
    try:
        picked = selection.select(
            offer.candidates,
            count=setup.questions,
            chosen_periods=setup.periods,
            all_periods=slugs,
            order=setup.order,
            seed=selection.seed_for(
                quiz=offer.slug,
                count=setup.questions,
                periods=setup.periods or slugs,
            ),
        )
    except ValueError as exc:
        raise SetupError("periods", f"This quiz's timeline has {exc}.") from exc
    if not picked.chosen:
        raise SetupError("periods", "No question of this quiz is in the chosen periods.")
    return picked


@dataclass(frozen=True)
class Preview:
    count: int
    seconds: int
    words: list[str]

    @property
    def minutes(self) -> int:
        return estimate_minutes(self.seconds)

    @property
    def summary(self) -> str:
        return " · ".join(self.words)


def preview(offer: Material, setup: GameSetup) -> Preview:
    """How many questions `setup` asks and about how long the game takes."""
    picked = pick(offer, setup)
    seconds = estimate_seconds(
        (offer.limits[i] for i in picked.chosen),
        time_scale=setup.time_scale,
        reading_s=setup.reading_s,
    )
    return Preview(
        count=len(picked.chosen),
        seconds=seconds,
        words=describe(
            setup,
            count=len(picked.chosen),
            seconds=seconds,
            period_years=offer.period_years,
            closes_at_text=closes_at_text(setup),
            say=translation,
        ),
    )


def closes_at_text(setup: GameSetup) -> str:
    """The homework's closing time on the teacher's clock: "Fri 14 Mar, 18:00"."""
    if setup.closes_at is None:
        return ""
    when = setup.closes_at
    return f"{when:%a} {when.day} {when:%b}, {when:%H:%M}"


@dataclass(frozen=True)
class LastChoice:
    setup: GameSetup
    # The last game was homework whose closing time has passed: the page shows
    # homework picked, with the time left empty for the teacher to give again.
    homework_again: bool = False


def last_choice(*, teacher: Any, offer: Material) -> LastChoice:
    """The teacher's last setup, fitted to this quiz: periods it does not have are
    dropped (none left: every period; another quiz's: every period), a count it
    cannot reach means all. The defaults when there is none or it cannot be read."""
    row = LastSetup.objects.filter(teacher=teacher).first()
    if row is None:
        return LastChoice(GameSetup())
    data = dict(row.setup or {})
    same_quiz = row.quiz_slug == offer.slug
    data["periods"] = [
        p for p in data.get("periods") or () if same_quiz and p in offer.period_slugs
    ]
    if isinstance(data.get("questions"), int) and data["questions"] > len(offer.candidates):
        data["questions"] = None
    try:
        setup = GameSetup.from_stored(data)
    except SetupError:
        setup = None
    if setup is not None and (setup.closes_at is None or setup.closes_at > timezone.now()):
        return LastChoice(setup)
    # Homework that has closed (or a choice that no longer reads): as live, and say so.
    homework = data.get("mode") == "self_paced"
    data.update(mode="live", closes_at=None)
    try:
        return LastChoice(GameSetup.from_stored(data), homework_again=homework)
    except SetupError:
        return LastChoice(GameSetup())


def words(game: Game) -> str:
    """The game's setup in plain words ("10 questions · about 8 minutes · 1958–71 ·
    4 teams · reading time 5 s"), from what the game stored."""
    try:
        setup = GameSetup.from_stored(game.setup)
    except SetupError:
        setup = GameSetup()
    made = game.selection or {}
    try:
        periods = from_stored(made.get("periods"))
    except ValueError:
        periods = ()
    seconds = made.get("estimate_s")
    if not isinstance(seconds, int):
        seconds = estimate_seconds(
            (q.get("time_limit_ms", 0) / 1000 for q in game.questions or []),
            time_scale=1,
            reading_s=setup.reading_s,
        )
    return " · ".join(
        describe(
            setup,
            count=len(game.questions or []),
            seconds=seconds,
            period_years={period.slug: period.years for period in periods},
            closes_at_text=closes_at_text(setup),
            say=translation,
        )
    )

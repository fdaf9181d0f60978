"""The answer page: the class's verdicts beside the source's, period by period, as the
outline of the essay answer to the quiz's question (docs/teaching.md, "The answer page").

For each period of the timeline: its events in date order (those the class judged in a
verdict question, and the period's other events, from the timeline), each with one
sentence of evidence (the first of the event's summary), the class's vote and the
source's verdict (the model answer's) with its reason; then the period's judgement, the
class's (its votes on the period added up: the majority and the split) beside the
source's (its verdicts on the period's events counted). It ends with the overall verdict,
the timeline's `overall_verdict`, attributed to the model answer.

Only verdict questions already revealed count (the open one's votes stay unseen), read
from the game's own snapshot and answers like the report. The other events come from the
quiz's timeline as it is now.

`outline` is pure; `game_outline` reads the rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_noop

from classroom import report_setup
from classroom.models import Answer, Game
from classroom.verdicts import (
    MAJORITY_LABELS,
    VERDICT_LABELS,
    VerdictRow,
    is_verdict,
    percent,
    verdict_row,
)
from quizzes.periods import Period, period_of

# "Z. A. Bhutto" and "H. S. Suhrawardy" hold no sentence end: a full stop after a
# single capital is an initial.
_SENTENCE_END = re.compile(r"(?<!\b[A-Z]\.)(?<=[.!?])\s+(?=[A-Z0-9\"“(])")


def game_periods(game: Game) -> list[Period]:
    """The periods the page groups by: the timeline's as stored with the game (every one:
    the essay answer covers the whole relationship, whatever the game was set up on)."""
    return list(report_setup.game_periods(game))


def period_label(year: int | None, periods: Sequence[Period]) -> str | None:
    """The title of the period `year` falls in (quizzes/periods.py holds the rule)."""
    period = period_of(year, periods)
    return period.title if period is not None else None


def first_sentence(text: str) -> str:
    """The first sentence of `text` (all of it when it has one)."""
    text = " ".join((text or "").split())
    return _SENTENCE_END.split(text, maxsplit=1)[0] if text else ""


@dataclass(frozen=True)
class TimelineEvent:
    """An event of the timeline as the page shows it (from `quizzes.models.Event`)."""

    slug: str
    title: str
    date_label: str
    year: int
    summary: str
    verdict: str
    verdict_reason: str


@dataclass(frozen=True)
class OutlineEvent:
    title: str
    date_label: str
    year: int | None
    # One sentence of what happened.
    evidence: str
    # The source's (the model answer's) verdict: "success", "failure" or "neutral"/"".
    source: str
    reason: str
    # The class's vote, when it judged this event in a verdict question.
    vote: VerdictRow | None = None

    @property
    def source_label(self) -> str:
        """The model answer's verdict as the page says it: success, failure, neither."""
        return VERDICT_LABELS.get(self.source, "neither")


MOSTLY = {"success": gettext_noop("Mostly success"), "failure": gettext_noop("Mostly failure")}


@dataclass(frozen=True)
class Judgement:
    """Successes against failures: the class's votes, or the source's verdicts."""

    success: int
    failure: int

    @property
    def total(self) -> int:
        return self.success + self.failure

    @property
    def majority(self) -> str:
        """ "success", "failure", "split" (as many of each) or "" (nothing to count)."""
        if not self.total:
            return ""
        if self.success == self.failure:
            return "split"
        return "success" if self.success > self.failure else "failure"

    @property
    def success_share(self) -> float | None:
        return percent(self.success, self.total)

    @property
    def majority_label(self) -> str:
        """The judgement in words: "Mostly success", "Mostly failure", "Split evenly"."""
        if self.majority in ("success", "failure"):
            return MOSTLY[self.majority]
        return MAJORITY_LABELS[self.majority]


@dataclass(frozen=True)
class OutlinePeriod:
    label: str
    events: list[OutlineEvent]
    # The class's votes on the period's verdict questions, added up.
    votes: Judgement
    # The source's verdicts on the period's events (neutral ones left out).
    source: Judgement

    @property
    def judged(self) -> list[OutlineEvent]:
        return [event for event in self.events if event.vote is not None]


@dataclass
class Outline:
    question: str
    periods: list[OutlinePeriod]
    overall_verdict: str
    # The class's votes on every verdict question, added up.
    votes: Judgement = field(default_factory=lambda: Judgement(0, 0))
    # Verdict questions judged before there was a period to put them in (no year).
    unplaced: list[OutlineEvent] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return sum(len(period.judged) for period in self.periods) + len(self.unplaced)


def _voted_event(row: VerdictRow, timeline: Mapping[str, TimelineEvent]) -> OutlineEvent:
    event = timeline.get(row.slug)
    return OutlineEvent(
        title=row.title,
        date_label=row.date_label,
        year=row.year,
        evidence=first_sentence(event.summary) if event else "",
        source=row.source,
        reason=row.reason,
        vote=row,
    )


def _timeline_event(event: TimelineEvent) -> OutlineEvent:
    return OutlineEvent(
        title=event.title,
        date_label=event.date_label,
        year=event.year,
        evidence=first_sentence(event.summary),
        source=event.verdict,
        reason=event.verdict_reason,
    )


def outline(
    *,
    question: str,
    votes: Sequence[VerdictRow],
    events: Iterable[TimelineEvent],
    periods: Sequence[Period],
    overall_verdict: str,
) -> Outline:
    """The outline of the answer: `votes` (one row per verdict question revealed) placed
    among the timeline's `events` (in date order), period by period."""
    timeline = {event.slug: event for event in events}
    by_period: dict[str | None, list[OutlineEvent]] = defaultdict(list)
    judged_slugs = set()
    for row in votes:
        # The same event judged twice (two questions) is listed twice: two votes.
        by_period[period_label(row.year, periods)].append(_voted_event(row, timeline))
        judged_slugs.add(row.slug)
    for event in timeline.values():
        if event.slug not in judged_slugs:
            by_period[period_label(event.year, periods)].append(_timeline_event(event))
    shown = []
    for period in periods:
        label = period.title
        # Events without a year of their own (none in practice) go last.
        listed = sorted(by_period.get(label, []), key=lambda e: (e.year is None, e.year or 0))
        voted = [event.vote for event in listed if event.vote is not None]
        shown.append(
            OutlinePeriod(
                label=label,
                events=listed,
                votes=Judgement(sum(v.success for v in voted), sum(v.failure for v in voted)),
                source=Judgement(
                    sum(e.source == "success" for e in listed),
                    sum(e.source == "failure" for e in listed),
                ),
            )
        )
    return Outline(
        question=question,
        periods=shown,
        overall_verdict=overall_verdict,
        votes=Judgement(sum(v.success for v in votes), sum(v.failure for v in votes)),
        unplaced=[event for event in by_period.get(None, []) if event.vote is not None],
    )


def revealed_verdicts(game: Game) -> list[tuple[int, dict[str, Any]]]:
    """(index, question) of the game's verdict questions whose votes may be shown: those
    before the current one, and the current one unless it is still open."""
    questions = list(game.questions or [])
    last = game.question_index if game.phase != Game.Phase.QUESTION else game.question_index - 1
    return [(i, q) for i, q in enumerate(questions[: max(last + 1, 0)]) if is_verdict(q)]


def game_outline(*, game: Game) -> Outline:
    """The answer page of `game`, from its snapshot, its answers and its quiz's timeline."""
    asked = revealed_verdicts(game)
    kicked = set(game.players.filter(kicked=True).values_list("id", flat=True))
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(
        game=game, question_index__in=[index for index, _ in asked]
    ).exclude(player_id__in=kicked):
        answers[answer.question_index].append(answer)
    rows = [verdict_row(index, question, answers.get(index, [])) for index, question in asked]
    timeline = game.quiz.timeline if game.quiz is not None else None
    events = []
    if timeline is not None:
        events = [
            TimelineEvent(
                slug=e.slug,
                title=e.title,
                date_label=e.date_label,
                year=e.year,
                summary=e.summary,
                verdict=e.verdict,
                verdict_reason=e.verdict_reason,
            )
            for e in timeline.events.filter(in_period=True)
        ]
    return outline(
        question=game.title,
        votes=rows,
        events=events,
        periods=game_periods(game),
        overall_verdict=timeline.overall_verdict if timeline is not None else "",
    )

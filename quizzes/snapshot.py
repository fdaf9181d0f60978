"""A quiz's questions as a game stores them (`Game.questions`), built from the content.

A game copies its quiz when it is created: the questions, their keys, their events and
the events around them on the timeline. Editing the quiz mid-game then changes nothing
in that game, and every read of the live game (frames, snapshots, the teacher's
report) reads this copy, never the content models.

Each question's choices are dealt here for this game, as its kind says
(quizzes/kinds.py, quizzes/choice_order.py): the order shown and the ids they travel
under are the game's own, so neither the authoring order nor a database id tells the
answer. The kind also adds what else of its key the game keeps (a year guess's year and
the range the phone offers).

One stored question, as docs/protocol.md's frames read it:
`id`, `slug`, `kind`, `prompt`, `choices` ([{"id", "text"}] in the order shown),
`correct_choice_ids`, `answer_year`, `year_min`, `year_max`, `time_limit_ms`,
`points_multiplier`, `explanation`, `event`, `neighbours` ({"prev", "next"}: the
events before and after it on the timeline, or None), `event_shown` (False when a later
question of the game asks about the same event: the reveal then shows no event) and
`period` (the slug of its event's period, or None), `image` (`picture`: its
{"url", "alt", "width", "height"}, or None; games stored before pictures existed have
no `image` key, which reads as None); a verdict question also keeps
`verdict_choice_id` (the source's choice), its `correct_choice_ids` being [].

A game asks the questions a selection picked (quizzes/selection.py), in its order:
`candidates` is what the selection reads of a quiz, and `quiz_snapshot` builds the
chosen ones, every time limit multiplied by the game's time scale, with nothing shown
at a reveal that gives away a later question's answer
(`selection.conceal_later_events`).

Reads the content models (Django); imports nothing of the live game (classroom/).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from quizzes import kinds
from quizzes.choice_order import AuthoredChoice
from quizzes.models import Event, Question, Quiz
from quizzes.periods import Period, period_of
from quizzes.selection import Candidate, conceal_later_events


def event_dict(event: Event) -> dict[str, Any]:
    """An event as a snapshot (and then the reveal) shows it."""
    return {
        "slug": event.slug,
        "title": event.title,
        "year": event.year,
        "date_label": event.date_label,
        "effect": event.effect,
        "verdict": event.verdict,
        "verdict_reason": event.verdict_reason,
    }


def neighbours(event: Event | None) -> dict[str, Any]:
    """The events just before and after `event` among its timeline's asked events."""
    if event is None:
        return {"prev": None, "next": None}
    siblings = list(event.timeline.events.filter(in_period=True))
    ids = [e.id for e in siblings]
    if event.id not in ids:
        return {"prev": None, "next": None}
    at = ids.index(event.id)
    prev_event = siblings[at - 1] if at > 0 else None
    next_event = siblings[at + 1] if at + 1 < len(siblings) else None
    return {
        "prev": event_dict(prev_event) if prev_event else None,
        "next": event_dict(next_event) if next_event else None,
    }


def picture(question: Question) -> dict[str, Any] | None:
    """A question's picture as the game keeps it: its address (a random name under
    MEDIA_URL, nothing of the upload's name or the question's), its alt text and size."""
    if not question.image:
        return None
    return {
        "url": question.image.url,
        "alt": question.image_alt,
        "width": question.image_width,
        "height": question.image_height,
    }


def _questions(quiz: Quiz) -> list[Question]:
    return list(
        quiz.questions.select_related("event__timeline", "quiz__timeline")
        .prefetch_related("choices")
        .order_by("position", "id")
    )


def _period_slug(question: Question, periods: Sequence[Period]) -> str | None:
    period = period_of(question.event.year, periods) if question.event else None
    return period.slug if period else None


def candidates(*, quiz: Quiz, periods: Sequence[Period]) -> list[Candidate]:
    """The quiz's questions as the selection reads them, with the period each is in."""
    return [
        Candidate(
            id=question.id,
            position=question.position,
            kind=question.kind,
            event=question.event.slug if question.event else None,
            date=(
                (question.event.year, question.event.month or 0, question.event.day or 0)
                if question.event
                else None
            ),
            period=_period_slug(question, periods),
        )
        for question in quiz.questions.select_related("event").order_by("position", "id")
    ]


def _snapshot_question(
    question: Question,
    rng: random.Random,
    taken: set[int],
    *,
    time_scale: float,
    periods: Sequence[Period],
) -> dict[str, Any]:
    kind = kinds.get(question.kind)
    event = question.event
    shown_event = event_dict(event) if event else None
    written = [AuthoredChoice(text=c.text, is_correct=c.is_correct) for c in question.choices.all()]
    dealt = kind.deal(kind.authored(written, event=shown_event), rng, taken)
    timeline = event.timeline if event else question.quiz.timeline
    period = (timeline.period_start, timeline.period_end) if timeline is not None else None
    return {
        "id": question.id,
        "slug": question.slug,
        "kind": kind.name,
        "prompt": question.prompt,
        "choices": dealt.choices,
        "correct_choice_ids": dealt.correct_choice_ids,
        "answer_year": None,
        "year_min": None,
        "year_max": None,
        **kind.key_fields(answer_year=question.answer_year, period=period, rng=rng, dealt=dealt),
        "time_limit_ms": round(int(question.time_limit_s) * 1000 * time_scale),
        "points_multiplier": int(question.points_multiplier),
        "explanation": question.explanation,
        "event": shown_event,
        "neighbours": neighbours(event),
        "period": _period_slug(question, periods),
        "image": picture(question),
    }


def quiz_snapshot(
    *,
    quiz: Quiz,
    rng: random.Random | None = None,
    question_ids: Sequence[int] | None = None,
    time_scale: float = 1,
    periods: Sequence[Period] = (),
) -> list[dict[str, Any]]:
    """The questions of `quiz` as a game stores them (see the module docstring): those
    of `question_ids` in that order (every question in the quiz's order by default),
    time limits times `time_scale`, each placed in one of `periods` if it can be."""
    # The operating system's randomness by default: the dealt order and ids must not be
    # predictable from anything a player sees (a seeded Random is for tests).
    rng = rng or random.SystemRandom()
    taken: set[int] = set()
    questions = _questions(quiz)
    if question_ids is not None:
        by_id = {question.id: question for question in questions}
        missing = [i for i in question_ids if i not in by_id]
        if missing:
            raise ValueError(f"the quiz has no question with id {missing[0]}")
        questions = [by_id[i] for i in question_ids]
    snapshot = [
        _snapshot_question(q, rng, taken, time_scale=time_scale, periods=periods) for q in questions
    ]
    return conceal_later_events(snapshot)

"""The rules of a self-paced (homework) game, per player (docs/protocol.md, "Self-paced
games (homework)").

In a homework game nobody paces the class: each player asks for their own next
question (`next`), answers it, sees its reveal at once and asks for the next one. What
one player may do depends only on where that player is (`Place`) and on whether the
homework is still open; this module says what a `next`, an `answer` and a `resume`
lead to, and when the teacher's progress page may be told about a player again.

Pure: no Django, no clock (the caller passes `now`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# At most one `progress` frame per player per second reaches the teacher (the protocol);
# a change within the second is sent with that player's next action after it.
PROGRESS_EVERY = timedelta(seconds=1)


class Place(StrEnum):
    """Where a player is in a homework game."""

    NOT_STARTED = "not_started"  # joined, has not asked for the first question
    OPEN = "open"  # a question went out and can still be answered
    REVEALED = "revealed"  # the question was answered or its time ran out
    FINISHED = "finished"  # past the last question, or the homework closed


class Step(StrEnum):
    """What the server does with a player's frame."""

    QUESTION = "question"  # send the next question (its own index; its timer starts)
    FINISHED = "finished"  # send `finished`
    WRONG_PHASE = "wrong_phase"  # `next` while the question is still open
    ACCEPT = "accept"  # judge and store the answer
    CLOSED = "question_closed"  # an answer to no open question (or a late one)


@dataclass(frozen=True)
class Progress:
    """One player's position, as `Player` stores it (`paced_*` fields)."""

    index: int  # the current or last question sent; -1 before the first
    count: int  # questions in the game
    deadline: datetime | None  # when the current question closes; None: no timer
    answered: bool  # the current question has an answer stored
    finished: bool  # the player has been sent `finished`


def homework_open(*, now: datetime, closes_at: datetime | None, ended: bool) -> bool:
    """Whether the homework still takes answers: not ended by the teacher and not past
    its closing time (a homework game without one never closes by itself)."""
    if ended:
        return False
    return closes_at is None or now < closes_at


def place(progress: Progress, *, now: datetime, is_open: bool) -> Place:
    if progress.finished or not is_open:
        return Place.FINISHED
    if progress.index < 0:
        return Place.NOT_STARTED
    if progress.answered:
        return Place.REVEALED
    if progress.deadline is not None and now >= progress.deadline:
        return Place.REVEALED
    return Place.OPEN


def on_next(progress: Progress, *, now: datetime, is_open: bool) -> Step:
    """A player's `next`: their next question, `finished` after the last (or once the
    homework closed), `wrong_phase` while their question is still open."""
    where = place(progress, now=now, is_open=is_open)
    if where is Place.FINISHED:
        return Step.FINISHED
    if where is Place.OPEN:
        return Step.WRONG_PHASE
    if progress.index + 1 < progress.count:
        return Step.QUESTION
    return Step.FINISHED


def on_answer(
    progress: Progress, *, question_index: int, arrived_at: datetime, is_open: bool
) -> Step:
    """A player's `answer` to the question at `question_index` (the one its id names),
    stamped `arrived_at`: accepted only for the player's open question, before its own
    deadline; `finished` once the homework closed."""
    if progress.finished or not is_open:
        return Step.FINISHED
    if progress.index < 0 or question_index != progress.index or progress.answered:
        return Step.CLOSED
    if progress.deadline is not None and arrived_at > progress.deadline:
        return Step.CLOSED
    return Step.ACCEPT


def deadline(sent_at: datetime, *, limit_ms: int, timed: bool) -> datetime | None:
    """When a question sent at `sent_at` closes for its player; None without a timer."""
    return sent_at + timedelta(milliseconds=limit_ms) if timed else None


def remaining_ms(progress: Progress, *, now: datetime, limit_ms: int) -> int:
    """What is left of the open question's time (all of it without a timer)."""
    if progress.deadline is None:
        return limit_ms
    return max(0, min(limit_ms, int((progress.deadline - now).total_seconds() * 1000)))


def elapsed_ms(sent_at: datetime, arrived_at: datetime, *, limit_ms: int) -> int:
    """An answer's time, from the moment that player's question went out. Without a
    timer it is kept, capped at the question's limit, so the column (and the report's
    average) stays meaningful for an answer given days later."""
    elapsed = max(0, int((arrived_at - sent_at).total_seconds() * 1000))
    return min(elapsed, limit_ms)


def progress_due(last_sent: datetime | None, *, now: datetime) -> bool:
    """Whether the teacher may be sent this player's progress now."""
    return last_sent is None or now - last_sent >= PROGRESS_EVERY

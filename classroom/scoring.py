"""Points for one answer, and totals recomputed from stored answers.

The rules are those of docs/protocol.md (Part 2, "Scoring"). Decisions where it is
silent, all tested in tests/classroom/test_scoring.py:

- Rounding: the contract's expression is evaluated literally in Python,
  `round(1000 * (1 - (elapsed / time_limit) / 2))`, so an exact .5 rounds to the even
  integer (banker's rounding) and any client or checker that copies the formula gets
  the same number. 2 s on a 30 s timer is 967.
- Elapsed is clamped to [0, time_limit]: an answer stamped after the limit (which the
  caller should have refused as late) still scores like one at the limit, never
  negative.
- What an answer is worth before speed is its kind's (quizzes/kinds.py, `credit`):
  the fraction of the speed points it earns and whether it is fully right. Partial
  credit (`order`, `year_guess`) is `round(speed_points * fraction)`, with the same
  rounding. A kind that is not scored (`scored = False`, a poll) counts like a warm-up.
- The question's multiplier scales the base points only. The streak bonus is added
  after and is never multiplied (as in Kahoot): double points doubles what you earned
  by being right and fast, not your streak.
- A question with multiplier 0 (a warm-up) counts for nothing: 0 points, no bonus, and
  the streak neither grows nor resets. `correct` still says whether the answer was
  right, for the reveal.
- The streak counts fully correct answers in a row; partial credit does not extend it
  and resets it (an `order` answer with one pair swapped is not correct). The bonus is
  only given on a correct answer.
- No answer (`answer=None`) scores 0 and resets the streak.

Pure: stdlib and quizzes/kinds.py only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizzes import kinds

MAX_SPEED_POINTS = 1000
STREAK_BONUS_STEP = 100
MAX_STREAK_BONUS = 500

AnswerValue = int | list[int] | tuple[int, ...] | None


def _is_int(value: object) -> bool:
    # bool is an int subclass; True is never a choice id or a year.
    return isinstance(value, int) and not isinstance(value, bool)


def speed_points(*, elapsed_ms: int, time_limit_ms: int, accuracy_only: bool = False) -> int:
    """The contract's points for a correct answer: 1000 at once, 500 at the limit."""
    if not _is_int(time_limit_ms) or time_limit_ms <= 0:
        raise ValueError(f"time_limit_ms must be a positive whole number, not {time_limit_ms!r}.")
    if accuracy_only:
        return MAX_SPEED_POINTS
    elapsed = min(max(elapsed_ms, 0), time_limit_ms)
    return round(1000 * (1 - (elapsed / time_limit_ms) / 2))


def player_time_limit_ms(question: Mapping[str, Any], extra_time_s: int) -> int:
    """The limit a player is judged against: the question's, plus their extra time."""
    return int(question["time_limit_ms"]) + 1000 * int(extra_time_s)


def streak_bonus(streak: int) -> int:
    """Bonus for the `streak`-th correct answer in a row (this one included)."""
    if streak <= 1:
        return 0
    return min(STREAK_BONUS_STEP * (streak - 1), MAX_STREAK_BONUS)


@dataclass(frozen=True)
class AnswerScore:
    correct: bool
    # Points for this answer before the streak bonus, multiplier applied.
    base_points: int
    streak_bonus: int
    # base_points + streak_bonus: what this answer adds to the player's score.
    points: int
    # The player's streak after this answer.
    streak: int


NO_ANSWER = AnswerScore(correct=False, base_points=0, streak_bonus=0, points=0, streak=0)


def score_answer(
    *,
    kind: str,
    correct_choice_ids: Sequence[int],
    answer: AnswerValue,
    correct_year: int | None,
    elapsed_ms: int,
    time_limit_ms: int,
    multiplier: int = 1,
    accuracy_only: bool = False,
    streak_before: int = 0,
) -> AnswerScore:
    """Score one player's answer to one question (see the module docstring for the rules).

    `answer` is a choice id (`choice`, `true_false`), the list of choice ids earliest
    first (`order`), a year (`year_guess`), or None when the player did not answer.
    An answer of the wrong shape for the kind raises ValueError; a choice id that is
    not the question's is simply wrong (the caller refuses it with `unknown_choice`).
    """
    rules = kinds.get(kind)
    if not _is_int(multiplier) or multiplier < 0:
        raise ValueError(f"multiplier must be a whole number >= 0, not {multiplier!r}.")
    if streak_before < 0:
        raise ValueError("streak_before cannot be negative.")
    # Validate the limit even for a missing answer: a bad question is a bug either way.
    speed = speed_points(
        elapsed_ms=elapsed_ms, time_limit_ms=time_limit_ms, accuracy_only=accuracy_only
    )
    # A warm-up (multiplier 0) or a kind that is not scored (a poll) counts for nothing.
    unscored = multiplier == 0 or not rules.scored

    if answer is None:
        if unscored:
            return AnswerScore(
                correct=False, base_points=0, streak_bonus=0, points=0, streak=streak_before
            )
        return NO_ANSWER

    credit = rules.credit(answer, correct_choice_ids=correct_choice_ids, correct_year=correct_year)
    fraction, correct = credit.fraction, credit.correct
    if unscored:
        return AnswerScore(
            correct=correct, base_points=0, streak_bonus=0, points=0, streak=streak_before
        )
    base = round(speed * fraction) * multiplier
    if not correct:
        return AnswerScore(correct=False, base_points=base, streak_bonus=0, points=base, streak=0)
    streak = streak_before + 1
    bonus = streak_bonus(streak)
    return AnswerScore(
        correct=True, base_points=base, streak_bonus=bonus, points=base + bonus, streak=streak
    )


def score_for(
    question: Mapping[str, Any],
    *,
    answer: AnswerValue,
    elapsed_ms: int,
    time_limit_ms: int,
    accuracy_only: bool,
    streak_before: int,
) -> AnswerScore:
    """`score_answer` for a question as a game stores it (quizzes/snapshot.py)."""
    return score_answer(
        kind=question["kind"],
        correct_choice_ids=question["correct_choice_ids"],
        answer=answer,
        correct_year=question.get("answer_year"),
        elapsed_ms=elapsed_ms,
        time_limit_ms=time_limit_ms,
        multiplier=int(question.get("points_multiplier", 1)),
        accuracy_only=accuracy_only,
        streak_before=streak_before,
    )


# --- Recomputing totals from stored answers ---------------------------------------


@dataclass(frozen=True)
class QuestionRules:
    """What scoring needs to know about one question of a game."""

    kind: str
    correct_choice_ids: tuple[int, ...]
    time_limit_ms: int
    correct_year: int | None = None
    multiplier: int = 1


@dataclass(frozen=True)
class RecordedAnswer:
    """One stored answer, as the Answer row holds it."""

    player_id: int
    question_index: int
    answer: AnswerValue
    elapsed_ms: int
    # The limit this player was judged against (question limit + their extra time);
    # None means the question's own limit.
    time_limit_ms: int | None = None


@dataclass(frozen=True)
class PlayerTotals:
    score: int
    streak: int
    # Correct answers to questions that count (multiplier > 0).
    correct_count: int
    # The score before the last question replayed (the scoreboard's movement baseline).
    previous_score: int
    # question_index -> that question's AnswerScore (missing answers included).
    by_question: Mapping[int, AnswerScore] = field(default_factory=dict)


def replay_scores(
    *,
    questions: Sequence[QuestionRules],
    answers: Iterable[RecordedAnswer],
    player_ids: Iterable[int] = (),
    accuracy_only: bool = False,
    last_question_open: bool = False,
) -> dict[int, PlayerTotals]:
    """Recompute every player's totals from scratch, question by question.

    `questions` are the game's questions that have been asked, in order (index 0 to
    len - 1). `answers` may come in any order. Players in `player_ids` who never
    answered still get totals (a missing answer resets the streak). If
    `last_question_open`, the last question is still running: its answers count, but a
    player who has not answered it yet keeps their streak (it resets at the close).

    The live server keeps running totals on the Player rows; tests and restart checks
    compare them with this recomputation. ValueError on an answer to a question index
    outside `questions`, or on two answers by one player to one question.
    """
    by_player: dict[int, dict[int, RecordedAnswer]] = {pid: {} for pid in player_ids}
    for recorded in answers:
        if not 0 <= recorded.question_index < len(questions):
            raise ValueError(
                f"Answer to question {recorded.question_index}, but only "
                f"{len(questions)} questions were asked."
            )
        mine = by_player.setdefault(recorded.player_id, {})
        if recorded.question_index in mine:
            raise ValueError(
                f"Player {recorded.player_id} answered question {recorded.question_index} twice."
            )
        mine[recorded.question_index] = recorded

    totals: dict[int, PlayerTotals] = {}
    last = len(questions) - 1
    for player_id, mine in by_player.items():
        score = streak = correct_count = previous_score = 0
        by_question: dict[int, AnswerScore] = {}
        for index, rules in enumerate(questions):
            if index == last:
                previous_score = score
            recorded = mine.get(index)
            if recorded is None and index == last and last_question_open:
                continue
            result = score_answer(
                kind=rules.kind,
                correct_choice_ids=rules.correct_choice_ids,
                answer=None if recorded is None else recorded.answer,
                correct_year=rules.correct_year,
                elapsed_ms=0 if recorded is None else recorded.elapsed_ms,
                time_limit_ms=(
                    recorded.time_limit_ms
                    if recorded is not None and recorded.time_limit_ms is not None
                    else rules.time_limit_ms
                ),
                multiplier=rules.multiplier,
                accuracy_only=accuracy_only,
                streak_before=streak,
            )
            by_question[index] = result
            score += result.points
            streak = result.streak
            # A warm-up counts for nothing, not even here.
            correct_count += result.correct and rules.multiplier > 0
        totals[player_id] = PlayerTotals(
            score=score,
            streak=streak,
            correct_count=correct_count,
            previous_score=previous_score,
            by_question=by_question,
        )
    return totals

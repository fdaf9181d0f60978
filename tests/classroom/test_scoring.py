import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom.scoring import (
    AnswerScore,
    QuestionRules,
    RecordedAnswer,
    replay_scores,
    score_answer,
    speed_points,
    streak_bonus,
)


def choice(answer, *, elapsed_ms=0, limit=20_000, streak_before=0, multiplier=1, **kw):
    return score_answer(
        kind="choice",
        correct_choice_ids=[11],
        answer=answer,
        correct_year=None,
        elapsed_ms=elapsed_ms,
        time_limit_ms=limit,
        multiplier=multiplier,
        streak_before=streak_before,
        **kw,
    )


# --- speed points -------------------------------------------------------------------


def test_contract_worked_example_two_seconds_of_thirty_is_967():
    assert speed_points(elapsed_ms=2_000, time_limit_ms=30_000) == 967


def test_an_instant_answer_is_worth_1000_and_one_at_the_limit_500():
    assert speed_points(elapsed_ms=0, time_limit_ms=20_000) == 1000
    assert speed_points(elapsed_ms=20_000, time_limit_ms=20_000) == 500


def test_elapsed_past_the_limit_scores_like_the_limit_not_less():
    assert speed_points(elapsed_ms=95_000, time_limit_ms=20_000) == 500


def test_negative_elapsed_scores_like_zero():
    assert speed_points(elapsed_ms=-50, time_limit_ms=20_000) == 1000


def test_exact_halves_round_to_even_as_python_round_does():
    # 1000 * (1 - (3/1000)/2) = 998.5 -> 998 (banker's); 1/1000 -> 999.5 -> 1000.
    assert speed_points(elapsed_ms=3, time_limit_ms=1000) == 998
    assert speed_points(elapsed_ms=1, time_limit_ms=1000) == 1000


def test_speed_points_equal_the_contract_expression_literally():
    for elapsed in range(0, 30_001, 37):
        expected = round(1000 * (1 - (elapsed / 30_000) / 2))
        assert speed_points(elapsed_ms=elapsed, time_limit_ms=30_000) == expected


def test_accuracy_only_ignores_speed():
    assert speed_points(elapsed_ms=19_999, time_limit_ms=20_000, accuracy_only=True) == 1000


@pytest.mark.parametrize("limit", [0, -1, 2.5, True])
def test_a_bad_time_limit_is_refused(limit):
    with pytest.raises(ValueError, match="time_limit_ms"):
        speed_points(elapsed_ms=0, time_limit_ms=limit)


# --- streaks ------------------------------------------------------------------------


def test_streak_bonus_ladder():
    assert [streak_bonus(s) for s in range(1, 8)] == [0, 100, 200, 300, 400, 500, 500]
    assert streak_bonus(0) == 0
    assert streak_bonus(100) == 500


def test_consecutive_correct_answers_climb_the_ladder():
    streak, bonuses = 0, []
    for _ in range(7):
        result = choice(11, streak_before=streak)
        streak = result.streak
        bonuses.append(result.streak_bonus)
    assert bonuses == [0, 100, 200, 300, 400, 500, 500]
    assert streak == 7


def test_a_wrong_answer_resets_the_streak_and_scores_zero():
    assert choice(12, streak_before=4) == AnswerScore(
        correct=False, base_points=0, streak_bonus=0, points=0, streak=0
    )


def test_no_answer_scores_zero_and_resets_the_streak():
    assert choice(None, streak_before=3) == AnswerScore(False, 0, 0, 0, 0)


def test_correct_answer_points_are_speed_plus_streak_bonus():
    result = choice(11, elapsed_ms=2_000, limit=30_000, streak_before=2)
    assert result == AnswerScore(
        correct=True, base_points=967, streak_bonus=200, points=1167, streak=3
    )


def test_double_points_doubles_the_base_but_not_the_streak_bonus():
    result = choice(11, elapsed_ms=2_000, limit=30_000, streak_before=1, multiplier=2)
    assert result.base_points == 1934
    assert result.streak_bonus == 100
    assert result.points == 2034


def test_a_warm_up_question_counts_for_nothing_and_keeps_the_streak():
    right = choice(11, streak_before=3, multiplier=0)
    wrong = choice(12, streak_before=3, multiplier=0)
    missing = choice(None, streak_before=3, multiplier=0)
    assert right == AnswerScore(correct=True, base_points=0, streak_bonus=0, points=0, streak=3)
    assert wrong.points == 0 and wrong.streak == 3 and not wrong.correct
    assert missing.streak == 3


def test_true_false_scores_like_choice():
    result = score_answer(
        kind="true_false",
        correct_choice_ids=[2],
        answer=2,
        correct_year=None,
        elapsed_ms=0,
        time_limit_ms=10_000,
    )
    assert result.correct and result.points == 1000


def test_a_choice_answer_must_be_one_id():
    with pytest.raises(ValueError, match="one choice id"):
        choice([11])
    with pytest.raises(ValueError, match="one choice id"):
        choice(True)


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="kind"):
        score_answer(
            kind="essay",
            correct_choice_ids=[1],
            answer=1,
            correct_year=None,
            elapsed_ms=0,
            time_limit_ms=1000,
        )


def test_a_negative_multiplier_is_refused():
    with pytest.raises(ValueError, match="multiplier"):
        choice(11, multiplier=-1)


# --- order --------------------------------------------------------------------------


def order(answer, *, elapsed_ms=0, streak_before=0):
    return score_answer(
        kind="order",
        correct_choice_ids=[1, 2, 3, 4],
        answer=answer,
        correct_year=None,
        elapsed_ms=elapsed_ms,
        time_limit_ms=20_000,
        streak_before=streak_before,
    )


def test_a_fully_right_order_is_correct_and_extends_the_streak():
    result = order([1, 2, 3, 4], streak_before=1)
    assert result.correct and result.base_points == 1000 and result.streak == 2
    assert result.points == 1100


def test_a_partly_right_order_earns_partial_points_but_breaks_the_streak():
    result = order([2, 1, 3, 4], streak_before=3)
    assert not result.correct
    assert result.base_points == round(1000 * 5 / 6) == 833
    assert result.streak_bonus == 0 and result.streak == 0


def test_an_order_answer_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="list of choice ids"):
        order(3)


# --- year guess ---------------------------------------------------------------------


def year(guess, *, correct_year=1971, elapsed_ms=0, streak_before=0):
    return score_answer(
        kind="year_guess",
        correct_choice_ids=[],
        answer=guess,
        correct_year=correct_year,
        elapsed_ms=elapsed_ms,
        time_limit_ms=20_000,
        streak_before=streak_before,
    )


def test_the_exact_year_is_correct_and_scores_full_speed_points():
    result = year(1971, elapsed_ms=10_000, streak_before=1)
    assert result.correct and result.base_points == 750 and result.streak_bonus == 100


def test_a_near_year_earns_scaled_points_but_is_not_correct():
    result = year(1973, streak_before=2)
    assert not result.correct
    assert result.base_points == 800
    assert result.streak == 0


def test_a_year_far_off_scores_zero():
    assert year(1947).points == 0


def test_a_year_guess_needs_the_correct_year():
    with pytest.raises(ValueError, match="correct year"):
        year(1971, correct_year=None)


# --- replay -------------------------------------------------------------------------


QUESTIONS = [
    QuestionRules(kind="choice", correct_choice_ids=(11,), time_limit_ms=20_000),
    QuestionRules(kind="order", correct_choice_ids=(1, 2, 3), time_limit_ms=20_000),
    QuestionRules(
        kind="year_guess",
        correct_choice_ids=(),
        time_limit_ms=20_000,
        correct_year=1965,
        multiplier=2,
    ),
]


def test_replay_recomputes_scores_streaks_and_correct_counts():
    answers = [
        RecordedAnswer(player_id=1, question_index=2, answer=1965, elapsed_ms=0),
        RecordedAnswer(player_id=1, question_index=0, answer=11, elapsed_ms=2_000),
        RecordedAnswer(player_id=1, question_index=1, answer=[1, 2, 3], elapsed_ms=0),
        RecordedAnswer(player_id=2, question_index=0, answer=12, elapsed_ms=0),
        RecordedAnswer(player_id=2, question_index=2, answer=1960, elapsed_ms=0),
    ]
    totals = replay_scores(questions=QUESTIONS, answers=answers, player_ids=[1, 2, 3])
    # Player 1: 950 + (1000 + 100) + (2000 + 200).
    assert totals[1].score == 950 + 1100 + 2200
    assert totals[1].streak == 3 and totals[1].correct_count == 3
    assert totals[1].previous_score == 950 + 1100
    # Player 2: wrong, missing, half-way year (0.5 * 1000 * 2).
    assert totals[2].score == 1000 and totals[2].streak == 0 and totals[2].correct_count == 0
    assert totals[2].by_question[1] == AnswerScore(False, 0, 0, 0, 0)
    assert totals[3].score == 0 and totals[3].by_question[0].points == 0


def test_replay_leaves_streaks_of_players_who_have_not_answered_an_open_question():
    answers = [RecordedAnswer(player_id=1, question_index=0, answer=11, elapsed_ms=0)]
    totals = replay_scores(questions=QUESTIONS[:2], answers=answers, last_question_open=True)
    assert totals[1].streak == 1 and 1 not in totals[1].by_question


def test_replay_uses_a_players_own_time_limit_for_extra_time():
    answers = [
        RecordedAnswer(
            player_id=1, question_index=0, answer=11, elapsed_ms=20_000, time_limit_ms=40_000
        )
    ]
    totals = replay_scores(questions=QUESTIONS[:1], answers=answers)
    assert totals[1].score == 750


def test_replay_refuses_two_answers_to_one_question():
    answers = [
        RecordedAnswer(player_id=1, question_index=0, answer=11, elapsed_ms=0),
        RecordedAnswer(player_id=1, question_index=0, answer=12, elapsed_ms=0),
    ]
    with pytest.raises(ValueError, match="twice"):
        replay_scores(questions=QUESTIONS, answers=answers)


def test_replay_refuses_an_answer_to_a_question_not_asked():
    answers = [RecordedAnswer(player_id=1, question_index=3, answer=11, elapsed_ms=0)]
    with pytest.raises(ValueError, match="only 3 questions"):
        replay_scores(questions=QUESTIONS, answers=answers)


# --- properties ---------------------------------------------------------------------


@st.composite
def any_answer(draw):
    kind = draw(st.sampled_from(["choice", "true_false", "order", "year_guess"]))
    correct_year = None
    if kind in ("choice", "true_false"):
        correct = [draw(st.integers(1, 4))]
        answer = draw(st.none() | st.integers(1, 4))
    elif kind == "order":
        correct = draw(st.permutations([1, 2, 3, 4]))[: draw(st.integers(3, 4))]
        answer = draw(st.none() | st.permutations(correct))
    else:
        correct = []
        correct_year = draw(st.integers(1900, 2000))
        answer = draw(st.none() | st.integers(1800, 2100))
    return dict(
        kind=kind,
        correct_choice_ids=correct,
        answer=answer,
        correct_year=correct_year,
        elapsed_ms=draw(st.integers(-1000, 400_000)),
        time_limit_ms=draw(st.integers(1, 240_000)),
        multiplier=draw(st.integers(0, 2)),
        accuracy_only=draw(st.booleans()),
        streak_before=draw(st.integers(0, 50)),
    )


@given(any_answer())
def test_points_are_always_between_zero_and_the_maximum(kwargs):
    result = score_answer(**kwargs)
    assert 0 <= result.points <= 1000 * kwargs["multiplier"] + 500
    assert result.points == result.base_points + result.streak_bonus
    if not result.correct:
        assert result.streak_bonus == 0
    if kwargs["multiplier"] > 0:
        assert result.streak == (kwargs["streak_before"] + 1 if result.correct else 0)
    else:
        assert result.points == 0 and result.streak == kwargs["streak_before"]


@given(st.integers(-(10**6), 10**7), st.integers(1, 10**6))
def test_speed_points_are_between_500_and_1000(elapsed, limit):
    assert 500 <= speed_points(elapsed_ms=elapsed, time_limit_ms=limit) <= 1000


# --- the verdict round: a vote ----------------------------------------------------------


def vote(answer, *, streak_before=3, **kw):
    return score_answer(
        kind="verdict",
        correct_choice_ids=[],
        answer=answer,
        correct_year=None,
        elapsed_ms=500,
        time_limit_ms=20_000,
        streak_before=streak_before,
        **kw,
    )


@pytest.mark.parametrize("answer", [21, 22, None])
def test_a_vote_scores_nothing_and_leaves_the_streak_alone(answer):
    # Either side, or no vote at all: no points, not correct, the streak as it was.
    kept = AnswerScore(correct=False, base_points=0, streak_bonus=0, points=0, streak=3)
    assert vote(answer) == kept
    assert vote(answer, multiplier=2, accuracy_only=True) == kept


def test_replay_passes_a_vote_without_touching_scores_streaks_or_correct_counts():
    questions = [
        QUESTIONS[0],
        QuestionRules(kind="verdict", correct_choice_ids=(), time_limit_ms=20_000),
        QUESTIONS[0],
    ]
    answers = [
        RecordedAnswer(player_id=1, question_index=0, answer=11, elapsed_ms=0),
        RecordedAnswer(player_id=1, question_index=1, answer=21, elapsed_ms=0),
        RecordedAnswer(player_id=1, question_index=2, answer=11, elapsed_ms=0),
        RecordedAnswer(player_id=2, question_index=0, answer=11, elapsed_ms=0),
        RecordedAnswer(player_id=2, question_index=2, answer=11, elapsed_ms=0),
    ]
    totals = replay_scores(questions=questions, answers=answers, player_ids=[1, 2])
    # The second right answer is the second in a row, vote or no vote between them.
    for player in (1, 2):
        assert totals[player].score == 1000 + 1100
        assert totals[player].streak == 2 and totals[player].correct_count == 2

"""The question kinds (quizzes/kinds.py): each kind's checks, credit, counts and
summaries, and that a kind is one entry. Pure: no database, no event loop."""

import random
from collections import Counter
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes import kinds
from quizzes.kinds import order_fraction, year_closeness


def test_order_fraction_counts_pairs_in_the_right_relative_order():
    assert order_fraction([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert order_fraction([4, 3, 2, 1], [1, 2, 3, 4]) == 0.0
    # One adjacent swap breaks one of six pairs.
    assert order_fraction([2, 1, 3, 4], [1, 2, 3, 4]) == pytest.approx(5 / 6)


@pytest.mark.parametrize("submitted", [[1, 2, 3], [1, 2, 3, 3], [1, 2, 3, 5], [1, 2, 3, 4, 5]])
def test_order_answer_must_be_a_permutation(submitted):
    with pytest.raises(ValueError, match="every choice exactly once"):
        order_fraction(submitted, [1, 2, 3, 4])


def test_year_closeness_falls_linearly_to_zero_at_ten_years():
    assert year_closeness(1971, 1971) == 1.0
    assert year_closeness(1974, 1971) == pytest.approx(0.7)
    assert year_closeness(1961, 1971) == 0.0
    assert year_closeness(1900, 1971) == 0.0


@given(st.lists(st.integers(), min_size=1, max_size=7, unique=True), st.randoms())
def test_order_fraction_is_in_0_1_and_1_only_for_the_right_order(correct, rnd):
    submitted = list(correct)
    rnd.shuffle(submitted)
    fraction = order_fraction(submitted, correct)
    assert 0.0 <= fraction <= 1.0
    assert (fraction == 1.0) == (submitted == correct)


@given(st.lists(st.integers(), min_size=2, max_size=7, unique=True))
def test_the_reversed_order_earns_nothing(correct):
    assert order_fraction(list(reversed(correct)), correct) == 0.0


# --- one declaration per kind ---------------------------------------------------------


@dataclass
class Sent:
    choice_id: int | None = None
    choice_ids: list[int] | None = None
    year: int | None = None


CHOICE = {
    "kind": "choice",
    "choices": [{"id": 7, "text": "Right"}, {"id": 3, "text": "Wrong"}],
    "correct_choice_ids": [7],
}
ORDER = {
    "kind": "order",
    "choices": [{"id": 5, "text": "Later"}, {"id": 2, "text": "First"}, {"id": 9, "text": "Last"}],
    "correct_choice_ids": [2, 5, 9],
}
YEAR = {
    "kind": "year_guess",
    "choices": [],
    "answer_year": 1966,
    "year_min": 1947,
    "year_max": 1988,
}


def refusal(question, sent):
    with pytest.raises(kinds.Refused) as refused:
        kinds.get(question["kind"]).check(question, sent)
    return refused.value.code, refused.value.message


def test_every_kind_the_game_knows_is_declared_once():
    assert list(kinds.KINDS) == ["choice", "true_false", "order", "year_guess", "verdict"]
    assert all(name == kind.name for name, kind in kinds.KINDS.items())
    with pytest.raises(ValueError, match="Unknown question kind: 'essay'"):
        kinds.get("essay")
    assert kinds.label("year_guess") == "Guess the year" and kinds.label("essay") == "essay"


def test_a_choice_answer_is_one_of_the_questions_choices():
    assert kinds.get("choice").check(CHOICE, Sent(choice_id=3)) == 3
    assert refusal(CHOICE, Sent(choice_id=4)) == (
        "unknown_choice",
        "That is not one of this question's choices.",
    )
    assert refusal(CHOICE, Sent(year=1966)) == ("bad_field", "choice_id is missing.")


def test_an_order_answer_lists_every_choice_once():
    assert kinds.get("order").check(ORDER, Sent(choice_ids=[9, 2, 5])) == [9, 2, 5]
    for wrong in ([2, 5], [2, 5, 5], [2, 5, 9, 9], [2, 5, 4]):
        assert refusal(ORDER, Sent(choice_ids=wrong)) == (
            "unknown_choice",
            "Put every choice of this question in order, each once.",
        )
    assert refusal(ORDER, Sent(choice_id=2)) == ("bad_field", "choice_ids is missing.")


def test_a_year_is_within_the_questions_range_or_any_year_for_an_old_snapshot():
    assert kinds.get("year_guess").check(YEAR, Sent(year=1947)) == 1947
    assert refusal(YEAR, Sent(year=1946)) == (
        "bad_field",
        "year must be a whole number from 1947 to 1988.",
    )
    assert refusal(YEAR, Sent()) == ("bad_field", "year is missing.")
    old = {**YEAR, "year_min": None, "year_max": None}
    assert kinds.get("year_guess").check(old, Sent(year=-9999)) == -9999
    assert refusal(old, Sent(year=True))[0] == "bad_field"


@pytest.mark.parametrize(
    ("name", "value", "columns"),
    [
        ("choice", 7, (7, None)),
        ("order", [2, 5, 9], (None, [2, 5, 9])),
        ("year_guess", 1966, (None, 1966)),
    ],
)
def test_an_answer_is_stored_and_read_back_in_its_kinds_shape(name, value, columns):
    kind = kinds.get(name)
    assert kind.columns(value) == columns
    assert kind.value(*columns) == value


def test_only_a_year_guess_shows_its_range_and_reveals_its_year():
    assert kinds.get("choice").public_fields(CHOICE) == {}
    assert kinds.get("year_guess").public_fields(YEAR) == {"year_min": 1947, "year_max": 1988}
    assert "answer_year" not in kinds.get("year_guess").public_fields(YEAR)
    assert kinds.get("order").reveal_fields(ORDER) == {}
    assert kinds.get("year_guess").reveal_fields(YEAR) == {"correct_year": 1966}


def test_a_year_guess_keeps_its_year_and_a_range_around_the_period():
    kind = kinds.get("year_guess")
    rng = random.Random(3)
    assert kind.key_fields(answer_year=1966, period=(1947, 1988), rng=rng) == {
        "answer_year": 1966,
        "year_min": 1947,
        "year_max": 1988,
    }
    # A year outside the period widens it; no period: an uneven window around the year.
    assert kind.key_fields(answer_year=1991, period=(1947, 1988), rng=rng)["year_max"] == 1991
    window = kind.key_fields(answer_year=1966, period=None, rng=rng)
    assert 1936 <= window["year_min"] <= 1956 and 1976 <= window["year_max"] <= 1996
    assert kinds.get("choice").key_fields(answer_year=None, period=None, rng=rng) == {}


def test_the_projectors_counts_by_kind():
    assert kinds.get("choice").distribution(CHOICE, [7, 7, 3, None, 99]) == {"7": 2, "3": 1}
    # Order: per choice, the answers that put it in its right place.
    assert kinds.get("order").distribution(ORDER, [[2, 5, 9], [5, 2, 9], []]) == {
        "5": 1,
        "2": 1,
        "9": 2,
    }
    assert kinds.get("year_guess").distribution(YEAR, [1970, 1966, 1966, None]) == {
        "1966": 2,
        "1970": 1,
    }


def test_the_reports_summary_by_kind():
    rows = kinds.get("choice").report(CHOICE, [7, 7, 3])
    assert [(t.label, t.text, t.count, t.correct) for t in rows] == [
        ("A", "Right", 2, True),
        ("B", "Wrong", 1, False),
    ]
    rows = kinds.get("order").report(ORDER, [[2, 5, 9], [5, 2, 9], "junk"])
    # Listed in the right order, every row a place (none "the" right answer).
    assert [(t.label, t.text, t.count, t.correct) for t in rows] == [
        ("A", "First", 1, True),
        ("B", "Later", 1, True),
        ("C", "Last", 2, True),
    ]
    rows = kinds.get("year_guess").report(YEAR, [1970, 1966, 1966])
    assert [(t.text, t.count, t.correct) for t in rows] == [("1966", 2, True), ("1970", 1, False)]
    assert kinds.get("order").report_columns == ("Choice", "In the right place")
    assert not kinds.get("order").report_marks_correct


def test_what_a_phone_is_told_it_answered_by_kind():
    assert kinds.get("choice").echo(7) == {"choice_id": 7}
    assert kinds.get("order").echo([2, 5]) == {"choice_id": None, "choice_ids": [2, 5]}
    assert kinds.get("year_guess").echo(1966) == {"choice_id": None, "year": 1966}
    assert kinds.get("true_false").your_fields(None) == {"your_choice_id": None}
    assert kinds.get("order").your_fields(None) == {"your_choice_id": None, "your_choice_ids": None}
    assert kinds.get("year_guess").your_fields(1970) == {"your_choice_id": None, "your_year": 1970}


def test_credit_is_the_kinds_fraction_and_rightness():
    assert kinds.get("choice").credit(7, correct_choice_ids=[7], correct_year=None) == (
        kinds.Credit(1.0, True)
    )
    partial = kinds.get("order").credit([5, 2, 9], correct_choice_ids=[2, 5, 9], correct_year=None)
    assert partial == kinds.Credit(pytest.approx(2 / 3), False)
    near = kinds.get("year_guess").credit(1968, correct_choice_ids=[], correct_year=1966)
    assert near == kinds.Credit(pytest.approx(0.8), False)


# --- the verdict round: a vote on one event ----------------------------------------------


def verdict_question(verdict="failure", rng=None, written=()):
    """A verdict question as a game stores it, dealt for an event with `verdict`."""
    kind = kinds.get("verdict")
    rng = rng or random.Random(1)
    event = {"slug": "war-1971", "title": "The 1971 war", "date_label": "16 December 1971"}
    event["verdict"] = verdict
    dealt = kind.deal(kind.authored(list(written), event=event), rng, set())
    return {
        "kind": "verdict",
        "choices": dealt.choices,
        "correct_choice_ids": dealt.correct_choice_ids,
        **kind.key_fields(answer_year=None, period=None, rng=rng, dealt=dealt),
        "explanation": "because it took sides.",
        "event": event,
    }


def test_a_verdict_question_always_offers_success_then_failure():
    from quizzes.choice_order import AuthoredChoice

    for written in ((), (AuthoredChoice("Failure"), AuthoredChoice("Success", True))):
        question = verdict_question(written=written)
        assert [c["text"] for c in question["choices"]] == ["Success", "Failure"]
    kind = kinds.get("verdict")
    assert kind.label == "Verdict: success or failure"
    assert not kind.scored and not kind.judged


def test_a_verdict_question_keeps_the_events_verdict_apart_from_any_right_answer():
    question = verdict_question("failure")
    failure = question["choices"][1]["id"]
    # Nothing is right in a vote: the source's choice is kept for the reveal alone.
    assert question["correct_choice_ids"] == []
    assert question["verdict_choice_id"] == failure
    assert (
        verdict_question("success")["verdict_choice_id"]
        == verdict_question("success")["choices"][0]["id"]
    )
    # An event edited to neutral since: the question says the source gives no verdict.
    assert verdict_question("neutral")["verdict_choice_id"] is None


def test_a_verdict_reveal_gives_the_source_verdict_its_reason_and_event():
    question = verdict_question("failure")
    assert kinds.get("verdict").public_fields(question) == {}
    assert kinds.get("verdict").reveal_fields(question) == {
        "verdict": {
            "choice_id": question["verdict_choice_id"],
            "reason": "because it took sides.",
            "event": {"title": "The 1971 war", "date": "16 December 1971"},
        }
    }


def test_a_vote_earns_nothing_and_is_never_right():
    question = verdict_question("failure")
    kind = kinds.get("verdict")
    for choice in question["choices"]:
        value = kind.check(question, Sent(choice_id=choice["id"]))
        assert kind.credit(value, correct_choice_ids=[], correct_year=None) == kinds.Credit(
            0.0, False
        )
    assert refusal(question, Sent(choice_id=12)) == (
        "unknown_choice",
        "That is not one of this question's choices.",
    )
    with pytest.raises(ValueError, match="one choice id"):
        kind.credit([1, 2], correct_choice_ids=[], correct_year=None)


def test_the_class_votes_are_counted_beside_the_source_verdict():
    question = verdict_question("failure")
    success, failure = (c["id"] for c in question["choices"])
    kind = kinds.VERDICT
    assert kind.distribution(question, [success, failure, failure, None]) == {
        str(success): 1,
        str(failure): 2,
    }
    count = kind.count(question, [success, failure, failure, None, 999])
    assert (count.success, count.failure, count.voted, count.agreed) == (1, 2, 3, 2)
    assert (count.source, count.majority) == ("failure", "failure")
    assert kind.count(question, [success, failure]).majority == "split"
    assert kind.count(question, []).majority == ""
    rows = kind.report(question, [success, failure, failure])
    assert [(t.label, t.text, t.count, t.correct) for t in rows] == [
        ("A", "Success", 1, False),
        ("B", "Failure", 2, True),
    ]
    assert kind.report_mark == "model answer" and kind.report_columns == ("Verdict", "Votes")


def test_nothing_in_a_verdict_questions_ids_tells_the_source_verdict():
    # Which of the two ids is lower must not say which is the source's: about half each.
    lower = Counter(
        (lambda q: q["verdict_choice_id"] == min(c["id"] for c in q["choices"]))(
            verdict_question("failure", random.Random(seed))
        )
        for seed in range(2000)
    )
    assert abs(lower[True] - 1000) < 110, lower

"""The question kinds' table of the browser scripts (static/js/kinds.js), run in Node
when present: the same kinds as the server's registry (quizzes/kinds.py), and what
each draws from a reveal. The browser suite draws them in a real page."""

import json
from functools import partial

import pytest

from quizzes import kinds

from .node_js import needs_node
from .node_js import run_js as run_scripts

pytestmark = needs_node
run_js = partial(run_scripts, scripts=("common.js", "kinds.js"))


CHOICES = [{"id": 5, "text": "Later"}, {"id": 2, "text": "First"}, {"id": 9, "text": "Last"}]


def test_the_pages_know_exactly_the_servers_kinds():
    assert run_js("return Object.keys(Q.KINDS);") == list(kinds.KINDS)
    # A kind a page does not know is drawn as choices, never a crash.
    assert run_js('return Q.kindOf("essay") === Q.KINDS.choice;') is True


def test_the_reveal_chart_by_kind():
    frame = {"distribution": {"5": 1, "2": 3, "9": 0}, "correct_choice_ids": [2, 5, 9]}
    order = run_js(f"return Q.KINDS.order.bars({json.dumps(frame)}, {json.dumps(CHOICES)});")
    # In the right order, each a place; colours stay the tiles' the class saw.
    assert [(r["label"], r["position"], r["count"], r["colour"]) for r in order] == [
        ("First", 1, 3, "c1"),
        ("Later", 2, 1, "c0"),
        ("Last", 3, 0, "c2"),
    ]
    single = {**frame, "correct_choice_ids": [2]}
    choice = run_js(f"return Q.KINDS.choice.bars({json.dumps(single)}, {json.dumps(CHOICES)});")
    assert [(r["label"], r["correct"]) for r in choice] == [
        ("Later", False),
        ("First", True),
        ("Last", False),
    ]
    many = {str(year): 1 for year in range(1940, 1990, 3)}
    years = run_js(
        f"return Q.KINDS.year_guess.bars({{distribution: {json.dumps(many)}, correct_year: 1966}});"
    )
    # Many different guesses: single years around the answer, the rest in two buckets.
    assert years[0]["label"] == "before 1962" and years[-1]["label"] == "after 1970"
    assert [r["label"] for r in years[1:-1]] == [str(y) for y in range(1962, 1971)]
    assert [r["label"] for r in years if r["correct"]] == ["1966"]


def test_the_answer_lines_by_kind():
    lines = run_js(
        """
        const text = function (id) { return {5: "Later", 2: "First", 9: "Last"}[id]; };
        const order = {correct_choice_ids: [2, 5, 9]};
        return [
          Q.KINDS.order.answerText(order, text),
          Q.KINDS.choice.answerText({correct_choice_ids: [5]}, text),
          Q.KINDS.year_guess.answerText({correct_year: 1966}, text),
          Q.KINDS.choice.revealDetail({correct: false, correct_choice_ids: [5]}, text),
          Q.KINDS.choice.revealDetail({correct: true, correct_choice_ids: [5]}, text),
          Q.KINDS.order.revealDetail({correct: false, correct_choice_ids: [2, 5, 9]}, text),
          Q.KINDS.year_guess.revealDetail({correct_year: 1966, your_year: 1970}, text),
        ];
        """
    )
    assert lines == [
        "The right order: First → Later → Last",
        "Answer: Later",
        "The year: 1966",
        "The answer: Later.",
        "",
        "",
        "The year was 1966 (you said 1970).",
    ]


def test_a_phone_knows_whether_it_answered_by_kind():
    gave = run_js(
        """
        return [
          Q.KINDS.true_false.gave({your_choice_id: 7}),
          Q.KINDS.choice.gave({your_choice_id: null}),
          Q.KINDS.order.gave({your_choice_id: null, your_choice_ids: [1, 2]}),
          Q.KINDS.order.gave({your_choice_id: null, your_choice_ids: null}),
          Q.KINDS.year_guess.gave({your_choice_id: null, your_year: 1970}),
          Q.KINDS.year_guess.gave({your_choice_id: null, your_year: null}),
        ];
        """
    )
    assert gave == [True, False, True, False, True, False]


# --- the verdict round: a vote, and the model answer's verdict beside it ----------------

VOTE = [{"id": 40, "text": "Success"}, {"id": 17, "text": "Failure"}]
VERDICT_REVEAL = {
    "kind": "verdict",
    "correct_choice_ids": [],
    "distribution": {"40": 3, "17": 9},
    "verdict": {"choice_id": 17, "reason": "because Moscow took sides.", "event": None},
}


def test_the_projector_draws_the_class_vote_with_no_side_marked_right():
    bars = run_js(f"return Q.KINDS.verdict.bars({json.dumps(VERDICT_REVEAL)}, {json.dumps(VOTE)});")
    assert [(b["label"], b["count"], b["correct"], b.get("tag"), b["vote"]) for b in bars] == [
        ("Success", 3, False, None, True),
        ("Failure", 9, False, "model answer", True),
    ]
    lines = run_js(
        f"""
        const text = function (id) {{ return {{40: "Success", 17: "Failure"}}[id]; }};
        const frame = {json.dumps(VERDICT_REVEAL)};
        return [Q.KINDS.verdict.answerText(frame, text), Q.KINDS.verdict.stats(frame),
                Q.KINDS.verdict.chartTitle, Q.KINDS.verdict.question({{choices: []}},
                function () {{}}).hint];
        """
    )
    assert lines == [
        "The model answer says: Failure",
        "12 votes · 9 agree with the model answer (75 %)",
        "The class's vote",
        "Vote on your phone: there is no right or wrong answer",
    ]


@pytest.mark.parametrize(
    ("mine", "title", "agreement"),
    [
        (17, "You said: Failure", "The model answer agrees with you"),
        (40, "You said: Success", "The model answer sees it the other way"),
        (None, "No vote this time", ""),
    ],
)
def test_a_phone_says_what_it_voted_and_whether_the_model_answer_agrees(mine, title, agreement):
    reveal = {**VERDICT_REVEAL, "your_choice_id": mine, "correct": False, "points": 0}
    result = run_js(
        f"""
        const text = function (id) {{ return {{40: "Success", 17: "Failure"}}[id]; }};
        return Q.KINDS.verdict.result({json.dumps(reveal)}, text);
        """
    )
    assert result == {
        "result": "vote",
        "title": title,
        "points": agreement,
        "detail": "The model answer says: Failure — because Moscow took sides.",
    }
    # Never right or wrong: a vote has neither.
    assert not {"Correct!", "Not this time", "Nearly!"} & set(result.values())


def test_a_phone_repeats_its_vote_once_stored():
    said = run_js(
        'return [Q.KINDS.verdict.received("Failure"), Q.KINDS.verdict.received(null),'
        " Q.KINDS.choice.received === undefined];"
    )
    assert said[0].startswith("You said: Failure. ")
    assert not said[1].startswith("You said") and said[2] is True


def test_every_verdict_badge_says_whose_verdict_it_is():
    badges = run_scripts(
        'return ["success", "failure", "neutral", "", null].map(Q.verdictBadge);',
        scripts=("common.js", "kinds.js", "projector-reveal.js"),
    )
    assert badges == [
        "Model answer: success",
        "Model answer: failure",
        "Model answer: neither",
        "",
        "",
    ]

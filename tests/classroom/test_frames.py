"""Frame builders: allowlisted fields, JSON-safe, and no answer before the reveal."""

import json

import pytest

from classroom import frames

QUESTIONS = {
    "choice": {
        "id": 41,
        "kind": "choice",
        "prompt": "Who mediated at Tashkent?",
        "choices": [{"id": 1, "text": "Kosygin", "is_correct": True}, {"id": 2, "text": "X"}],
        "correct_choice_ids": [1],
        "answer_year": None,
        "time_limit_ms": 20000,
        "points_multiplier": 2,
        "explanation": "Kosygin.",
        "event": {"slug": "tashkent", "title": "Tashkent", "year": 1966, "secret": "x"},
        "neighbours": {"prev": None, "next": None},
    },
    "order": {
        "id": 42,
        "kind": "order",
        "prompt": "Order these",
        "choices": [{"id": 3, "text": "b"}, {"id": 1, "text": "a"}, {"id": 2, "text": "c"}],
        "correct_choice_ids": [1, 3, 2],
        "time_limit_ms": 20000,
        "explanation": "",
    },
    "year_guess": {
        "id": 43,
        "kind": "year_guess",
        "prompt": "When?",
        "choices": [],
        "correct_choice_ids": [],
        "answer_year": 1966,
        "year_min": 1947,
        "year_max": 1988,
        "time_limit_ms": 20000,
        "explanation": "",
    },
}


def _keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


@pytest.mark.parametrize("kind", QUESTIONS)
def test_question_frames_carry_no_answer_key(kind):
    question = QUESTIONS[kind]
    player = frames.question_player(
        question=question, index=0, count=3, time_limit_ms=20000, remaining_ms=19000, seq=4
    )
    host = frames.question_host(
        question=question,
        index=0,
        count=3,
        time_limit_ms=20000,
        remaining_ms=19000,
        answered=0,
        total=5,
    )
    state = frames.player_state(
        phase="question",
        player={"id": 1, "nickname": "A", "token_hash": "secret"},
        score=0,
        rank=1,
        count=1,
        streak=0,
        host_connected=True,
        question=player,
        your_answer=None,
        reveal=None,
        finished=None,
    )
    for frame in (player, host, state):
        assert not frames.ANSWER_KEYS & set(_keys(frame)), frame
        assert json.loads(json.dumps(frame)) == frame
    assert "token_hash" not in json.dumps(state)
    # The order question goes out in the stored (shuffled) order, not the answer's.
    assert [c["id"] for c in player["choices"]] == [c["id"] for c in question["choices"]]


def test_the_year_guess_frame_gives_the_range():
    frame = frames.question_player(
        question=QUESTIONS["year_guess"], index=0, count=1, time_limit_ms=1, remaining_ms=1
    )
    assert (frame["year_min"], frame["year_max"], frame["choices"]) == (1947, 1988, [])


def test_reveals_carry_the_answer_and_only_listed_event_fields():
    question = QUESTIONS["choice"]
    host = frames.reveal_host(
        question=question, distribution={1: 3, 2: 1}, answered=4, total=5, correct_count=3
    )
    assert host["correct_choice_ids"] == [1]
    assert host["distribution"] == {"1": 3, "2": 1}
    assert "secret" not in host["event"]
    player = frames.reveal_player(
        question=QUESTIONS["year_guess"],
        fields={"your_year": 1965, "correct": False, "points": 900, "token": "x"},
    )
    assert player["correct_year"] == 1966 and player["your_year"] == 1965
    assert "token" not in player


def test_errors_and_replies_have_the_contracts_shape():
    assert frames.error(code="bad_json", message="m", seq=3) == {
        "type": "error",
        "code": "bad_json",
        "message": "m",
        "seq": 3,
    }
    assert frames.pong(ref=None) == {"type": "pong", "ref": None}
    assert frames.lobby(pin="123456", join_url="/play/123456/", players=[], locked=False) == {
        "type": "lobby",
        "pin": "123456",
        "join_url": "/play/123456/",
        "players": [],
        "locked": False,
        "join_gate": None,
    }


def test_the_join_gate_goes_only_into_host_frames_and_as_declared():
    shown = {"shapes": ["circle", "square", "circle", "triangle"], "changes_in_ms": 12_345}
    lobby = frames.lobby(pin="1", join_url="/", players=[], locked=False, join_gate=shown)
    assert lobby["join_gate"] == shown
    assert frames.options(options={"join_gate": True}, join_gate=shown)["join_gate"] == shown
    assert frames.join_gate(shown=shown, seq=4) == {"type": "join_gate", **shown, "seq": 4}
    # The phone's frames have no place for it: their builders take no such argument.
    for builder in (frames.joined, frames.player_state, frames.error):
        assert "join_gate" not in builder.__code__.co_varnames

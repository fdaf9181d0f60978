"""Property: for any mix of valid and invalid answers (or joins) stored as one group,
exactly the valid ones are stored and acknowledged, each invalid one gets its own error,
whatever it is: a bad value, a late or second answer, a failure while scoring it, a
constraint it breaks at insert.

Hypothesis draws the group; each example plays it against a fresh game through
`answers.answers_store` and `players.players_join` (the functions the consumers'
group commits call), and compares with what the rules say of each item on its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classroom import scoring
from classroom.models import Answer, Game, Player
from classroom.services import answers, phases, players
from classroom.services.answers import Submission
from tests.classroom.conftest import build_quiz
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db(transaction=True)

PLAYERS = 5
# Answers stamped this many ms after the question opened meet a scoring bug.
BUG_MS = 1234
_quizzes = itertools.count()

# --- answers -------------------------------------------------------------------------

ANSWER_KINDS = (
    "right",
    "wrong",
    "unknown_choice",
    "other_question",
    "late",
    "huge",
    "out_of_range",
    "missing",
    "scoring_bug",
    "conflict",
    "stranger",
)


@dataclass(frozen=True)
class Item:
    slot: int
    kind: str


answer_groups = st.lists(
    st.builds(Item, st.integers(0, PLAYERS - 1), st.sampled_from(ANSWER_KINDS)),
    min_size=1,
    max_size=12,
)


def _value(question: dict, kind: str) -> dict:
    """The answer fields of an item of `kind` for `question`."""
    qkind = question["kind"]
    ids = [c["id"] for c in question["choices"]]
    if qkind == "year_guess":
        year = question["answer_year"]
        return {
            "right": {"year": year},
            "wrong": {"year": year + 3},
            "unknown_choice": {"year": question["year_max"] + 1},
            "huge": {"year": 10**400},
            "out_of_range": {"year": question["year_min"] - 1},
            "missing": {"choice_id": 1},
        }.get(kind, {"year": year})
    if qkind == "order":
        right = list(question["correct_choice_ids"])
        return {
            "right": {"choice_ids": tuple(right)},
            "wrong": {"choice_ids": tuple(reversed(right))},
            "unknown_choice": {"choice_ids": (*right[:-1], 10**9)},
            "huge": {"choice_ids": (10**400, *right[1:])},
            "out_of_range": {"choice_ids": tuple(right[:-1])},
            "missing": {"choice_id": right[0]},
        }.get(kind, {"choice_ids": tuple(right)})
    right = question["correct_choice_ids"][0]
    return {
        "right": {"choice_id": right},
        "wrong": {"choice_id": next(i for i in ids if i != right)},
        "unknown_choice": {"choice_id": 10**9},
        "huge": {"choice_id": 10**400},
        "out_of_range": {"choice_id": -1},
        "missing": {"year": 1966},
    }.get(kind, {"choice_id": right})


def _open_game(teacher, kind: str) -> tuple[Game, list[Player]]:
    quiz = build_quiz(slug=f"group-{next(_quizzes)}", kinds=(kind, "choice"))
    game = phases.game_create(quiz=quiz, host=teacher)
    results = players.players_join(
        game_id=game.pk, nicknames=[f"Player {i}" for i in range(PLAYERS)]
    )
    phases.game_start(game_id=game.pk)
    return Game.objects.get(pk=game.pk), [r.player for r in results]


def _refusal(question_kind: str, kind: str) -> str | None:
    """The error code an answer of `kind` gets for its value alone (None if valid)."""
    if kind in ("unknown_choice", "huge", "out_of_range"):
        if question_kind == "year_guess":
            return "bad_field"
        return "unknown_choice"
    return None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=answer_groups, kind=st.sampled_from(["choice", "true_false", "order", "year_guess"]))
def test_exactly_the_valid_answers_of_a_group_are_stored_and_acknowledged(teacher, items, kind):
    game, players = _open_game(teacher, kind)
    question = game.questions[0]
    started = game.question_started_at
    limit = question["time_limit_ms"]
    submissions = []
    for item in items:
        after = {"late": limit + 500, "scoring_bug": BUG_MS}.get(item.kind, 1000)
        player_id = -1 if item.kind == "stranger" else players[item.slot].pk
        question_id = game.questions[1 if item.kind == "other_question" else 0]["id"]
        submissions.append(
            Submission(
                player_id=player_id,
                question_id=question_id,
                arrived_at=started + timedelta(milliseconds=after),
                **_value(question, item.kind),
            )
        )
    conflicted: set[int] = set()
    real_score = scoring.score_answer
    real_insert_rows = answers._insert_rows

    def scoring_bug(**kwargs):
        if kwargs["elapsed_ms"] == BUG_MS:
            raise ArithmeticError("a bug one answer meets")
        return real_score(**kwargs)

    def another_writer_first(rows, errors):
        # Rows another writer stored after this group looked: the group's INSERT
        # breaks the one-answer-per-question constraint for those players.
        for at, row in rows:
            if items[at].kind == "conflict":
                conflicted.add(row.player_id)
                Answer.objects.create(
                    game_id=game.pk,
                    player_id=row.player_id,
                    question_index=row.question_index,
                    question_id=row.question_id,
                    elapsed_ms=1,
                )
        return real_insert_rows(rows, errors)

    with (
        mock.patch.object(scoring, "score_answer", scoring_bug),
        mock.patch.object(answers, "_insert_rows", another_writer_first),
    ):
        results, _close = answers.answers_store(game_id=game.pk, submissions=submissions)

    # The rules, item by item: a value refused for itself, else the player's first
    # answer of the group counts, unless it is late, meets the bug or a prior row.
    expected: list[str | None] = []
    answered: set[int] = set()
    for item in items:
        code = {"stranger": "not_joined", "other_question": "question_closed"}.get(item.kind)
        if code is None and item.kind == "missing":
            code = "bad_field"
        if code is None:
            code = _refusal(kind, item.kind)
        if code is None and item.slot in answered:
            code = "already_answered"
        if code is None and item.kind == "late":
            code = "question_closed"
        elif code is None and item.kind == "scoring_bug":
            code = "server_error"
        elif code is None:
            # This answer makes the player's row; a conflict finds another's there.
            answered.add(item.slot)
            code = "already_answered" if item.kind == "conflict" else None
        expected.append(code)
    assert [r.error.code if r.error else None for r in results] == expected
    stored = set(
        Answer.objects.filter(game=game, question_index=0)
        .exclude(player_id__in=conflicted)
        .values_list("player_id", flat=True)
    )
    valid = {players[i.slot].pk for i, code in zip(items, expected, strict=True) if code is None}
    assert stored == valid
    assert Answer.objects.filter(game=game).count() == len(valid) + len(conflicted)


# --- joins ---------------------------------------------------------------------------

JOIN_KINDS = ("fresh", "taken", "repeat", "empty", "too_long", "invisible", "naming_bug", "token")


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=st.lists(st.sampled_from(JOIN_KINDS), min_size=1, max_size=12))
def test_exactly_the_valid_joins_of_a_group_are_stored_and_acknowledged(teacher, kinds):
    quiz = build_quiz(slug=f"joins-{next(_quizzes)}", kinds=("choice",))
    game = phases.game_create(quiz=quiz, host=teacher)
    early, early_token = player_join(game_id=game.pk, nickname="Early")
    names, expected = [], []
    fresh = itertools.count()
    seen: set[str] = set()
    for kind in kinds:
        name = {
            "taken": "early",
            "repeat": "Repeat",
            "empty": "",
            "too_long": "x" * 31,
            "invisible": "\u200b\u200b",
            "naming_bug": f"Bug {next(fresh)}",
            "token": f"Token {next(fresh)}",
        }.get(kind, f"Fresh {next(fresh)}")
        names.append(name)
        if kind in ("empty", "too_long", "invisible"):
            expected.append("nickname_invalid")
        elif kind == "taken" or name in seen:
            expected.append("nickname_taken")
        elif kind == "naming_bug":
            expected.append("server_error")
        elif kind == "token":
            expected.append("try_again")
        else:
            expected.append(None)
        seen.add(name)
    real_offensive = players.is_offensive
    real_token = players.secrets.token_urlsafe
    # Tokens are drawn for the names that pass every check before the insert.
    tokens = iter(
        [
            early_token if kind == "token" else None
            for kind, code in zip(kinds, expected, strict=True)
            if code in (None, "try_again")
        ]
    )

    def naming_bug(name):
        if name.startswith("Bug "):
            raise LookupError("a bug one name meets")
        return real_offensive(name)

    def token(nbytes):
        # A name of kind "token" draws a token a player already holds.
        return next(tokens, None) or real_token(nbytes)

    with (
        mock.patch.object(players, "is_offensive", naming_bug),
        mock.patch.object(players.secrets, "token_urlsafe", token),
    ):
        results = players.players_join(game_id=game.pk, nicknames=names)
    assert [r.error.code if r.error else None for r in results] == expected
    joined = [r.player.nickname for r in results if r.player is not None]
    assert joined == [n for n, code in zip(names, expected, strict=True) if code is None]
    stored = set(
        Player.objects.filter(game=game).exclude(pk=early.pk).values_list("nickname", flat=True)
    )
    assert stored == set(joined)
    assert all(r.token for r in results if r.player is not None)

"""Snapshots built from the database alone (docs/protocol.md, Part 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from classroom import selectors
from classroom.models import Game
from classroom.services import phases
from tests.classroom.conftest import correct_choice
from tests.classroom.helpers import (
    answers_submit,
    game_recomputed_totals,
    player_join,
    player_snapshot,
    submission,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _answer(game_id, player, choice_id, after_ms=2000):
    game = Game.objects.get(pk=game_id)
    answers_submit(
        game_id=game_id, submissions=[submission(game, player, choice_id, after_ms=after_ms)]
    )


def test_a_player_snapshot_mid_question_has_the_remaining_time_and_my_answer(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    phases.game_start(game_id=game.pk)
    Game.objects.filter(pk=game.pk).update(
        question_started_at=timezone.now() - timedelta(seconds=5)
    )
    state = player_snapshot(player=ayesha)
    assert state["phase"] == "question" and state["your_answer"] is None
    assert 14_000 < state["question"]["remaining_ms"] <= 15_000
    assert state["seq"] == Game.objects.get(pk=game.pk).player_seq
    right = correct_choice(game, 0)
    _answer(game.pk, ayesha, right)
    state = player_snapshot(player=ayesha)
    assert state["your_answer"] == {
        "question_id": state["question"]["question_id"],
        "choice_id": right,
    }
    assert state["score"] == 0  # points show at the reveal, not before
    assert state["host_connected"] is False


def test_a_player_snapshot_after_the_close_has_my_reveal(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    phases.game_start(game_id=game.pk)
    _answer(game.pk, ayesha, correct_choice(game, 0))
    phases.question_close(game_id=game.pk, expected_index=0, reason="host")
    phases.game_scoreboard(game_id=game.pk)
    mine = player_snapshot(player=ayesha)
    assert mine["phase"] == "scoreboard" and mine["question"] is None
    assert mine["reveal"]["correct"] is True and mine["reveal"]["points"] == 950
    assert (mine["score"], mine["rank"], mine["count"], mine["streak"]) == (950, 1, 2, 1)
    theirs = player_snapshot(player=bilal)
    assert theirs["reveal"]["your_choice_id"] is None and theirs["rank"] == 2


def test_a_finished_snapshot_has_the_result(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    phases.game_start(game_id=game.pk)
    phases.game_end(game_id=game.pk)
    state = player_snapshot(player=ayesha)
    assert state["phase"] == "finished"
    assert state["finished"] == {"rank": 1, "score": 0, "count": 1}


def test_the_host_snapshot_follows_the_game(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    lobby = selectors.host_lobby(game=game, base_url="http://school.test")
    assert lobby["players"] == [{"id": ayesha.pk, "nickname": "Ayesha", "extra_time_s": 0}]
    assert lobby["join_url"] == f"http://school.test/play/{game.pin}/"
    state = selectors.host_snapshot(game=game)
    assert state["phase"] == "lobby" and state["question"] is None
    assert state["allowed_actions"] == ["end", "start"]
    phases.game_start(game_id=game.pk)
    state = selectors.host_snapshot(game=game)
    assert state["question"]["answered"] == 0 and state["question"]["total"] == 1
    assert "correct_choice_ids" not in state["question"]
    _answer(game.pk, ayesha, correct_choice(game, 0))  # the only player: closes
    state = selectors.host_snapshot(game=game)
    assert state["phase"] == "reveal"
    assert state["reveal"]["correct_count"] == 1
    assert state["top"][0]["nickname"] == "Ayesha"
    phases.game_end(game_id=game.pk)
    state = selectors.host_snapshot(game=game)
    assert state["podium"][0]["player_id"] == ayesha.pk
    assert state["report_url"] == f"/host/{game.pin}/report/"


def test_recomputed_totals_leave_out_the_open_questions_answers(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    phases.game_start(game_id=game.pk)
    _answer(game.pk, ayesha, correct_choice(game, 0))
    game.refresh_from_db()
    assert game.phase == "question"
    # Stored, not yet scored: the Player row and the recomputation both say 0.
    assert game_recomputed_totals(game=game)[ayesha.pk].score == 0
    ayesha.refresh_from_db()
    assert ayesha.score == 0
    phases.question_close(game_id=game.pk, expected_index=0, reason="host")
    game.refresh_from_db()
    ayesha.refresh_from_db()
    assert game_recomputed_totals(game=game)[ayesha.pk].score == ayesha.score == 950

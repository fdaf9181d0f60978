"""Stored answers alone reproduce every player's running totals."""

from datetime import timedelta

import pytest

from classroom.game_setup import GameSetup
from classroom.models import Game, Player
from classroom.services import answers, phases, players
from tests.classroom.conftest import correct_choice, wrong_choice
from tests.classroom.helpers import answers_submit, game_recomputed_totals, player_join

pytestmark = pytest.mark.django_db(transaction=True)


def answer(game: Game, player: Player, index: int, choice_id: int, after_ms: int) -> None:
    game.refresh_from_db()
    question = game.questions[index]
    (result,) = answers_submit(
        game_id=game.pk,
        submissions=[
            answers.Submission(
                player_id=player.pk,
                question_id=question["id"],
                arrived_at=game.question_started_at + timedelta(milliseconds=after_ms),
                choice_id=choice_id,
            )
        ],
    )
    assert result.ok, result.error


def play(game: Game) -> tuple[Player, Player, Player]:
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    chen, _ = player_join(game_id=game.pk, nickname="Chen")
    players.player_set_extra_time(game_id=game.pk, player_id=chen.pk, seconds=10)
    phases.game_start(game_id=game.pk)
    for index in range(2):
        answer(game, ayesha, index, correct_choice(game, index), after_ms=1500)
        answer(game, chen, index, correct_choice(game, index), after_ms=12_000)
        if index == 0:
            answer(game, bilal, index, wrong_choice(game, index), after_ms=800)
        game.refresh_from_db()
        if game.phase == Game.Phase.QUESTION:
            phases.question_close(game_id=game.pk, expected_index=index, reason="host")
        phases.game_next(game_id=game.pk)
    return ayesha, bilal, chen


def test_recomputed_totals_equal_the_running_scores(game):
    play(game)
    game.refresh_from_db()
    totals = game_recomputed_totals(game=game)
    players = list(Player.objects.filter(game=game))
    assert len({p.score for p in players}) == 3
    for player in players:
        assert totals[player.pk].score == player.score
        assert totals[player.pk].streak == player.streak
        assert totals[player.pk].correct_count == player.correct_count


def test_recomputation_catches_a_tampered_score(game):
    ayesha, _, _ = play(game)
    Player.objects.filter(pk=ayesha.pk).update(score=1)
    game.refresh_from_db()
    assert game_recomputed_totals(game=game)[ayesha.pk].score != 1


def test_recomputation_follows_the_accuracy_only_option(quiz, teacher):
    game = phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(accuracy_only=True))
    ayesha, _, _ = play(game)
    game.refresh_from_db()
    totals = game_recomputed_totals(game=game)
    ayesha.refresh_from_db()
    # Accuracy only: 1000 a correct answer, +100 streak bonus on the second.
    assert ayesha.score == totals[ayesha.pk].score == 2100

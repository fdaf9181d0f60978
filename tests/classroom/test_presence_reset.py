"""Start-up forgets the presence a killed server never cleared."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from classroom.models import Game, Player
from classroom.services import answers, phases, players
from tests.classroom.helpers import answers_submit, player_join

pytestmark = pytest.mark.django_db


def test_reset_presence_marks_players_and_projectors_of_running_games_away(quiz, teacher):
    running = phases.game_create(quiz=quiz, host=teacher)
    ended = phases.game_create(quiz=quiz, host=teacher)
    player_join(game_id=running.pk, nickname="Ayesha")
    player_join(game_id=ended.pk, nickname="Bilal")
    Game.objects.filter(pk=running.pk).update(host_connection="old-socket")
    Game.objects.filter(pk=ended.pk).update(host_connection="kept", ended_at=timezone.now())
    out = StringIO()

    call_command("reset_presence", stdout=out)

    assert not Player.objects.get(game=running).connected
    assert Game.objects.get(pk=running.pk).host_connection == ""
    # Ended games are history: left as they were.
    assert Player.objects.get(game=ended).connected
    assert Game.objects.get(pk=ended.pk).host_connection == "kept"
    assert "1 players and 1 projectors marked away" in out.getvalue()


def test_after_a_reset_the_first_answer_of_the_only_returning_player_closes_the_question(
    quiz, teacher
):
    game = phases.game_create(quiz=quiz, host=teacher)
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    phases.game_start(game_id=game.pk)
    players.presence_reset()
    players.player_connected(player_id=ayesha.pk)
    game.refresh_from_db()
    question = game.questions[0]
    (result,) = answers_submit(
        game_id=game.pk,
        submissions=[
            answers.Submission(
                player_id=ayesha.pk,
                question_id=question["id"],
                arrived_at=timezone.now(),
                choice_id=question["correct_choice_ids"][0],
            )
        ],
    )
    assert result.ok
    game.refresh_from_db()
    # Bilal's socket died with the old server: he no longer holds the question open.
    assert game.phase == Game.Phase.REVEAL

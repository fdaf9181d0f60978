"""A clever student with a script against homework, practice, progress, teams and the
language switch: each attack of docs/security.md ("Homework and practice") by hand."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from classroom import practice
from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Answer, Game
from classroom.services import homework, phases
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_practice_drafts():
    # The drafts are kept per game id for the process; rolled-back tests reuse ids.
    practice._drafts_by_game.clear()
    yield
    practice._drafts_by_game.clear()


def _homework(quiz, teacher) -> Game:
    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1))
    return phases.game_create(quiz=quiz, host=teacher, setup=setup)


def _practice(client, pin, **body):
    return client.post(
        f"/play/{pin}/practice/api/", json.dumps(body), content_type="application/json"
    )


def _round_ids(client, pin, token) -> list[int]:
    response = _practice(client, pin, type="practice_round", token=token)
    assert response.status_code == 200
    return [q["question_id"] for q in response.json()["questions"]]


def _key_of(client, pin, token, question_id) -> list[int] | None:
    """The key the practice API tells for `question_id`, if the round holds it."""
    ids = _round_ids(client, pin, token)
    if question_id not in ids:
        return None
    index = ids.index(question_id)
    game = Game.objects.get(pin=pin)
    question = next(q for q in game.questions if q["id"] == question_id)
    any_choice = question["choices"][0]["id"]
    response = _practice(
        client, pin, type="practice_answer", token=token, index=index, choice_id=any_choice
    )
    return response.json().get("correct_choice_ids")


def test_the_practice_round_never_holds_the_live_question_still_open(client, game):
    """A student opens the practice API mid-question: the open question, unanswered, was
    in their round of 'missed' questions, and its practice answer told the key."""
    _, token = player_join(game_id=game.pk, nickname="Ayesha")
    phases.game_start(game_id=game.pk)
    game.refresh_from_db()
    open_id = game.questions[game.question_index]["id"]
    assert _key_of(client, game.pin, token, open_id) is None
    # Once it is closed (revealed to everyone) it is practice material as before.
    phases.question_close(game_id=game.pk, expected_index=game.question_index, reason="host")
    assert _key_of(client, game.pin, token, open_id) == game.questions[0]["correct_choice_ids"]


def test_the_practice_round_never_holds_a_homework_players_open_question(client, quiz, teacher):
    """The same in a homework: the player's own open question is not in their round
    until they answered it or its time ran out."""
    game = _homework(quiz, teacher)
    player, token = player_join(game_id=game.pk, nickname="Bilal")
    [question], _ = homework.player_next(player_id=player.pk)
    assert _key_of(client, game.pin, token, question["question_id"]) is None
    player.refresh_from_db()
    player.paced_deadline = timezone.now() - timedelta(seconds=1)
    player.save(update_fields=["paced_deadline"])
    # Time ran out for them: it is over for this player, so it may be practised.
    assert _key_of(client, game.pin, token, question["question_id"]) is not None
    assert not Answer.objects.filter(player=player).exists()

"""A clever student with a script against homework, practice, progress, teams and the
language switch: each attack of docs/security.md ("Homework and practice") by hand."""

import json
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.utils import timezone

from classroom import practice
from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Answer, Game, Player
from classroom.services import homework, phases
from tests.classroom.conftest import correct_choice, join
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


def _round(client, pin, token):
    return _practice(client, pin, type="practice_round", token=token)


def _round_ids(client, pin, token) -> list[int]:
    response = _round(client, pin, token)
    assert response.status_code == 200
    return [q["question_id"] for q in response.json()["questions"]]


def _refused_until_over(client, pin, token) -> None:
    refused = _round(client, pin, token)
    assert refused.status_code == 400 and refused.json()["code"] == "wrong_phase"
    answer = {"type": "practice_answer", "token": token, "index": 0, "choice_id": 1}
    assert _practice(client, pin, **answer).json()["code"] == "wrong_phase"


def test_practice_waits_for_the_end_of_a_live_game(client, game):
    """A student opens the practice API mid-question: the open question, unanswered, was
    in their round of 'missed' questions and its practice answer told the key; a closed
    one's practice reveal showed its event, which a later question may ask about."""
    _, token = player_join(game_id=game.pk, nickname="Ayesha")
    phases.game_start(game_id=game.pk)
    game.refresh_from_db()
    open_id = game.questions[game.question_index]["id"]
    _refused_until_over(client, game.pin, token)
    phases.question_close(game_id=game.pk, expected_index=game.question_index, reason="host")
    _refused_until_over(client, game.pin, token)
    phases.game_end(game_id=game.pk)
    assert open_id in _round_ids(client, game.pin, token)


def test_practice_waits_until_a_homework_player_is_past_their_last_question(client, quiz, teacher):
    game = _homework(quiz, teacher)
    player, token = player_join(game_id=game.pk, nickname="Bilal")
    _refused_until_over(client, game.pin, token)
    for _ in game.questions:
        [question], _ = homework.player_next(player_id=player.pk)
        _refused_until_over(client, game.pin, token)
        # Their time runs out unanswered: over for them, the next one still ahead.
        Player.objects.filter(pk=player.pk).update(
            paced_deadline=timezone.now() - timedelta(seconds=1)
        )
    # Past the last question: every one of them is practice material.
    ids = _round_ids(client, game.pin, token)
    assert question["question_id"] in ids
    assert {q["id"] for q in game.questions} <= set(ids)
    assert not Answer.objects.filter(player=player).exists()


def test_the_practice_api_refuses_another_games_pin_a_kicked_player_and_a_huge_body(
    client, quiz, teacher
):
    game = _homework(quiz, teacher)
    other = _homework(quiz, teacher)
    player, token = player_join(game_id=game.pk, nickname="Chen")
    phases.game_end(game_id=game.pk)
    assert _practice(client, game.pin, type="practice_round", token=token).status_code == 200
    # A real token under another running game's PIN finds nobody there.
    assert _practice(client, other.pin, type="practice_round", token=token).status_code == 404
    huge = {"type": "practice_round", "token": token, "pad": "x" * 5000}
    response = _practice(client, game.pin, **huge)
    assert response.status_code == 400 and response.json()["code"] == "bad_field"
    for index in (10**400, 2**63, 1.0, "0", [0], None):
        body = {"type": "practice_answer", "token": token, "index": index, "choice_id": 1}
        assert _practice(client, game.pin, **body).status_code == 400, index
    player.kicked = True
    player.save(update_fields=["kicked"])
    assert _practice(client, game.pin, type="practice_round", token=token).status_code == 404


def test_the_practice_api_needs_the_pages_csrf_token(quiz, teacher):
    """Another site's page cannot make a student's browser post to it."""
    game = _homework(quiz, teacher)
    _, token = player_join(game_id=game.pk, nickname="Dana")
    strict = Client(enforce_csrf_checks=True)
    body = json.dumps({"type": "practice_round", "token": token})
    refused = strict.post(f"/play/{game.pin}/practice/api/", body, content_type="text/plain")
    assert refused.status_code == 403


@pytest.mark.django_db(transaction=True)
async def test_next_again_and_again_shows_no_question_ahead_and_a_skipped_one_stays_closed(
    quiz, teacher
):
    """A student sends `next` in a loop to see the questions without answering, then
    tries to answer the one they skipped once they have the next."""
    game = await database_sync_to_async(_homework)(quiz, teacher)
    socket, _ = await join(game.pin, "Esra")
    await socket.send({"type": "next"})
    first = await socket.expect("question")
    for _ in range(5):
        await socket.send({"type": "next"})
        assert (await socket.expect("error"))["code"] == "wrong_phase"
    # A question never sent to them is closed to them, whatever its id.
    questions = (await database_sync_to_async(Game.objects.get)(pk=game.pk)).questions
    ahead = questions[2]
    await socket.send(
        {"type": "answer", "question_id": ahead["id"], "choice_id": ahead["choices"][0]["id"]}
    )
    assert (await socket.expect("error"))["code"] == "question_closed"
    # Their time runs out: they move on, and the skipped question stays closed.
    await database_sync_to_async(Player.objects.filter(nickname="Esra").update)(
        paced_deadline=timezone.now() - timedelta(seconds=1)
    )
    await socket.send({"type": "next"})
    second = await socket.expect("question")
    assert second["index"] == 1
    right = await database_sync_to_async(correct_choice)(game, 0)
    await socket.send({"type": "answer", "question_id": first["question_id"], "choice_id": right})
    assert (await socket.expect("error"))["code"] == "question_closed"
    stored = await database_sync_to_async(Answer.objects.filter(player__nickname="Esra").count)()
    assert stored == 0
    await socket.disconnect()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example/phish",
        "https:evil.example",
        " https://evil.example",
        "javascript:alert(1)",
        "http://localhost.evil.example/",
    ],
)
def test_the_language_switch_sends_no_browser_to_another_site_by_next_or_referer(client, target):
    response = client.post(
        "/i18n/setlang/", {"language": "ur", "next": target}, HTTP_REFERER=target
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil" not in location and "javascript" not in location


@pytest.mark.parametrize("code", ["ur\x00", "UR ", "x" * 10_000, "ur-pk;q=1", "../ur"])
def test_the_language_switch_stores_no_made_up_code(client, code):
    response = client.post("/i18n/setlang/", {"language": code, "next": "/play/"})
    assert response.status_code in (302, 400)
    assert "django_language" not in response.cookies


def test_a_student_cannot_open_the_homework_progress_page(client, quiz, teacher):
    """The progress page lists every student's score: a phone (no login) is sent to
    the login page and sees no name."""
    game = _homework(quiz, teacher)
    player_join(game_id=game.pk, nickname="Zainab")
    response = client.get(f"/host/{game.pin}/homework/")
    assert response.status_code == 302 and "/login" in response["Location"]
    followed = client.get(f"/host/{game.pin}/homework/", follow=True)
    assert "Zainab" not in followed.content.decode()

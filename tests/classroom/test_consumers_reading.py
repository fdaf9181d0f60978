"""Reading time over websockets (docs/protocol.md, "Reading time"): each question is
shown for `reading_s` before it takes answers; earlier answers are `too_early`, and the
time limit, the remaining time and the points count from the end of reading."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from classroom.game_setup import GameSetup
from classroom.models import Answer, Game, Player
from classroom.services import answers, phases, players
from tests.classroom.conftest import correct_choice, host_socket, join, player_socket
from tests.classroom.helpers import player_join, player_snapshot

pytestmark = pytest.mark.django_db(transaction=True)

READING_S = 1


@pytest.fixture
def reading_game(quiz, teacher) -> Game:
    return phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(reading_s=READING_S))


def _answers_stored(game_id: int) -> int:
    return Answer.objects.filter(game_id=game_id).count()


async def test_the_question_frames_carry_the_reading_time_and_limits_that_start_after_it(
    reading_game, teacher
):
    host = await host_socket(reading_game, teacher)
    phone, _ = await join(reading_game.pin, "Ayesha")
    await host.send({"type": "start"})
    shown = await host.until("question")
    asked = await phone.until("question")
    for frame in (shown, asked):
        assert frame["reading_ms"] == frame["answerable_in_ms"] == READING_S * 1000
        assert frame["time_limit_ms"] == 20_000
        assert frame["prompt"] and len(frame["choices"]) == 3
    assert asked["remaining_ms"] == 20_000 and shown["remaining_ms"] == 20_000
    game = await database_sync_to_async(Game.objects.get)(pk=reading_game.pk)
    # The deadline is the end of reading plus the limit: the timer closes it there.
    assert game.question_deadline - game.question_started_at == timedelta(seconds=20)
    assert timedelta(0) < game.question_started_at - timezone.now() <= timedelta(seconds=1)
    for socket in (host, phone):
        await socket.disconnect()


async def test_a_game_without_reading_time_sends_no_reading_fields(game, teacher):
    host = await host_socket(game, teacher)
    phone, _ = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    for frame in (await host.until("question"), await phone.until("question")):
        assert "reading_ms" not in frame and "answerable_in_ms" not in frame
    for socket in (host, phone):
        await socket.disconnect()


async def test_an_answer_during_reading_is_too_early_and_changes_nothing_then_one_after_counts(
    reading_game, teacher
):
    host = await host_socket(reading_game, teacher)
    ayesha, _ = await join(reading_game.pin, "Ayesha")
    bilal, _ = await join(reading_game.pin, "Bilal")
    await host.send({"type": "start"})
    question = await host.until("question")
    await ayesha.until("question")
    await bilal.until("question")
    right = await database_sync_to_async(correct_choice)(reading_game, 0)
    answer = {"type": "answer", "question_id": question["question_id"], "choice_id": right}

    await ayesha.send(answer)
    refused = await ayesha.expect("error")
    assert refused["code"] == "too_early"
    assert await database_sync_to_async(_answers_stored)(reading_game.pk) == 0
    # The projector's count did not move: nothing reached the answer group.
    assert await host.nothing(0.2)

    await asyncio.sleep(READING_S + 0.05)
    await ayesha.send(answer)
    await ayesha.expect("answer_received")
    await bilal.send(answer)
    await bilal.expect("answer_received")
    reveal = await ayesha.until("reveal")
    # Answered right after reading ended: the points' clock had only just started.
    assert reveal["correct"] and reveal["points"] >= 950
    for socket in (host, ayesha, bilal):
        await socket.disconnect()


def _open_with_reading(game_id: int) -> tuple[str, int]:
    _ayesha, token = player_join(game_id=game_id, nickname="Ayesha")
    phases.game_start(game_id=game_id)
    game = Game.objects.get(pk=game_id)
    return token, game.questions[0]["id"]


async def test_a_resume_during_reading_shows_the_reading_time_left_and_the_whole_limit(
    reading_game,
):
    token, _ = await database_sync_to_async(_open_with_reading)(reading_game.pk)
    await asyncio.sleep(0.3)
    phone = await player_socket(reading_game.pin)
    await phone.send({"type": "resume", "token": token})
    question = (await phone.expect("joined"))["state"]["question"]
    assert question["reading_ms"] == 1000
    assert 0 < question["answerable_in_ms"] <= 700
    assert question["remaining_ms"] == question["time_limit_ms"] == 20_000
    await phone.disconnect()


async def test_the_projector_snapshot_during_reading_shows_the_reading_time_left(
    reading_game, teacher
):
    await database_sync_to_async(_open_with_reading)(reading_game.pk)
    await asyncio.sleep(0.3)
    host = await host_socket(reading_game, teacher)
    await host.expect("lobby")
    question = (await host.expect("state"))["question"]
    assert 0 < question["answerable_in_ms"] <= 700
    assert question["remaining_ms"] == 20_000
    await host.disconnect()


async def test_a_snapshot_after_reading_counts_the_time_left_from_its_end(reading_game):
    token, _ = await database_sync_to_async(_open_with_reading)(reading_game.pk)
    await asyncio.sleep(READING_S + 0.3)
    phone = await player_socket(reading_game.pin)
    await phone.send({"type": "resume", "token": token})
    question = (await phone.expect("joined"))["state"]["question"]
    assert question["answerable_in_ms"] == 0
    assert 19_000 <= question["remaining_ms"] <= 19_800
    await phone.disconnect()


def test_the_stored_answer_check_refuses_an_answer_stamped_during_reading(reading_game):
    """After a restart this process never saw the question's broadcast: the group's own
    check, from the stored end of reading, still refuses the early answer alone."""
    ayesha, _ = player_join(game_id=reading_game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=reading_game.pk, nickname="Bilal")
    phases.game_start(game_id=reading_game.pk)
    game = Game.objects.get(pk=reading_game.pk)
    question = game.questions[0]
    early = answers.Submission(
        player_id=ayesha.pk,
        question_id=question["id"],
        arrived_at=game.question_started_at - timedelta(milliseconds=100),
        choice_id=question["correct_choice_ids"][0],
    )
    on_time = answers.Submission(
        player_id=bilal.pk,
        question_id=question["id"],
        arrived_at=game.question_started_at + timedelta(milliseconds=100),
        choice_id=question["correct_choice_ids"][0],
    )
    results, _ = answers.answers_store(game_id=game.pk, submissions=[early, on_time])
    assert results[0].error is not None and results[0].error.code == "too_early"
    assert results[1].ok
    stored = Answer.objects.get(game=game)
    assert stored.player_id == bilal.pk and stored.elapsed_ms == 100


def test_extra_time_comes_on_top_of_the_reading_time(reading_game):
    ayesha, _ = player_join(game_id=reading_game.pk, nickname="Ayesha")
    players.player_set_extra_time(game_id=reading_game.pk, player_id=ayesha.pk, seconds=10)
    phases.game_start(game_id=reading_game.pk)
    game = Game.objects.get(pk=reading_game.pk)
    assert game.question_deadline - game.question_started_at == timedelta(seconds=30)
    question = player_snapshot(player=Player.objects.get(pk=ayesha.pk))["question"]
    assert question["time_limit_ms"] == question["remaining_ms"] == 30_000
    assert question["answerable_in_ms"] > 0

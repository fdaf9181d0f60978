"""Accommodations inside a live game, over websockets: the "accuracy only" option and a
player's extra time, as the projector sets and sees them (docs/protocol.md, Part 2)."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db.models import F

from classroom.models import Game
from classroom.services import phases
from tests.classroom.conftest import correct_choice, host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)


def _question_started_earlier(game_id: int, seconds: int) -> None:
    """As if the open question had gone out `seconds` earlier: the next answer's elapsed
    time grows by that much, with no test sleeping through it."""
    Game.objects.filter(pk=game_id).update(
        question_started_at=F("question_started_at") - timedelta(seconds=seconds)
    )


@pytest.mark.parametrize("accuracy_only", [True, False])
async def test_accuracy_only_scores_a_fast_and_a_slow_right_answer_the_same(
    quiz, teacher, accuracy_only
):
    game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher)
    host = await host_socket(game, teacher)
    ayesha, _ = await join(game.pin, "Ayesha")
    bilal, _ = await join(game.pin, "Bilal")
    # Set from the projector, as the lobby's checkbox does.
    await host.send({"type": "set_options", "accuracy_only": accuracy_only})
    assert (await host.until("options"))["options"]["accuracy_only"] is accuracy_only
    await host.send({"type": "start"})
    question = await host.until("question")
    assert question["time_limit_ms"] == 20_000
    right = await database_sync_to_async(correct_choice)(game, 0)
    answer = {"type": "answer", "question_id": question["question_id"], "choice_id": right}

    await ayesha.until("question")
    await ayesha.send(answer)
    await ayesha.expect("answer_received")
    # Bilal answers half-way through the 20 s: worth 750 when speed counts.
    await database_sync_to_async(_question_started_earlier)(game.pk, 10)
    await bilal.until("question")
    await bilal.send(answer)
    await bilal.expect("answer_received")

    fast = await ayesha.until("reveal")
    slow = await bilal.until("reveal")
    assert fast["correct"] and slow["correct"]
    if accuracy_only:
        assert fast["points"] == slow["points"] == 1000
    else:
        # A few milliseconds of test machinery come on top of the 0 s and the 10 s.
        assert 990 <= fast["points"] <= 1000 and 740 <= slow["points"] <= 750
    for socket in (host, ayesha, bilal):
        await socket.disconnect()


async def test_a_reconnecting_projector_sees_each_players_extra_time_in_the_lobby(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, ayesha_joined = await join(game.pin, "Ayesha")
    bilal, _ = await join(game.pin, "Bilal")
    ayesha_id = ayesha_joined["player"]["id"]
    await host.send({"type": "extra_time", "player_id": ayesha_id, "seconds": 20})
    assert (await host.until("extra_time"))["seconds"] == 20
    await host.disconnect()

    again = await host_socket(game, teacher)
    lobby = await again.expect("lobby")
    assert [(p["nickname"], p["extra_time_s"]) for p in lobby["players"]] == [
        ("Ayesha", 20),
        ("Bilal", 0),
    ]
    # A lock redraws the roster: the extra time survives that too.
    await again.send({"type": "lock"})
    locked = await again.until("lobby")
    assert locked["locked"] is True
    assert {p["id"]: p["extra_time_s"] for p in locked["players"]}[ayesha_id] == 20
    for socket in (again, ayesha, bilal):
        await socket.disconnect()


async def test_a_phone_coming_back_to_the_lobby_is_announced_with_its_extra_time(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    await host.send({"type": "extra_time", "player_id": joined["player"]["id"], "seconds": 10})
    await host.until("extra_time")
    await ayesha.disconnect()
    assert (await host.until("player_left"))["player_id"] == joined["player"]["id"]

    back = await player_socket(game.pin)
    await back.send({"type": "resume", "token": joined["token"]})
    await back.expect("joined")
    announced = await host.until("player_joined")
    assert announced["resumed"] is True
    assert announced["player"]["extra_time_s"] == 10
    for socket in (host, back):
        await socket.disconnect()


async def test_extra_time_lets_one_player_answer_after_the_others_time_is_up(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, ayesha_joined = await join(game.pin, "Ayesha")
    bilal, _ = await join(game.pin, "Bilal")
    await host.send(
        {"type": "extra_time", "player_id": ayesha_joined["player"]["id"], "seconds": 10}
    )
    await host.until("extra_time")
    await host.send({"type": "start"})
    question = await host.until("question")
    assert question["time_limit_ms"] == 20_000
    await ayesha.until("question")
    await bilal.until("question")
    # 25 s into a 20 s question: Bilal's time is up, Ayesha has 5 s of her 30 s left.
    await database_sync_to_async(_question_started_earlier)(game.pk, 25)
    right = await database_sync_to_async(correct_choice)(game, 0)
    answer = {"type": "answer", "question_id": question["question_id"], "choice_id": right}

    await bilal.send(answer)
    assert (await bilal.expect("error"))["code"] == "question_closed"
    await ayesha.send(answer)
    await ayesha.expect("answer_received")
    await host.send({"type": "close_question"})
    mine = await ayesha.until("reveal")
    # Judged against her own 30 s: round(1000 × (1 − (25 / 30) / 2)) = 583.
    assert mine["correct"] and 580 <= mine["points"] <= 584
    for socket in (host, ayesha, bilal):
        await socket.disconnect()

"""Faults inside one server process, over websockets (issue 4).

A database error while storing answers, a player coming back (or opening a second
window), the projector dropping mid-question, and sockets that never join.
"""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from classroom import consumers
from classroom.hub import Hub
from classroom.models import Answer, Game, Player
from classroom.services import answers
from tests.classroom.conftest import correct_choice, host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _close(*sockets) -> None:
    for socket in sockets:
        await socket.disconnect()


def _set_time_limit(game_id: int, ms: int) -> None:
    game = Game.objects.get(pk=game_id)
    for question in game.questions:
        question["time_limit_ms"] = ms
    game.save(update_fields=["questions"])


async def _started(game, teacher, names):
    host = await host_socket(game, teacher)
    phones = []
    for name in names:
        phone, joined = await join(game.pin, name)
        phones.append((phone, joined))
    await host.send({"type": "start"})
    question = await host.until("question")
    for phone, _ in phones:
        await phone.until("question")
    return host, phones, question


class FailingOnce:
    """Raises a database error on the next `times` calls, then behaves."""

    def __init__(self, real, times: int) -> None:
        self.real = real
        self.left = times

    def __call__(self, *args, **kwargs):
        if self.left > 0:
            self.left -= 1
            raise OperationalError("database is locked")
        return self.real(*args, **kwargs)


@pytest.mark.parametrize("where", ["locking_the_game", "inserting_the_answers"])
async def test_a_database_error_storing_answers_is_try_again_never_an_ack_and_a_resend_stores_once(
    game, teacher, monkeypatch, where
):
    host, phones, question = await _started(game, teacher, ["Ayesha", "Bilal", "Chen"])
    right = await database_sync_to_async(correct_choice)(game, 0)
    if where == "locking_the_game":
        monkeypatch.setattr(answers, "lock_game", FailingOnce(answers.lock_game, 1))
    else:
        monkeypatch.setattr(answers, "_insert_answers", FailingOnce(answers._insert_answers, 1))
    frame = {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    # Two phones answer together: one batch, one failed transaction, two refusals.
    for phone, _ in phones[:2]:
        await phone.send(frame)
    for phone, _ in phones[:2]:
        error = await phone.expect("error")
        assert error["code"] == "try_again"
        assert await phone.nothing(0.2)  # no answer_received after it
    assert await database_sync_to_async(Answer.objects.count)() == 0
    # Nothing was stored, so the projector heard of no answer.
    assert not [f for f in host.frames if f["type"] == "answer_count"]

    # The phones send again (phone.js does, on try_again); a duplicate resend too.
    for phone, _ in phones[:2]:
        await phone.send(frame)
        assert (await phone.expect("answer_received"))["choice_id"] == right
        await phone.send(frame)
        assert (await phone.expect("error"))["code"] == "already_answered"
    rows = await database_sync_to_async(
        lambda: list(Answer.objects.values_list("player_id", flat=True))
    )()
    assert sorted(rows) == sorted(joined["player"]["id"] for _, joined in phones[:2])
    await _close(host, *(phone for phone, _ in phones))


async def test_resuming_never_adds_a_player(game, teacher):
    host = await host_socket(game, teacher)
    joined = [await join(game.pin, name) for name in ("Ayesha", "Bilal", "Chen")]
    count = await database_sync_to_async(Player.objects.count)()
    assert count == 3
    sockets = [socket for socket, _ in joined]
    for round_ in range(3):
        for at, (_, first) in enumerate(joined):
            if round_ % 2 == 0:
                # The phone's socket died and it comes back.
                await sockets[at].disconnect()
            # Otherwise the old socket is still open: a second window.
            again = await player_socket(game.pin)
            await again.send({"type": "resume", "token": first["token"]})
            resumed = await again.expect("joined")
            assert resumed["resumed"] is True
            assert resumed["player"] == first["player"]
            if round_ % 2 == 1:
                await sockets[at].expect_close()
            sockets[at] = again
    assert await database_sync_to_async(Player.objects.count)() == count
    connected = await database_sync_to_async(
        lambda: Player.objects.filter(connected=True).count()
    )()
    assert connected == count
    await _close(host, *sockets)


async def test_a_second_socket_replaces_the_first_which_gets_an_error_then_a_close(game, teacher):
    host, [(first, joined), (bilal, _)], question = await _started(
        game, teacher, ["Ayesha", "Bilal"]
    )
    second = await player_socket(game.pin)
    await second.send({"type": "resume", "token": joined["token"]})
    resumed = await second.expect("joined")
    assert resumed["player"]["id"] == joined["player"]["id"]
    assert resumed["state"]["question"]["question_id"] == question["question_id"]
    assert await first.expect_close() == 4403
    assert first.frames[-1]["type"] == "error" and first.frames[-1]["code"] == "replaced"
    # The projector saw the player come back, not leave.
    back = await host.until("player_joined")
    assert back["resumed"] is True and back["player"]["id"] == joined["player"]["id"]
    assert not [f for f in host.frames if f["type"] == "player_left"]
    # Broadcasts now reach the new socket only, and it may answer.
    right = await database_sync_to_async(correct_choice)(game, 0)
    await second.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    await second.expect("answer_received")
    assert await database_sync_to_async(Player.objects.count)() == 2
    await _close(host, second, bilal)


async def test_the_clock_runs_on_without_the_projector_and_phones_hear_it_leave_and_return(
    game, teacher
):
    await database_sync_to_async(_set_time_limit)(game.pk, 1500)
    host, [(ayesha, joined), (bilal, _)], question = await _started(
        game, teacher, ["Ayesha", "Bilal"]
    )
    await host.disconnect()
    for phone in (ayesha, bilal):
        status = await phone.until("host_status")
        assert status["connected"] is False
    # A phone that resumes now is told the teacher is away.
    ayesha_again = await player_socket(game.pin)
    await ayesha_again.send({"type": "resume", "token": joined["token"]})
    state = (await ayesha_again.expect("joined"))["state"]
    assert state["host_connected"] is False and state["phase"] == "question"
    await ayesha.expect_close()

    # No projector anywhere: the question still closes at its deadline.
    for phone in (ayesha_again, bilal):
        reveal = await phone.until("reveal", timeout=4)
        assert reveal["question_id"] == question["question_id"]
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.phase == "reveal" and stored.host_connection == ""

    host = await host_socket(game, teacher)
    await host.expect("lobby")
    assert (await host.expect("state"))["phase"] == "reveal"
    for phone in (ayesha_again, bilal):
        assert (await phone.until("host_status"))["connected"] is True
    await _close(host, ayesha_again, bilal)


async def test_a_newer_projector_tab_keeps_the_teacher_present_when_the_old_one_closes(
    game, teacher
):
    old = await host_socket(game, teacher)
    ayesha, _ = await join(game.pin, "Ayesha")
    new = await host_socket(game, teacher)
    await new.until("state")
    await old.disconnect()
    await asyncio.sleep(0.2)
    assert not [f for f in ayesha.frames if f["type"] == "host_status"]
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.host_connection != ""
    await _close(new, ayesha)


async def test_a_socket_that_never_joins_is_closed_after_30_seconds_and_a_joined_one_stays(
    game, monkeypatch
):
    assert consumers.JOIN_TIMEOUT_S == 30.0
    monkeypatch.setattr(consumers, "JOIN_TIMEOUT_S", 0.3)
    idle = await player_socket(game.pin)
    player, _ = await join(game.pin, "Ayesha")
    assert await idle.expect_close(timeout=3) == 4400
    assert idle.frames[-1]["code"] == "not_joined"
    await asyncio.sleep(0.5)
    await player.send({"type": "ping", "ref": 1})
    assert (await player.expect("pong"))["ref"] == 1
    await _close(player)


async def test_a_lost_broadcast_shows_as_a_seq_gap_and_sync_redraws_the_open_question(
    game, teacher, monkeypatch
):
    """The Redis layer delivers at most once and a full channel drops silently: here the
    phones' `question` frame is lost on its way through the hub."""
    real_deliver = Hub._deliver
    lost: list[int] = []

    async def lossy(self, message):
        players = message.get("players")
        if players is not None and players["type"] == "question" and not lost:
            lost.append(players["seq"])
            message = {k: v for k, v in message.items() if k not in ("players", "per_player")}
        await real_deliver(self, message)

    monkeypatch.setattr(Hub, "_deliver", lossy)
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    last_seq = joined["seq"]
    await host.send({"type": "start"})
    question = await host.until("question")
    assert await ayesha.nothing(0.3)
    assert lost == [last_seq + 1]

    # The next phone broadcast (the projector dropping) arrives with a gap.
    await host.disconnect()
    status = await ayesha.expect("host_status")
    assert status["seq"] > last_seq + 1
    await ayesha.send({"type": "sync"})
    state = await ayesha.expect("state")
    assert state["seq"] == status["seq"]
    assert state["phase"] == "question" and state["your_answer"] is None
    assert state["question"]["question_id"] == question["question_id"]
    assert 0 < state["question"]["remaining_ms"] <= state["question"]["time_limit_ms"]
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    assert (await ayesha.expect("answer_received"))["seq"] == state["seq"]
    await _close(ayesha)

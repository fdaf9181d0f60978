"""Homework over websockets: every frame and error of docs/protocol.md, "Self-paced
games (homework)", phone by phone."""

import asyncio
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Answer, Game, Player
from classroom.services import phases
from tests.classroom.conftest import (
    correct_choice,
    host_socket,
    join,
    player_socket,
    wrong_choice,
)

pytestmark = pytest.mark.django_db(transaction=True)


def homework_game(quiz, teacher, *, timer: bool = True, days: int = 7) -> Game:
    setup = GameSetup(
        mode=SELF_PACED,
        closes_at=timezone.now() + timedelta(days=days),
        accuracy_only=not timer,
    )
    return phases.game_create(quiz=quiz, host=teacher, setup=setup)


@pytest.fixture
def homework(quiz, teacher):
    return homework_game(quiz, teacher)


def _questions(game):
    return Game.objects.get(pk=game.pk).questions


async def _answer(socket, question, choice):
    await socket.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": choice}
    )


async def test_a_student_plays_a_whole_homework_at_their_own_pace(homework):
    questions = await database_sync_to_async(_questions)(homework)
    socket, joined = await join(homework.pin, "Ayesha")
    assert joined["state"]["mode"] == "self_paced"
    assert joined["state"]["phase"] == "lobby"
    for index in range(len(questions)):
        await socket.send({"type": "next"})
        question = await socket.expect("question")
        assert question["index"] == index and question["count"] == len(questions)
        assert question["remaining_ms"] == question["time_limit_ms"]
        assert "correct_choice_ids" not in question
        right = await database_sync_to_async(correct_choice)(homework, index)
        await _answer(socket, question, right)
        ack = await socket.expect("answer_received")
        assert ack["choice_id"] == right
        reveal = await socket.expect("reveal")
        assert reveal["question_id"] == question["question_id"]
        assert reveal["correct"] is True and reveal["points"] > 0
        assert reveal["correct_choice_ids"] == [right]
        assert reveal["explanation"] == f"Explanation {index}."
        assert reveal["rank"] == 1
        # The phone teaches (there is no projector): the event, at the last question
        # asking about it (all three do here), as the projector's reveal would.
        last = index == len(questions) - 1
        assert (reveal["event"] or {}).get("title") == ("Tashkent Declaration" if last else None)
    await socket.send({"type": "next"})
    finished = await socket.expect("finished")
    assert finished["rank"] == 1 and finished["count"] == 1
    player = await database_sync_to_async(Player.objects.get)(nickname="Ayesha")
    assert finished["score"] == player.score > 0
    assert player.correct_count == len(questions)
    assert player.paced_started_at is not None and player.paced_finished_at is not None
    assert await database_sync_to_async(Answer.objects.filter(player=player).count)() == len(
        questions
    )


async def test_next_while_the_question_is_open_is_wrong_phase(homework):
    socket, _ = await join(homework.pin, "Bilal")
    await socket.send({"type": "next"})
    first = await socket.expect("question")
    await socket.send({"type": "next"})
    error = await socket.expect("error")
    assert error["code"] == "wrong_phase"
    # Still on the same question: it can be answered.
    wrong = await database_sync_to_async(wrong_choice)(homework, 0)
    await _answer(socket, first, wrong)
    await socket.expect("answer_received")
    reveal = await socket.expect("reveal")
    assert reveal["correct"] is False and reveal["points"] == 0


async def test_answering_twice_or_another_question_is_refused(homework):
    socket, _ = await join(homework.pin, "Chen")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    right = await database_sync_to_async(correct_choice)(homework, 0)
    await _answer(socket, question, right)
    await socket.expect("answer_received")
    await socket.expect("reveal")
    await _answer(socket, question, right)
    assert (await socket.expect("error"))["code"] == "already_answered"
    questions = await database_sync_to_async(_questions)(homework)
    ahead = {"question_id": questions[1]["id"]}
    await _answer(socket, ahead, questions[1]["choices"][0]["id"])
    assert (await socket.expect("error"))["code"] == "question_closed"


async def test_an_answer_after_the_players_own_deadline_is_refused(homework):
    socket, _ = await join(homework.pin, "Dana")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await database_sync_to_async(Player.objects.filter(nickname="Dana").update)(
        paced_deadline=timezone.now() - timedelta(seconds=1)
    )
    right = await database_sync_to_async(correct_choice)(homework, 0)
    await _answer(socket, question, right)
    error = await socket.expect("error")
    assert error["code"] == "question_closed"
    # The phone's countdown ends and it asks: the state is that question's reveal.
    await socket.send({"type": "sync"})
    state = await socket.expect("state")
    assert state["phase"] == "reveal" and state["reveal"]["question_id"] == question["question_id"]
    assert state["reveal"]["correct"] is False and state["reveal"]["your_choice_id"] is None
    assert state["reveal"]["correct_choice_ids"] == [right]
    # Time ran out: the question is over for this player, so `next` moves on.
    await socket.send({"type": "next"})
    assert (await socket.expect("question"))["index"] == 1


async def test_each_players_timer_starts_when_their_question_goes_out(homework):
    early, _ = await join(homework.pin, "Early")
    await early.send({"type": "next"})
    await early.expect("question")
    await asyncio.sleep(0.3)
    late, _ = await join(homework.pin, "Late")
    await late.send({"type": "next"})
    question = await late.expect("question")
    assert question["remaining_ms"] == question["time_limit_ms"]
    right = await database_sync_to_async(correct_choice)(homework, 0)
    await _answer(late, question, right)
    await late.expect("answer_received")
    elapsed = await database_sync_to_async(
        lambda: Answer.objects.get(player__nickname="Late").elapsed_ms
    )()
    assert elapsed < 300


async def test_a_resume_on_another_phone_lands_on_the_open_question_with_its_time_left(homework):
    socket, joined = await join(homework.pin, "Esra")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await socket.disconnect()
    await asyncio.sleep(0.2)
    other = await player_socket(homework.pin, ip="10.0.0.9")
    await other.send({"type": "resume", "token": joined["token"]})
    resumed = await other.expect("joined")
    state = resumed["state"]
    assert resumed["resumed"] is True and state["mode"] == "self_paced"
    assert state["phase"] == "question"
    assert state["question"]["question_id"] == question["question_id"]
    assert state["question"]["index"] == 0
    assert state["question"]["remaining_ms"] <= question["time_limit_ms"] - 150
    right = await database_sync_to_async(correct_choice)(homework, 0)
    await _answer(other, question, right)
    await other.expect("answer_received")
    await other.expect("reveal")
    # And where they left off: the reveal of the question they answered.
    await other.disconnect()
    again = await player_socket(homework.pin, ip="10.0.0.10")
    await again.send({"type": "resume", "token": joined["token"]})
    state = (await again.expect("joined"))["state"]
    assert state["phase"] == "reveal"
    assert state["reveal"]["question_id"] == question["question_id"]
    assert state["reveal"]["correct"] is True
    assert state["reveal"]["explanation"] == "Explanation 0."


async def test_without_a_timer_the_question_waits_and_scores_accuracy_only(quiz, teacher):
    game = await database_sync_to_async(homework_game)(quiz, teacher, timer=False)
    socket, joined = await join(game.pin, "Farah")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    player = await database_sync_to_async(Player.objects.get)(nickname="Farah")
    assert player.paced_deadline is None
    await socket.disconnect()
    again = await player_socket(game.pin, ip="10.0.0.11")
    await again.send({"type": "resume", "token": joined["token"]})
    state = (await again.expect("joined"))["state"]
    assert state["question"]["remaining_ms"] == question["time_limit_ms"]
    right = await database_sync_to_async(correct_choice)(game, 0)
    await _answer(again, question, right)
    await again.expect("answer_received")
    reveal = await again.expect("reveal")
    # Accuracy only: full points for a right answer, whatever the time.
    assert reveal["points"] == 1000


async def test_the_host_hears_progress_at_most_once_a_second_per_player(homework, teacher):
    host = await host_socket(homework, teacher)
    await host.expect("lobby")
    state = await host.expect("state")
    assert state["mode"] == "self_paced"
    assert state["homework"]["players"] == []
    socket, joined = await join(homework.pin, "Gul")
    await host.until("player_joined")
    right = [await database_sync_to_async(correct_choice)(homework, i) for i in range(2)]
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await _answer(socket, question, right[0])
    await socket.until("reveal")
    progress = await host.until("progress")
    player_id = joined["player"]["id"]
    assert progress["player_id"] == player_id and progress["nickname"] == "Gul"
    assert (progress["answered"], progress["correct"]) == (1, 1)
    assert progress["score"] > 0 and progress["finished"] is False
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await _answer(socket, question, right[1])
    await socket.until("reveal")
    # Within the second: nothing yet, then the waiting change.
    assert await host.nothing(0.5)
    later = await host.until("progress", timeout=2.0)
    assert (later["answered"], later["correct"]) == (2, 2)
    # The host's snapshot lists every player's progress.
    await host.send({"type": "sync"})
    state = await host.until("state")
    [row] = state["homework"]["players"]
    assert row["answered"] == 2 and row["started_at"] is not None


async def test_after_the_host_ends_joins_are_refused_and_frames_get_finished(homework, teacher):
    socket, _ = await join(homework.pin, "Hina")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    right = await database_sync_to_async(correct_choice)(homework, 0)
    await _answer(socket, question, right)
    await socket.until("reveal")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    host = await host_socket(homework, teacher)
    await host.send({"type": "end"})
    await host.until("finished")
    assert (await socket.until("finished"))["score"] > 0
    await _answer(socket, question, right)
    assert (await socket.expect("finished"))["score"] > 0
    await socket.send({"type": "next"})
    assert (await socket.expect("finished"))["rank"] == 1
    late = await player_socket(homework.pin, ip="10.0.0.12")
    await late.send({"type": "join", "nickname": "Late"})
    error = await late.expect("error")
    assert error["code"] == "game_not_found"
    assert await late.expect_close() == 4404
    # Every stored answer stays.
    assert await database_sync_to_async(Answer.objects.filter(game=homework).count)() == 1


def _close_now(game):
    setup = dict(Game.objects.get(pk=game.pk).setup)
    setup["closes_at"] = (timezone.now() - timedelta(seconds=1)).isoformat()
    Game.objects.filter(pk=game.pk).update(setup=setup)


async def test_the_homework_closes_at_its_closing_time_with_nobody_connected(homework):
    socket, joined = await join(homework.pin, "Iqbal")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await socket.disconnect()
    await database_sync_to_async(_close_now)(homework)
    # The next action of anyone closes it: here a new phone's join.
    late = await player_socket(homework.pin, ip="10.0.0.13")
    await late.send({"type": "join", "nickname": "Late"})
    assert (await late.expect("error"))["code"] == "game_not_found"
    game = await database_sync_to_async(Game.objects.get)(pk=homework.pk)
    assert game.is_ended
    back = await player_socket(homework.pin, ip="10.0.0.14")
    await back.send({"type": "resume", "token": joined["token"]})
    state = (await back.expect("joined"))["state"]
    assert state["phase"] == "finished"
    await _answer(back, question, question["choices"][0]["id"])
    assert (await back.expect("finished"))["count"] == 1
    await back.send({"type": "next"})
    await back.expect("finished")


async def test_an_answer_past_the_closing_time_gets_finished_and_ends_the_game(homework):
    socket, _ = await join(homework.pin, "Jamal")
    await socket.send({"type": "next"})
    question = await socket.expect("question")
    await database_sync_to_async(_close_now)(homework)
    await _answer(socket, question, question["choices"][0]["id"])
    assert (await socket.expect("finished"))["score"] == 0
    assert await database_sync_to_async(Answer.objects.filter(game=homework).count)() == 0
    assert (await database_sync_to_async(Game.objects.get)(pk=homework.pk)).is_ended


async def test_next_from_a_phone_in_a_live_game_is_still_not_host(game):
    socket, _ = await join(game.pin, "Kamal")
    await socket.send({"type": "next"})
    assert (await socket.expect("error"))["code"] == "not_host"


async def test_the_host_cannot_start_or_pace_a_homework(homework, teacher):
    host = await host_socket(homework, teacher)
    await host.expect("lobby")
    await host.expect("state")
    for command in ("start", "next"):
        await host.send({"type": command})
        assert (await host.until("error"))["code"] == "wrong_phase"


def _students_mid_homework(game_id: int) -> dict[str, str]:
    """What a restarted server finds: three students left mid-homework by services
    alone (no socket, no timer, nothing in memory): one with a question open, one who
    answered theirs, one who never started."""
    from classroom.services import answers, homework
    from tests.classroom.helpers import player_join

    tokens = {}
    for name in ("Open", "Answered", "Waiting"):
        player, tokens[name] = player_join(game_id=game_id, nickname=name)
        if name == "Waiting":
            continue
        [question], _ = homework.player_next(player_id=player.pk)
        if name == "Answered":
            right = Game.objects.get(pk=game_id).questions[0]["correct_choice_ids"][0]
            [result], _ = answers.answers_store(
                game_id=game_id,
                submissions=[
                    answers.Submission(
                        player_id=player.pk,
                        question_id=question["question_id"],
                        arrived_at=timezone.now(),
                        choice_id=right,
                    )
                ],
            )
            assert result.ok
    return tokens


async def test_after_a_restart_every_student_resumes_where_they_were(homework):
    tokens = await database_sync_to_async(_students_mid_homework)(homework.pk)
    expected = {"Open": "question", "Answered": "reveal", "Waiting": "lobby"}
    for number, (name, phase) in enumerate(expected.items()):
        socket = await player_socket(homework.pin, ip=f"10.0.1.{number}")
        await socket.send({"type": "resume", "token": tokens[name]})
        state = (await socket.expect("joined"))["state"]
        assert (state["mode"], state["phase"]) == ("self_paced", phase), name
        if name == "Open":
            assert 0 < state["question"]["remaining_ms"] <= state["question"]["time_limit_ms"]
            await socket.send({"type": "next"})
            assert (await socket.expect("error"))["code"] == "wrong_phase"
        if name == "Answered":
            assert state["reveal"]["correct"] is True and state["score"] > 0
            await socket.send({"type": "next"})
            assert (await socket.expect("question"))["index"] == 1
        await socket.disconnect()


async def test_homework_has_no_shapes_to_join_as_it_has_no_projector(quiz, teacher):
    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1), join_gate=True)
    game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher, setup=setup)
    assert game.options["join_gate"] is False
    _socket, joined = await join(game.pin, "Layla")
    assert joined["state"]["mode"] == "self_paced"

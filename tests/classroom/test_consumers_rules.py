"""The protocol's rules over websockets: answers, timing, roles, resume, kick, lock."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.db import DatabaseError

from classroom.game_setup import GameSetup
from classroom.models import Answer, Game, Player
from classroom.services import answers, phases
from tests.classroom.conftest import (
    build_quiz,
    correct_choice,
    host_socket,
    join,
    player_socket,
    wrong_choice,
)
from tests.classroom.helpers import player_join, player_snapshot, replayed_totals

pytestmark = pytest.mark.django_db(transaction=True)


async def _started(game, teacher, names=("Ayesha", "Bilal")):
    """A projector and joined phones, with the first question open everywhere."""
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in names]
    await host.send({"type": "start"})
    question = await host.until("question")
    for phone in phones:
        await phone.until("question")
    return host, phones, question


async def _close_all(*sockets):
    for socket in sockets:
        await socket.disconnect()


def _set_time_limit(game_id: int, ms: int) -> None:
    game = Game.objects.get(pk=game_id)
    for question in game.questions:
        question["time_limit_ms"] = ms
    game.save(update_fields=["questions"])


async def test_a_second_answer_gets_already_answered_and_the_first_one_counts(game, teacher):
    host, (ayesha, bilal), question = await _started(game, teacher)
    right = await database_sync_to_async(correct_choice)(game, 0)
    wrong = await database_sync_to_async(wrong_choice)(game, 0)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": wrong}
    )
    await ayesha.expect("answer_received")
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    error = await ayesha.expect("error")
    assert error["code"] == "already_answered"
    # Recoverable: the socket stays open and answers pings.
    await ayesha.send({"type": "ping", "ref": 7})
    assert (await ayesha.expect("pong"))["ref"] == 7
    stored = await database_sync_to_async(list)(Answer.objects.filter(game=game))
    assert [a.choice_id for a in stored] == [wrong]
    await _close_all(host, ayesha, bilal)


async def test_a_choice_that_is_not_the_questions_gets_unknown_choice(game, teacher):
    host, (ayesha, bilal), question = await _started(game, teacher)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": 999999}
    )
    assert (await ayesha.expect("error"))["code"] == "unknown_choice"
    assert await database_sync_to_async(Answer.objects.count)() == 0
    await _close_all(host, ayesha, bilal)


async def test_an_answer_to_another_question_id_is_question_closed(game, teacher):
    host, (ayesha, bilal), _question = await _started(game, teacher)
    other = (await database_sync_to_async(Game.objects.get)(pk=game.pk)).questions[1]["id"]
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.send({"type": "answer", "question_id": other, "choice_id": right})
    assert (await ayesha.expect("error"))["code"] == "question_closed"
    await _close_all(host, ayesha, bilal)


async def test_the_question_closes_at_its_deadline_with_no_frame_arriving(game, teacher):
    await database_sync_to_async(_set_time_limit)(game.pk, 300)
    host, (ayesha, bilal), question = await _started(game, teacher)
    assert question["time_limit_ms"] == 300
    reveal = await host.until("reveal", timeout=3)
    assert reveal["reason"] == "time" and reveal["answered"] == 0
    for phone in (ayesha, bilal):
        mine = await phone.until("reveal")
        assert mine["your_choice_id"] is None and mine["points"] == 0
    await _close_all(host, ayesha, bilal)


async def test_a_late_answer_gets_question_closed_and_scores_zero(game, teacher):
    await database_sync_to_async(_set_time_limit)(game.pk, 300)
    host, (ayesha, bilal), question = await _started(game, teacher)
    await host.until("reveal", timeout=3)
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.until("reveal")
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    assert (await ayesha.expect("error"))["code"] == "question_closed"
    player = await database_sync_to_async(Player.objects.get)(nickname="Ayesha")
    assert player.score == 0
    assert await database_sync_to_async(Answer.objects.count)() == 0
    await _close_all(host, ayesha, bilal)


async def test_the_question_closes_as_soon_as_every_connected_player_answered(game, teacher):
    host, (ayesha, bilal, chen), question = await _started(
        game, teacher, ("Ayesha", "Bilal", "Chen")
    )
    # Chen walks away mid-question: an away player does not hold the class up.
    await chen.disconnect()
    await host.until("player_left")
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    await ayesha.expect("answer_received")
    count = await host.until("answer_count")
    assert (count["answered"], count["total"]) == (1, 2)
    # Bilal is connected and has not answered: the question stays open.
    assert await host.nothing(0.3)
    await bilal.send({"type": "answer", "question_id": question["question_id"], "choice_id": right})
    await bilal.expect("answer_received")
    await host.until("answer_count")
    reveal = await host.expect("reveal", timeout=1)
    assert reveal["reason"] == "all_answered"
    assert (reveal["answered"], reveal["total"], reveal["correct_count"]) == (2, 2, 2)
    await _close_all(host, ayesha, bilal)


async def test_player_frames_of_host_types_get_not_host_and_change_nothing(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, _ = await join(game.pin, "Ayesha")
    for kind in ("start", "next", "close_question", "scoreboard", "lock", "unlock", "end"):
        await ayesha.send({"type": kind})
        assert (await ayesha.expect("error"))["code"] == "not_host"
    await ayesha.send({"type": "kick", "player_id": 1})
    assert (await ayesha.expect("error"))["code"] == "not_host"
    fresh = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert fresh.phase == "lobby" and not fresh.locked
    await _close_all(host, ayesha)


async def test_scoreboard_ranks_ties_together_and_the_podium_follows(quiz, teacher):
    game = await database_sync_to_async(phases.game_create)(
        quiz=quiz, host=teacher, setup=GameSetup(accuracy_only=True)
    )
    host, phones, question = await _started(game, teacher, ("Ayesha", "Bilal", "Chen"))
    right = await database_sync_to_async(correct_choice)(game, 0)
    wrong = await database_sync_to_async(wrong_choice)(game, 0)
    for phone, choice in zip(phones, (right, right, wrong), strict=True):
        await phone.send(
            {"type": "answer", "question_id": question["question_id"], "choice_id": choice}
        )
        await phone.expect("answer_received")
    await host.until("reveal")
    await host.send({"type": "scoreboard"})
    board = await host.until("scoreboard")
    assert [(e["nickname"], e["score"], e["rank"]) for e in board["top"]] == [
        ("Ayesha", 1000, 1),
        ("Bilal", 1000, 1),
        ("Chen", 0, 3),
    ]
    assert all(e["previous_rank"] is None for e in board["top"])
    assert [e["delta"] for e in board["top"]] == [1000, 1000, 0]
    mine = [await phone.until("scoreboard") for phone in phones]
    assert [(m["rank"], m["score"]) for m in mine] == [(1, 1000), (1, 1000), (3, 0)]
    await host.send({"type": "end"})
    finished = await host.until("finished")
    assert [(e["nickname"], e["rank"]) for e in finished["podium"]] == [
        ("Ayesha", 1),
        ("Bilal", 1),
        ("Chen", 3),
    ]
    await _close_all(host, *phones)


async def test_resume_returns_the_same_player_score_and_open_question(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    question = await host.until("question")
    await ayesha.until("question")
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    await ayesha.expect("answer_received")
    await host.until("reveal")  # the only player answered
    await host.send({"type": "next"})
    second = await host.until("question")
    await ayesha.comm.disconnect(code=1006)
    left = await host.until("player_left")
    assert left["reason"] == "disconnected" and left["count"] == 0

    again = await player_socket(game.pin)
    await again.send({"type": "resume", "token": joined["token"]})
    resumed = await again.expect("joined")
    assert resumed["resumed"] is True
    assert resumed["player"] == joined["player"]
    state = resumed["state"]
    assert state["phase"] == "question"
    assert state["question"]["question_id"] == second["question_id"]
    assert 0 < state["question"]["remaining_ms"] <= state["question"]["time_limit_ms"]
    assert state["your_answer"] is None
    player = await database_sync_to_async(Player.objects.get)(pk=joined["player"]["id"])
    assert state["score"] == player.score > 0 and state["rank"] == 1
    back = await host.until("player_joined")
    assert back["resumed"] is True and back["player"]["id"] == joined["player"]["id"]
    await _close_all(host, again)


async def test_a_second_socket_of_a_player_replaces_the_first(game, teacher):
    host = await host_socket(game, teacher)
    first, joined = await join(game.pin, "Ayesha")
    second = await player_socket(game.pin)
    await second.send({"type": "resume", "token": joined["token"]})
    await second.expect("joined")
    assert await first.expect_close() == 4403
    assert first.frames[-1]["type"] == "error"
    # The replaced socket closing does not mark the player as gone.
    await asyncio.sleep(0.1)
    player = await database_sync_to_async(Player.objects.get)(pk=joined["player"]["id"])
    assert player.connected is True
    await _close_all(host, second)


async def test_a_kicked_player_is_closed_and_cannot_resume(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    await host.until("player_joined")
    await host.send({"type": "kick", "player_id": joined["player"]["id"]})
    left = await host.until("player_left")
    assert left["reason"] == "kicked"
    assert await ayesha.expect_close() == 4403
    assert ayesha.frames[-1]["code"] == "kicked"
    again = await player_socket(game.pin)
    await again.send({"type": "resume", "token": joined["token"]})
    assert (await again.expect("error"))["code"] == "kicked"
    assert await again.expect_close() == 4403
    await _close_all(host)


async def test_a_locked_game_refuses_joins_but_lets_players_resume(game, teacher):
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    ayesha, joined = await join(game.pin, "Ayesha")
    await ayesha.disconnect()
    await host.send({"type": "lock"})
    lobby = await host.until("lobby")
    assert lobby["locked"] is True
    newcomer = await player_socket(game.pin)
    await newcomer.send({"type": "join", "nickname": "Bilal"})
    assert (await newcomer.expect("error"))["code"] == "game_locked"
    assert await newcomer.expect_close() == 4403
    again = await player_socket(game.pin)
    await again.send({"type": "resume", "token": joined["token"]})
    assert (await again.expect("joined"))["player"]["id"] == joined["player"]["id"]
    await host.send({"type": "unlock"})
    assert (await host.until("lobby"))["locked"] is False
    await _close_all(host, again)


async def test_an_unknown_resume_token_is_bad_token_4404(game):
    phone = await player_socket(game.pin)
    await phone.send({"type": "resume", "token": "not-a-token"})
    assert (await phone.expect("error"))["code"] == "bad_token"
    assert await phone.expect_close() == 4404


async def test_a_taken_nickname_in_any_case_is_refused_and_the_socket_stays(game):
    ayesha, _ = await join(game.pin, "Ayesha")
    phone = await player_socket(game.pin)
    await phone.send({"type": "join", "nickname": "AYESHA"})
    assert (await phone.expect("error"))["code"] == "nickname_taken"
    await phone.send({"type": "join", "nickname": "Ayesha 2"})
    assert (await phone.expect("joined"))["player"]["nickname"] == "Ayesha 2"
    await _close_all(ayesha, phone)


async def test_host_disconnect_and_reconnect_reach_the_phones(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    assert joined["state"]["host_connected"] is True
    await host.disconnect()
    status = await ayesha.expect("host_status")
    assert status["connected"] is False
    host = await host_socket(game, teacher)
    assert (await ayesha.expect("host_status"))["connected"] is True
    await _close_all(host, ayesha)


async def test_scores_equal_a_recomputation_from_the_stored_answers(teacher):
    quiz = await database_sync_to_async(build_quiz)(
        slug="mixed", kinds=("choice", "order", "year_guess", "true_false", "choice")
    )
    game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher)
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in ("Ayesha", "Bilal", "Chen")]
    snapshot = (await database_sync_to_async(Game.objects.get)(pk=game.pk)).questions
    await host.send({"type": "start"})
    for index, question in enumerate(snapshot):
        await host.until("question")
        for at, phone in enumerate(phones):
            await phone.until("question")
            frame = {"type": "answer", "question_id": question["id"]}
            if question["kind"] == "order":
                ids = list(question["correct_choice_ids"])
                frame["choice_ids"] = ids if at == 0 else list(reversed(ids))
            elif question["kind"] == "year_guess":
                frame["year"] = 1966 + 3 * at
            else:
                right = question["correct_choice_ids"][0]
                other = next(c["id"] for c in question["choices"] if c["id"] != right)
                frame["choice_id"] = right if (at + index) % 2 == 0 else other
            if at == 2 and index == 3:
                continue  # Chen misses one: the streak resets
            await phone.send(frame)
            await phone.expect("answer_received")
        if index == 3:
            await host.send({"type": "close_question"})
        await host.until("reveal")
        await host.send({"type": "next"})
    await host.until("finished")

    def recompute():
        return list(Player.objects.filter(game=game)), replayed_totals(game=game, asked=snapshot)

    players, totals = await database_sync_to_async(recompute)()
    assert len({p.score for p in players}) == 3
    for player in players:
        assert player.score == totals[player.id].score
        assert player.streak == totals[player.id].streak
        assert player.correct_count == totals[player.id].correct_count
    await _close_all(host, *phones)


async def test_extra_time_lengthens_one_players_clock(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, joined = await join(game.pin, "Ayesha")
    bilal, _ = await join(game.pin, "Bilal")
    await host.send({"type": "extra_time", "player_id": joined["player"]["id"], "seconds": 10})
    assert (await host.until("extra_time"))["seconds"] == 10
    await host.send({"type": "start"})
    question = await host.until("question")
    assert question["remaining_ms"] == question["time_limit_ms"] + 10_000
    assert (await ayesha.until("question"))["time_limit_ms"] == question["time_limit_ms"] + 10_000
    assert (await bilal.until("question"))["time_limit_ms"] == question["time_limit_ms"]
    await _close_all(host, ayesha, bilal)


async def test_host_commands_in_the_wrong_phase_get_wrong_phase(game, teacher):
    host = await host_socket(game, teacher)
    await host.send({"type": "next"})
    assert (await host.until("error"))["code"] == "wrong_phase"
    await host.send({"type": "close_question"})
    assert (await host.until("error"))["code"] == "wrong_phase"
    await host.send({"type": "set_options", "accuracy_only": True})
    assert (await host.until("options"))["options"]["accuracy_only"] is True
    await _close_all(host)


async def test_generated_names_only_replaces_every_nickname(game, teacher):
    await database_sync_to_async(phases.game_set_options)(
        game_id=game.pk, generated_names_only=True
    )
    phone, joined = await join(game.pin, "Ayesha")
    assert joined["player"]["nickname"] != "Ayesha"
    await _close_all(phone)


def test_player_snapshot_is_what_sync_sends(game):
    player, _ = player_join(game_id=game.pk, nickname="Ayesha")
    state = player_snapshot(player=player)
    assert state["type"] == "state" and state["phase"] == "lobby"
    assert state["question"] is None and state["reveal"] is None and state["finished"] is None


async def test_a_database_error_gets_try_again_and_the_resent_answer_is_stored_once(
    game, teacher, monkeypatch
):
    host, (ayesha, bilal), question = await _started(game, teacher)
    right = await database_sync_to_async(correct_choice)(game, 0)
    real_insert = answers._insert_answers

    def broken(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(answers, "_insert_answers", broken)
    frame = {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    await ayesha.send(frame)
    assert (await ayesha.expect("error"))["code"] == "try_again"
    assert await database_sync_to_async(Answer.objects.count)() == 0
    monkeypatch.setattr(answers, "_insert_answers", real_insert)
    await ayesha.send(frame)
    await ayesha.expect("answer_received")
    assert await database_sync_to_async(Answer.objects.count)() == 1
    await _close_all(host, ayesha, bilal)


async def test_a_deliberate_close_is_left_and_a_dropped_one_disconnected(game, teacher):
    host = await host_socket(game, teacher)
    ayesha, _ = await join(game.pin, "Ayesha")
    bilal, _ = await join(game.pin, "Bilal")
    await ayesha.comm.disconnect(code=1000)
    assert (await host.until("player_left"))["reason"] == "left"
    await bilal.comm.disconnect(code=1006)
    assert (await host.until("player_left"))["reason"] == "disconnected"
    await host.disconnect()


async def test_after_the_end_joins_are_refused_but_players_can_see_their_result(game, teacher):
    ayesha, joined = await join(game.pin, "Ayesha")  # the PIN is now remembered
    await ayesha.disconnect()
    await database_sync_to_async(phases.game_end)(game_id=game.pk)
    newcomer = await player_socket(game.pin)
    await newcomer.send({"type": "join", "nickname": "Bilal"})
    assert (await newcomer.expect("error"))["code"] == "game_not_found"
    assert await newcomer.expect_close() == 4404
    again = await player_socket(game.pin)
    await again.send({"type": "resume", "token": joined["token"]})
    state = (await again.expect("joined"))["state"]
    assert state["phase"] == "finished"
    assert state["finished"] == {"rank": 1, "score": 0, "count": 1}
    await again.disconnect()

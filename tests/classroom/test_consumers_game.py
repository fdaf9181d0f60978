"""A whole game over websockets: a projector and three phones, frame by frame."""

import pytest
from channels.db import database_sync_to_async

from classroom import frames
from classroom.models import Answer, Game, Player
from classroom.services import players
from tests.classroom.conftest import correct_choice, host_socket, join, wrong_choice

pytestmark = pytest.mark.django_db(transaction=True)


def _broadcast_seqs(socket, snapshot_types=("lobby", "state", "joined")):
    """The seq of every broadcast frame a socket got (replies and snapshots left out)."""
    replies = {"error", "pong", "answer_received"}
    return [f["seq"] for f in socket.frames if f["type"] not in replies | set(snapshot_types)]


async def test_a_whole_game_sends_every_frame_in_order_with_gapless_seq(game, teacher):
    host = await host_socket(game, teacher)
    lobby = await host.expect("lobby")
    assert lobby["pin"] == game.pin and lobby["players"] == [] and lobby["locked"] is False
    assert lobby["join_url"].endswith(f"/play/{game.pin}/")
    state = await host.expect("state")
    assert state["phase"] == "lobby"

    phones = {}
    for name in ("Ayesha", "Bilal", "Chen"):
        socket, joined = await join(game.pin, name)
        assert joined["player"]["nickname"] == name
        assert joined["state"]["phase"] == "lobby"
        assert joined["resumed"] is False and joined["token"]
        phones[name] = socket
        event = await host.expect("player_joined")
        assert event["player"]["nickname"] == name
        assert event["count"] == len(phones)

    questions = (await database_sync_to_async(Game.objects.get)(pk=game.pk)).questions
    await host.send({"type": "start"})
    for index in range(len(questions)):
        question = await host.expect("question")
        assert question["index"] == index and question["answered"] == 0
        assert question["count"] == len(questions)
        for socket in phones.values():
            q = await socket.expect("question")
            assert q["question_id"] == question["question_id"]
            assert q["remaining_ms"] <= q["time_limit_ms"]
        right = await database_sync_to_async(correct_choice)(game, index)
        wrong = await database_sync_to_async(wrong_choice)(game, index)
        # Ayesha is always right, Bilal always wrong, Chen right only on the first.
        picks = {"Ayesha": right, "Bilal": wrong, "Chen": right if index == 0 else wrong}
        for answered, (name, choice) in enumerate(picks.items(), start=1):
            await phones[name].send(
                {"type": "answer", "question_id": question["question_id"], "choice_id": choice}
            )
            ack = await phones[name].expect("answer_received")
            assert ack == {
                "type": "answer_received",
                "question_id": question["question_id"],
                "choice_id": choice,
                "seq": ack["seq"],
            }
            count = await host.expect("answer_count")
            assert (count["answered"], count["total"]) == (answered, 3)
        # Everyone connected has answered: the question closes by itself.
        reveal = await host.expect("reveal")
        assert reveal["correct_choice_ids"] == [right]
        assert reveal["distribution"][str(right)] == (2 if index == 0 else 1)
        assert reveal["answered"] == 3 and reveal["total"] == 3
        for name, socket in phones.items():
            mine = await socket.expect("reveal")
            assert mine["your_choice_id"] == picks[name]
            assert mine["correct"] is (picks[name] == right)
            assert (mine["points"] > 0) is (picks[name] == right)
            assert mine["correct_choice_ids"] == [right]
        await host.send({"type": "scoreboard"})
        board = await host.expect("scoreboard")
        assert [e["rank"] for e in board["top"]] == sorted(e["rank"] for e in board["top"])
        assert board["top"][0]["nickname"] == "Ayesha"
        for socket in phones.values():
            mine = await socket.expect("scoreboard")
            assert mine["count"] == 3
        await host.send({"type": "next"})

    finished = await host.expect("finished")
    assert [e["nickname"] for e in finished["podium"]] == ["Ayesha", "Chen", "Bilal"]
    assert finished["report_url"] == f"/host/{game.pin}/report/"
    assert finished["timeline_url"] == "/timeline/live-quiz/"  # the quiz's slug
    ranks = {}
    for name, socket in phones.items():
        mine = await socket.expect("finished")
        ranks[name] = mine["rank"]
        assert mine["count"] == 3
    assert ranks == {"Ayesha": 1, "Chen": 2, "Bilal": 3}

    # Every broadcast frame carried the next seq of its audience: no gaps, no repeats.
    host_seqs = _broadcast_seqs(host)
    assert host_seqs == list(range(host_seqs[0], host_seqs[0] + len(host_seqs)))
    for socket in phones.values():
        seqs = _broadcast_seqs(socket)
        joined_seq = socket.frames[0]["seq"]
        assert seqs == list(range(joined_seq + 1, joined_seq + 1 + len(seqs)))
        # Replies carry the seq of the last broadcast the socket had.
        last = joined_seq
        for frame in socket.frames[1:]:
            if frame["type"] == "answer_received":
                assert frame["seq"] == last
            else:
                last = frame["seq"]

    stored = await database_sync_to_async(Answer.objects.filter(game=game).count)()
    assert stored == 3 * len(questions)
    for socket in [host, *phones.values()]:
        await socket.disconnect()


async def test_no_frame_before_a_reveal_carries_the_answer(game, teacher):
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in ("Dua", "Emre")]
    await host.send({"type": "start"})
    questions = (await database_sync_to_async(Game.objects.get)(pk=game.pk)).questions
    for index in range(len(questions)):
        question = await host.until("question")
        for socket in phones:
            await socket.until("question")
            await socket.send({"type": "sync"})
            await socket.expect("state")
        await host.send({"type": "sync"})
        await host.until("state")
        right = await database_sync_to_async(correct_choice)(game, index)
        await phones[0].send(
            {"type": "answer", "question_id": question["question_id"], "choice_id": right}
        )
        await phones[0].expect("answer_received")
        await host.until("answer_count")
        await host.send({"type": "close_question"})
        await host.until("reveal")
        for socket in phones:
            await socket.until("reveal")
        await host.send({"type": "next"})
    await host.until("finished")

    def leaks(frame, path=()):
        if isinstance(frame, dict):
            for key, value in frame.items():
                if (
                    key in frames.ANSWER_KEYS
                    and frame.get("type") != "reveal"
                    and (path[-1:] != ("reveal",))
                ):
                    yield (*path, key)
                yield from leaks(value, (*path, key))
        elif isinstance(frame, list):
            for item in frame:
                yield from leaks(item, path)

    for socket in [host, *phones]:
        for frame in socket.frames:
            if frame["type"] in ("reveal", "scoreboard", "finished"):
                continue
            if frame["type"] == "state" and frame["phase"] != "question":
                continue
            assert list(leaks(frame)) == [], frame
        await socket.disconnect()
    # The scan looked at frames of every kind that comes before a reveal.
    seen = {f["type"] for s in [host, *phones] for f in s.frames}
    assert {"lobby", "state", "joined", "question", "answer_received", "answer_count"} <= seen
    assert await database_sync_to_async(Player.objects.count)() == 2


async def test_a_class_joining_at_once_is_stored_in_groups_and_announced_one_by_one(
    game, teacher, monkeypatch
):
    import asyncio

    calls = []
    real = players.players_join

    def counting(**kwargs):
        calls.append(len(kwargs["nicknames"]))
        return real(**kwargs)

    monkeypatch.setattr(players, "players_join", counting)
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    state = await host.expect("state")
    joined = await asyncio.gather(*(join(game.pin, f"Student {i}") for i in range(30)))
    assert sorted(j["player"]["nickname"] for _, j in joined) == sorted(
        f"Student {i}" for i in range(30)
    )
    assert sum(calls) == 30 and len(calls) < 30
    announced = [await host.expect("player_joined") for _ in range(30)]
    assert [a["count"] for a in announced] == list(range(1, 31))
    assert [a["seq"] for a in announced] == list(range(state["seq"] + 1, state["seq"] + 31))
    for socket, _ in joined:
        await socket.disconnect()
    await host.disconnect()

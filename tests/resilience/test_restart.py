"""A server that dies mid-question loses nothing it acknowledged (issue 4).

Daphne runs as a subprocess with the project's command line and a SQLite file. A
teacher and four phones play; right after the second question's answers are
acknowledged the process is killed (SIGKILL: no cleanup at all; SIGTERM: Daphne's own
shutdown) while one more answer is still on the wire. A new process starts on the same
port and database; everyone resumes; the game goes on to the end. Then the database
holds every acknowledged answer exactly once and every score equals a recomputation
from the stored answers.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from pathlib import Path

import pytest

from tests.resilience.harness import (
    SIGNALS,
    Database,
    Phone,
    Server,
    assert_exactly_the_acknowledged_answers,
    assert_scores_are_recomputed,
    child_env,
    close_all,
    free_port,
    launch_game,
    prepare_database,
    right_choice,
    wrong_choice,
)

pytestmark = pytest.mark.process

NICKNAMES = ["Ayesha", "Bilal", "Chen", "Dmitri"]
# Question 1 is the one the server dies in. Long enough to restart and resume inside
# it ("continues"), or short enough to run out while the server is down.
OPEN_LIMIT_S = 12
SHORT_LIMIT_S = 5
# The timer fires a quarter second after the deadline (classroom.timers.GRACE_S);
# a loaded CI machine gets a little more.
CLOSE_SLACK_S = 5.0


async def _play_until_the_crash(server: Server, password: str, signum: int):
    teacher = await launch_game(server, password)
    host = await teacher.connect(server)
    phones = [Phone(nickname) for nickname in NICKNAMES]
    for phone in phones:
        await phone.join(server, teacher.pin)
    ayesha, bilal, chen, _dmitri = phones

    # Question 0: everyone answers (two right, two wrong); it closes at once.
    await host.send({"type": "start"})
    first = await host.until("question")
    for phone, right in zip(phones, [True, True, False, False], strict=True):
        choice = right_choice(first) if right else wrong_choice(first)
        assert (await phone.answer(first["question_id"], choice))["type"] == "answer_received"
    assert (await host.until("reveal"))["question_id"] == first["question_id"]
    for phone in phones:
        await phone.ws.until("reveal")

    # Question 1: two answers acknowledged, a third one sent, and the server dies.
    await host.send({"type": "next"})
    second = await host.until("question")
    for phone in phones:
        await phone.ws.until("question")
    assert (await ayesha.answer(second["question_id"], right_choice(second)))[
        "type"
    ] == "answer_received"
    assert (await chen.answer(second["question_id"], wrong_choice(second)))[
        "type"
    ] == "answer_received"
    await bilal.ws.send(
        {"type": "answer", "question_id": second["question_id"], "choice_id": right_choice(second)}
    )
    # Off the event loop: Daphne's shutdown closes these sockets, and they answer.
    returncode = await asyncio.to_thread(server.signal, signum)
    # SIGTERM is a clean exit (classroom/asgi.py skips the finalisation that segfaults
    # on CPython < 3.11.8 with sockets open); SIGKILL is SIGKILL.
    assert returncode == (0 if signum == signal.SIGTERM else -signal.SIGKILL)
    await close_all(host, *(p.client for p in phones))
    return teacher, phones, first, second


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("deadline", ["still_open", "passed_while_down"])
async def test_a_restarted_server_keeps_every_acknowledged_answer_and_the_game_goes_on(
    tmp_path: Path, signal_name: str, deadline: str
):
    password = secrets.token_urlsafe(12)
    db_path = tmp_path / "db.sqlite3"
    env = child_env(db_path)
    limit = OPEN_LIMIT_S if deadline == "still_open" else SHORT_LIMIT_S
    prepare_database(env, password, [20, limit, 20])
    db = Database(db_path)
    server = Server(env=env, port=free_port(), log=tmp_path / "daphne.log")
    clients = []
    try:
        await server.start()
        teacher, phones, _first, second = await _play_until_the_crash(
            server, password, SIGNALS[signal_name]
        )
        ayesha, bilal, chen, _dmitri = phones

        # What the dead server left: both acknowledged answers of question 1 are stored.
        game = db.game(teacher.pin)
        assert game["phase"] == "question" and game["question_index"] == 1
        stored = {(a["player_id"], a["question_index"]) for a in db.answers(game["id"])}
        assert {(ayesha.player_id, 1), (chen.player_id, 1)} <= stored
        scores_before = {pid: p["score"] for pid, p in db.players(game["id"]).items()}
        deadline_at = game["deadline"]
        if deadline == "passed_while_down":
            await asyncio.sleep(max(0.0, deadline_at - time.time()) + 0.5)

        await server.start()
        host = await teacher.connect(server)
        clients.append(host)
        if deadline == "passed_while_down":
            # The projector's connect re-armed the timer from the stored deadline, which
            # is behind us: the question closes at once, with nobody else back yet.
            reveal = await host.until("reveal", timeout=CLOSE_SLACK_S)
            assert reveal["reason"] == "time" and reveal["question_id"] == second["question_id"]
            assert db.game(teacher.pin)["phase"] == "reveal"
            assert_scores_are_recomputed(db, teacher.pin)
            scores_before = {pid: p["score"] for pid, p in db.players(game["id"]).items()}
        for phone in phones:
            joined = await phone.resume(server, teacher.pin)
            clients.append(phone.client)
            assert joined["type"] == "joined", joined
            assert joined["resumed"] is True
            assert joined["player"]["id"] == phone.player_id
            state = joined["state"]
            assert state["score"] == scores_before[phone.player_id]
            if deadline == "still_open":
                assert state["phase"] == "question"
                assert state["question"]["question_id"] == second["question_id"]
                # The game's dealt order and ids survive the restart (stored, not redrawn).
                assert state["question"]["choices"] == second["choices"]
                assert 0 < state["question"]["remaining_ms"] <= limit * 1000
                mine = state["your_answer"] and state["your_answer"]["choice_id"]
            else:
                assert state["phase"] == "reveal"
                assert state["reveal"]["question_id"] == second["question_id"]
                mine = state["reveal"]["your_choice_id"]
            if phone in (ayesha, chen):
                assert mine == phone.stored[second["question_id"]]
            elif phone is bilal and mine is not None:
                # Stored before the crash, never acknowledged: the snapshot says so.
                phone.stored[second["question_id"]] = mine
            else:
                assert mine is None
        assert len(db.players(game["id"])) == len(NICKNAMES)

        # Bilal's answer was on the wire: stored or not, sending it again (as the phone
        # does) leaves exactly one row. Dmitri never answers: the re-armed timer closes.
        resend = await bilal.answer(second["question_id"], right_choice(second))
        if deadline == "still_open":
            assert resend["type"] == "answer_received" or resend["code"] == "already_answered"
            reveal = await host.until("reveal", timeout=limit + CLOSE_SLACK_S)
            assert reveal["reason"] == "time"
            assert deadline_at <= reveal["_at"] <= deadline_at + CLOSE_SLACK_S
            for phone in phones:
                await phone.ws.until("reveal")
        else:
            # Too late now: it was judged at the deadline, with or without it.
            assert resend["type"] == "error" and resend["code"] == "question_closed"
            for phone in phones:
                assert phone.ws.frames[0]["state"]["phase"] == "reveal"
        assert_scores_are_recomputed(db, teacher.pin)

        # Question 2: the game goes on to the end.
        await host.send({"type": "next"})
        third = await host.until("question")
        for phone in phones:
            assert (await phone.ws.until("question"))["question_id"] == third["question_id"]
            reply = await phone.answer(third["question_id"], right_choice(third))
            assert reply["type"] == "answer_received"
        await host.until("reveal")
        await host.send({"type": "next"})
        await host.until("finished")
        for phone in phones:
            await phone.ws.until("finished")

        assert db.game(teacher.pin)["phase"] == "finished"
        assert len(db.players(game["id"])) == len(NICKNAMES)
        assert_exactly_the_acknowledged_answers(db, teacher.pin, phones)
        assert_scores_are_recomputed(db, teacher.pin)
    except BaseException:
        print(server.tail())
        raise
    finally:
        await close_all(*clients)
        server.stop()

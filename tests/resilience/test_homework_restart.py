"""A homework server that dies loses nothing it acknowledged, and every student resumes
where they were (issue #14, with the guarantees of issue 4).

Daphne runs as a subprocess with the project's command line and a SQLite file. Three
students work on a homework at their own pace; right after some answers are
acknowledged the process is killed (SIGKILL) while one more answer is on the wire. A
new process starts on the same database; each student resumes on the question they had
open or where they left off, and finishes. Then the database holds every acknowledged
answer exactly once, and every score equals a recomputation from the stored answers.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from pathlib import Path

import pytest

from bench.homework import start_homework
from classroom.scoring import QuestionRules, RecordedAnswer, replay_scores
from tests.resilience.harness import (
    QUIZ_SLUG,
    TEACHER,
    Database,
    Phone,
    Server,
    assert_exactly_the_acknowledged_answers,
    child_env,
    close_all,
    free_port,
    prepare_database,
    right_choice,
    wrong_choice,
)

pytestmark = pytest.mark.process


def _assert_scores_are_recomputed(db: Database, pin: str) -> None:
    """Every player's totals equal a replay of their stored answers over every question
    (each student answered all of them; a homework game has no class-wide index)."""
    game = db.game(pin)
    questions = game["questions"]
    players = db.players(game["id"])
    totals = replay_scores(
        questions=[
            QuestionRules(
                kind=q["kind"],
                correct_choice_ids=tuple(q["correct_choice_ids"]),
                time_limit_ms=q["time_limit_ms"],
                multiplier=q.get("points_multiplier", 1),
            )
            for q in questions
        ],
        answers=[
            RecordedAnswer(
                player_id=a["player_id"],
                question_index=a["question_index"],
                answer=a["choice_id"],
                elapsed_ms=a["elapsed_ms"],
            )
            for a in db.answers(game["id"])
        ],
        player_ids=list(players),
        accuracy_only=bool(game["options"].get("accuracy_only")),
    )
    for player_id, player in players.items():
        total = totals[player_id]
        assert (player["score"], player["streak"], player["correct_count"]) == (
            total.score,
            total.streak,
            total.correct_count,
        ), player["nickname"]


async def _next(phone: Phone) -> dict:
    await phone.ws.send({"type": "next"})
    return await phone.ws.next_matching(lambda f: f.get("type") in ("question", "finished"))


async def test_a_killed_homework_server_keeps_every_acknowledged_answer_and_everyone_resumes(
    tmp_path: Path,
):
    password = secrets.token_urlsafe(12)
    db_path = tmp_path / "db.sqlite3"
    env = child_env(db_path)
    prepare_database(env, password, [60, 60, 60])
    db = Database(db_path)
    server = Server(env=env, port=free_port(), log=tmp_path / "daphne.log")
    clients = []
    try:
        await server.start()
        pin, _cookies = await asyncio.to_thread(
            start_homework, server.base_url, password, 3, username=TEACHER, quiz=QUIZ_SLUG
        )
        ayesha, bilal, chen = phones = [Phone(n) for n in ("Ayesha", "Bilal", "Chen")]
        for phone in phones:
            joined = await phone.join(server, pin)
            assert joined["state"]["mode"] == "self_paced"
        # Ayesha answers two questions; Bilal one, then opens his second; Chen's first
        # answer is on the wire when the server dies.
        for _ in range(2):
            question = await _next(ayesha)
            reply = await ayesha.answer(question["question_id"], right_choice(question))
            assert reply["type"] == "answer_received"
            await ayesha.ws.until("reveal")
        question = await _next(bilal)
        assert (await bilal.answer(question["question_id"], wrong_choice(question)))[
            "type"
        ] == "answer_received"
        bilal_open = await _next(bilal)
        chen_first = await _next(chen)
        await chen.ws.send(
            {
                "type": "answer",
                "question_id": chen_first["question_id"],
                "choice_id": right_choice(chen_first),
            }
        )
        assert await asyncio.to_thread(server.signal, signal.SIGKILL) == -signal.SIGKILL
        await close_all(*(p.client for p in phones))

        await server.start()
        for phone in phones:
            joined = await phone.resume(server, pin)
            clients.append(phone.client)
            assert joined["type"] == "joined" and joined["resumed"] is True, joined
        states = {p.nickname: p.ws.frames[-1]["state"] for p in phones}
        assert states["Ayesha"]["phase"] == "reveal"
        assert states["Ayesha"]["reveal"]["correct"] is True
        assert states["Bilal"]["phase"] == "question"
        assert states["Bilal"]["question"]["question_id"] == bilal_open["question_id"]
        assert 0 < states["Bilal"]["question"]["remaining_ms"] <= 60_000
        # Chen's last answer was either stored before the kill (then its reveal) or not.
        assert states["Chen"]["phase"] in ("question", "reveal")
        if states["Chen"]["phase"] == "reveal":
            chen.stored[chen_first["question_id"]] = right_choice(chen_first)

        # Everyone finishes from where they are.
        for phone in phones:
            state = phone.ws.frames[-1]["state"]
            question = state["question"] if state["phase"] == "question" else None
            while True:
                if question is None:
                    question = await _next(phone)
                    if question["type"] == "finished":
                        break
                reply = await phone.answer(question["question_id"], right_choice(question))
                assert reply["type"] == "answer_received", reply
                await phone.ws.until("reveal")
                question = None
        assert_exactly_the_acknowledged_answers(db, pin, phones)
        _assert_scores_are_recomputed(db, pin)
    finally:
        await close_all(*clients)
        server.stop()

"""Redis restarted mid-game: the game goes on and no answer is lost (issue 4).

Daphne runs as a subprocess on the Redis channel layer (REDIS_URL). redis-server is
shut down without saving and started again with the CI's own command line, so every
group membership it held is gone. The hub must notice and subscribe again; the next
question must then reach every phone (directly, or through the seq-gap sync), and
every acknowledged answer must be in the database once. Redis is always left running.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from tests.resilience.harness import (
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
    reached,
    right_choice,
    wrong_choice,
)

pytestmark = pytest.mark.process

REDIS_URL = os.environ.get("REDIS_URL", "")
REDIS_PORT = "6379"
# The exact command .ci/run and this machine start Redis with.
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", REDIS_PORT,
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
    "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip
REDIS_TIMEOUT_S = 20.0
RESUBSCRIBE_TIMEOUT_S = 15.0
WAIT_S = 15.0

needs_redis = pytest.mark.skipif(
    not REDIS_URL.startswith("redis://127.0.0.1:6379"),
    reason="REDIS_URL is not the local redis-server on 127.0.0.1:6379 (.ci/run sets it); "
    "this test restarts that server",
)


def _redis(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", REDIS_PORT, *args],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def _redis_up() -> bool:
    try:
        return _redis("ping").stdout.strip() == "PONG"
    except subprocess.TimeoutExpired:
        return False


async def _wait_for(check, what: str, timeout: float) -> None:
    end = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > end:
            raise AssertionError(f"{what} within {timeout}s")
        await asyncio.sleep(0.1)


def _start_redis() -> None:
    if not _redis_up():
        subprocess.run(REDIS_START, check=False, timeout=30)


async def _restart_redis() -> None:
    _redis("shutdown", "nosave")
    await _wait_for(lambda: not _redis_up(), "redis-server did not stop", REDIS_TIMEOUT_S)
    await asyncio.to_thread(_start_redis)
    await _wait_for(_redis_up, "redis-server did not come back", REDIS_TIMEOUT_S)


def _group_members(game_id: int) -> int:
    # channels-redis keeps group `game.<id>` as the sorted set asgi:group:game.<id>.
    reply = _redis("zcard", f"asgi:group:game.{game_id}").stdout.strip()
    return int(reply or 0)


def _question(frame: dict) -> dict:
    """The open question of a `question` frame or of a host snapshot."""
    return frame if frame["type"] == "question" else frame["question"]


async def _stop_redis() -> None:
    _redis("shutdown", "nosave")
    await _wait_for(lambda: not _redis_up(), "redis-server did not stop", REDIS_TIMEOUT_S)


@needs_redis
@pytest.mark.parametrize(
    "outage", ["between_answers", "while_the_question_closes", "while_a_phone_comes_back"]
)
async def test_after_a_redis_restart_the_next_question_reaches_everyone_and_no_answer_is_lost(
    tmp_path: Path, outage: str
):
    """`between_answers`: Redis restarts while a question is open; the hub must
    subscribe again before the next broadcast. `while_the_question_closes`: the last
    answer is acknowledged while Redis is down, so the reveal it triggers is lost: every
    client must get it as a snapshot when the hub recovers. `while_a_phone_comes_back`: a
    phone resumes while Redis is down; it gets its snapshot at once and, once Redis is
    back, the broadcasts again."""
    password = secrets.token_urlsafe(12)
    db_path = tmp_path / "db.sqlite3"
    env = child_env(db_path, redis_url=REDIS_URL)
    prepare_database(env, password, [30, 30, 30])
    db = Database(db_path)
    server = Server(env=env, port=free_port(), log=tmp_path / "daphne.log")
    clients = []
    try:
        await server.start()
        teacher = await launch_game(server, password)
        host = await teacher.connect(server)
        clients.append(host)
        phones = [Phone(name) for name in ("Ayesha", "Bilal", "Chen")]
        for phone in phones:
            await phone.join(server, teacher.pin)
            clients.append(phone.client)
        ayesha, bilal, chen = phones
        game_id = db.game(teacher.pin)["id"]

        await host.send({"type": "start"})
        first = await host.until("question")
        for phone in phones:
            await phone.ws.until("question")
        for phone, choice in [(ayesha, right_choice(first)), (bilal, wrong_choice(first))]:
            assert (await phone.answer(first["question_id"], choice))["type"] == "answer_received"

        if outage == "between_answers":
            await _restart_redis()
            # The hub notices the restart and joins its game's group again.
            await _wait_for(
                lambda: _group_members(game_id) >= 1,
                "the hub did not resubscribe to its game's group",
                RESUBSCRIBE_TIMEOUT_S,
            )
            reply = await chen.answer(first["question_id"], right_choice(first))
            assert reply["type"] == "answer_received"
        elif outage == "while_a_phone_comes_back":
            await _stop_redis()
            # Ayesha (who answered) comes back; Chen has not answered, so the question
            # stays open.
            await ayesha.ws.close()
            joined = await ayesha.resume(server, teacher.pin)
            clients.append(ayesha.client)
            assert joined["type"] == "joined" and joined["player"]["id"] == ayesha.player_id
            state = joined["state"]
            assert state["phase"] == "question"
            assert state["question"]["question_id"] == first["question_id"]
            assert state["your_answer"]["choice_id"] == ayesha.stored[first["question_id"]]
            await asyncio.to_thread(_start_redis)
            await _wait_for(_redis_up, "redis-server did not come back", REDIS_TIMEOUT_S)
            await _wait_for(
                lambda: _group_members(game_id) >= 1,
                "the hub did not resubscribe to its game's group",
                RESUBSCRIBE_TIMEOUT_S,
            )
            reply = await chen.answer(first["question_id"], right_choice(first))
            assert reply["type"] == "answer_received"
        else:
            await _stop_redis()
            # Stored and acknowledged without Redis; its reveal cannot be published.
            reply = await chen.answer(first["question_id"], right_choice(first))
            assert reply["type"] == "answer_received"
            # The batch is acknowledged first, then the question it completed closes.
            await _wait_for(
                lambda: db.game(teacher.pin)["phase"] == "reveal",
                "the last answer did not close the question",
                WAIT_S,
            )
            await asyncio.to_thread(_start_redis)
            await _wait_for(_redis_up, "redis-server did not come back", REDIS_TIMEOUT_S)

        # The last answer closed question 0: everyone sees its reveal.
        await host.next_matching(reached("reveal", first["question_id"]), timeout=WAIT_S)
        for phone in phones:
            await phone.ws.next_matching(reached("reveal", first["question_id"]), timeout=WAIT_S)

        await host.send({"type": "next"})
        second = _question(await host.next_matching(reached("question")))
        for phone in phones:
            await phone.ws.next_matching(reached("question", second["question_id"]))
            reply = await phone.answer(second["question_id"], right_choice(second))
            assert reply["type"] == "answer_received"
        await host.next_matching(reached("reveal", second["question_id"]))
        await host.send({"type": "end"})
        await host.next_matching(reached("finished"))
        for phone in phones:
            await phone.ws.next_matching(reached("finished"))

        assert_exactly_the_acknowledged_answers(db, teacher.pin, phones)
        assert_scores_are_recomputed(db, teacher.pin)
    except BaseException:
        print(server.tail())
        raise
    finally:
        await close_all(*clients)
        server.stop()
        await asyncio.to_thread(_start_redis)
        assert _redis_up(), "redis-server is not running after the test"

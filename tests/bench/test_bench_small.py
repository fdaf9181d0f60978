"""The benchmark harness as a correctness check: a small game end to end.

No timing is asserted (a shared CI machine cannot promise latencies); what is asserted
is what the numbers in docs/performance.md rely on: every phone joined, got every
question and every reveal, every answer was acknowledged and every acknowledged answer
is a row in the database.
"""

import pytest

from bench.run import parse_args, run

PLAYERS = 50
QUESTIONS = 2


def _small_run(*extra: str):
    # Explicitly empty URLs: CI exports DATABASE_URL/REDIS_URL for the scale-out tests,
    # and this run must use its own throwaway SQLite file and the in-memory layer.
    args = parse_args(
        [
            "--players", str(PLAYERS), "--questions", str(QUESTIONS), "--join-rate", "100",
            "--gap", "0.2", "--no-pin", "--database-url=", "--redis-url=", *extra,
        ]
    )  # fmt: skip
    (row,) = run(args)
    return row


@pytest.mark.process
def test_the_floor_delivers_every_question_to_every_phone_and_acks_every_answer():
    row = _small_run("--floor-only")
    floor = row.floor
    assert floor.joined == PLAYERS and not floor.refused
    assert [r.delivered for r in floor.rounds] == [PLAYERS] * QUESTIONS
    assert floor.answers_acked == floor.answers_sent == PLAYERS * QUESTIONS
    assert floor.finished == PLAYERS


@pytest.mark.process
def test_fifty_phones_get_every_question_and_every_answer_is_acked_and_stored():
    row = _small_run("--no-floor")
    server = row.server
    assert server.joined == PLAYERS, server.refused
    assert not server.refused
    assert len(server.rounds) == QUESTIONS
    for round_result in server.rounds:
        assert round_result.expected == PLAYERS
        assert round_result.delivered == PLAYERS
        assert round_result.reveals == PLAYERS
    assert server.answers_sent == PLAYERS * QUESTIONS
    assert server.answers_acked == PLAYERS * QUESTIONS, server.answer_errors
    assert not server.answer_errors
    assert server.player_seq_gaps == 0 and server.host_seq_gaps == 0
    assert server.host_errors == []
    assert row.stored["players"] == PLAYERS
    assert row.stored["answers"] == PLAYERS * QUESTIONS
    assert server.finished == PLAYERS

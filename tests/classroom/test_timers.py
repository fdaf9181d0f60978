"""classroom/timers.py: what a question's timer keeps of its reading time."""

import asyncio
import time

from classroom import timers


async def test_the_reading_time_is_known_until_the_questions_timer_is_done(monkeypatch):
    closed = []

    def db_call(service):
        async def call(**kwargs):
            closed.append(kwargs)

        return call

    monkeypatch.setattr(timers, "db_call", db_call)
    monkeypatch.setattr(timers, "GRACE_S", 0.0)
    clock = time.time()
    questions = timers.QuestionTimers()
    questions.arm(7, 0, clock + 0.05, opens_epoch_s=clock + 0.02, question_id=11)
    assert questions.too_early(7, 11, clock)
    assert not questions.too_early(7, 11, clock + 0.03)
    assert not questions.too_early(7, 12, clock)
    while questions.tasks:
        await asyncio.sleep(0.01)
    assert closed == [{"game_id": 7, "expected_index": 0, "reason": "time"}]
    # Nothing kept per game once its question closed.
    assert questions.opens == {}


async def test_a_question_without_reading_time_keeps_nothing():
    questions = timers.QuestionTimers()
    questions.arm(7, 0, time.time() + 60, opens_epoch_s=0.0, question_id=11)
    try:
        assert questions.opens == {}
        assert not questions.too_early(7, 11, time.time())
    finally:
        for task in questions.tasks.values():
            task.cancel()

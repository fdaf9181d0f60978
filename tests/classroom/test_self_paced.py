"""The per-player rules of a homework game (classroom/self_paced.py)."""

from datetime import UTC, datetime, timedelta

from classroom.self_paced import (
    Place,
    Progress,
    Step,
    deadline,
    elapsed_ms,
    homework_open,
    on_answer,
    on_next,
    place,
    progress_due,
    remaining_ms,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def progress(**changes):
    values = {"index": -1, "count": 3, "deadline": None, "answered": False, "finished": False}
    values.update(changes)
    return Progress(**values)


def test_a_player_who_has_not_started_gets_the_first_question():
    assert place(progress(), now=NOW, is_open=True) is Place.NOT_STARTED
    assert on_next(progress(), now=NOW, is_open=True) is Step.QUESTION


def test_next_while_the_question_is_open_is_refused():
    open_one = progress(index=0, deadline=NOW + timedelta(seconds=5))
    assert place(open_one, now=NOW, is_open=True) is Place.OPEN
    assert on_next(open_one, now=NOW, is_open=True) is Step.WRONG_PHASE


def test_a_question_without_a_timer_stays_open_until_answered():
    untimed = progress(index=1)
    assert on_next(untimed, now=NOW + timedelta(days=3), is_open=True) is Step.WRONG_PHASE
    assert remaining_ms(untimed, now=NOW, limit_ms=20_000) == 20_000


def test_an_answered_or_timed_out_question_lets_the_player_move_on():
    answered = progress(index=0, answered=True, deadline=NOW + timedelta(seconds=5))
    timed_out = progress(index=0, deadline=NOW - timedelta(milliseconds=1))
    for p in (answered, timed_out):
        assert place(p, now=NOW, is_open=True) is Place.REVEALED
        assert on_next(p, now=NOW, is_open=True) is Step.QUESTION


def test_next_after_the_last_question_finishes():
    last = progress(index=2, answered=True)
    assert on_next(last, now=NOW, is_open=True) is Step.FINISHED


def test_once_closed_every_next_and_answer_is_finished():
    open_one = progress(index=0, deadline=NOW + timedelta(seconds=5))
    assert on_next(open_one, now=NOW, is_open=False) is Step.FINISHED
    assert on_answer(open_one, question_index=0, arrived_at=NOW, is_open=False) is Step.FINISHED
    assert place(open_one, now=NOW, is_open=False) is Place.FINISHED


def test_an_answer_counts_only_for_the_players_open_question_before_its_deadline():
    open_one = progress(index=1, deadline=NOW + timedelta(seconds=5))
    assert on_answer(open_one, question_index=1, arrived_at=NOW, is_open=True) is Step.ACCEPT
    assert on_answer(open_one, question_index=0, arrived_at=NOW, is_open=True) is Step.CLOSED
    late = NOW + timedelta(seconds=6)
    assert on_answer(open_one, question_index=1, arrived_at=late, is_open=True) is Step.CLOSED
    answered = progress(index=1, answered=True)
    assert on_answer(answered, question_index=1, arrived_at=NOW, is_open=True) is Step.CLOSED
    assert on_answer(progress(), question_index=0, arrived_at=NOW, is_open=True) is Step.CLOSED


def test_homework_is_open_until_its_closing_time_or_the_teachers_end():
    assert homework_open(now=NOW, closes_at=NOW + timedelta(seconds=1), ended=False)
    assert not homework_open(now=NOW, closes_at=NOW, ended=False)
    assert not homework_open(now=NOW, closes_at=NOW + timedelta(days=1), ended=True)


def test_time_runs_from_the_moment_the_players_question_went_out():
    assert deadline(NOW, limit_ms=20_000, timed=True) == NOW + timedelta(seconds=20)
    assert deadline(NOW, limit_ms=20_000, timed=False) is None
    assert elapsed_ms(NOW, NOW + timedelta(milliseconds=1500), limit_ms=20_000) == 1500
    # Days later without a timer: capped at the limit, never past the column's range.
    assert elapsed_ms(NOW, NOW + timedelta(days=2), limit_ms=20_000) == 20_000
    assert (
        remaining_ms(
            progress(index=0, deadline=NOW + timedelta(seconds=3)), now=NOW, limit_ms=20_000
        )
        == 3000
    )


def test_progress_goes_to_the_teacher_at_most_once_a_second():
    assert progress_due(None, now=NOW)
    assert not progress_due(NOW - timedelta(milliseconds=999), now=NOW)
    assert progress_due(NOW - timedelta(seconds=1), now=NOW)

"""bench/answer_groups.py: both ways store every answer, and bad options are refused."""

import pytest

from bench.answer_groups import WAYS, main, measure
from classroom.models import Answer
from tests.classroom.conftest import build_quiz


@pytest.mark.django_db(transaction=True)
def test_each_way_stores_every_answer_of_every_game(django_user_model):
    teacher = django_user_model.objects.create_user(username="teacher", password="pw-1")
    quiz = build_quiz(kinds=("choice", "order", "year_guess"))
    rows = measure(quiz=quiz, host=teacher, games=4, players=5, per_window=2)
    assert [row["way"] for row in rows] == list(WAYS)
    # Each way has its own 4 games of 5; the first windows warm up and are not
    # counted, but they are stored too.
    assert Answer.objects.count() == 2 * 20
    for row in rows:
        assert row["stored"] == row["answers"] == 20 - 2 * 5
        assert row["windows"] == 5 and row["cpu_ms_per_answer"] > 0


@pytest.mark.parametrize("bad", [["--games", "0"], ["--players", "201"], ["--per-window", "0"]])
def test_options_out_of_bounds_are_refused(bad, capsys):
    with pytest.raises(SystemExit):
        main(bad)
    assert "must be" in capsys.readouterr().err

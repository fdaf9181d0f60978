"""manage.py import_quiz: imports, reports, and lists every problem with a non-zero exit."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from quizzes.models import Question, Quiz
from quizzes.spreadsheet import MAX_UPLOAD_BYTES

from .spreadsheets import GOOD_ROWS, csv_bytes, kahoot_bytes

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_quiz", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture
def kahoot_file(tmp_path: Path) -> Path:
    path = tmp_path / "Unit 3.xlsx"
    path.write_bytes(kahoot_bytes(GOOD_ROWS))
    return path


def test_a_file_is_imported_into_a_new_quiz_and_the_counts_printed(kahoot_file):
    out = run(str(kahoot_file))
    quiz = Quiz.objects.get()
    assert quiz.title == "Unit 3" and quiz.questions.count() == 3
    assert f"New quiz “Unit 3” (slug {quiz.slug}), from a Kahoot quiz template:" in out
    assert "3 questions added, 0 updated, 0 already up to date." in out
    assert "The file gave no explanation for rows 9, 10, 11" in out


def test_the_second_import_of_a_file_changes_nothing(kahoot_file):
    run(str(kahoot_file))
    out = run(str(kahoot_file))
    assert "0 questions added, 0 updated, 3 already up to date." in out
    assert "Nothing to change: the quiz already matches the file." in out
    assert Quiz.objects.count() == 1 and Question.objects.count() == 3


def test_a_dry_run_writes_nothing(kahoot_file):
    out = run(str(kahoot_file), "--dry-run")
    assert out.startswith("Dry run, nothing written.")
    assert "3 questions added" in out
    assert Quiz.objects.count() == 0


def test_quiz_and_title_options(kahoot_file, tmp_path):
    run(str(kahoot_file), "--title", "Cold War")
    quiz = Quiz.objects.get(title="Cold War")
    more = tmp_path / "more.csv"
    more.write_bytes(
        csv_bytes([["question", "answer_1", "answer_2", "correct"], ["New?", "a", "b", "2"]])
    )
    out = run(str(more), "--quiz", quiz.slug)
    assert "Into quiz “Cold War”" in out and "1 questions added" in out
    assert quiz.questions.count() == 4


def test_every_problem_is_listed_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.xlsx"
    rows = [GOOD_ROWS[0], ["=A1", "a", "b", None, None, 20, 1], ["Q?", "a", "b", None, None, 7, 3]]
    path.write_bytes(kahoot_bytes(rows))
    with pytest.raises(CommandError) as caught:
        run(str(path))
    message = str(caught.value)
    assert f"{path}: not imported, nothing was written (2 problems):" in message
    assert "  Row 10, column B (Question): “=A1”: a formula where text belongs" in message
    assert "  Row 11, column G (Time limit): “7”: time limit not allowed" not in message
    assert "  Row 11, column H (Correct answer(s)): “3”: answer 3 is marked correct" in message
    assert Quiz.objects.count() == 0


def test_an_unknown_quiz_a_missing_file_and_a_title_with_quiz_are_errors(kahoot_file, tmp_path):
    with pytest.raises(CommandError, match="there is no quiz with the slug “nope”"):
        run(str(kahoot_file), "--quiz", "nope")
    with pytest.raises(CommandError, match="cannot read the file"):
        run(str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="--title names a new quiz"):
        run(str(kahoot_file), "--quiz", "x", "--title", "y")


def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.csv"
    path.write_bytes(b"question\n" + b"x" * MAX_UPLOAD_BYTES)
    with pytest.raises(CommandError, match=f"the limit is {MAX_UPLOAD_BYTES // 1024} KB"):
        run(str(path))

"""`manage.py lint_quiz`: one line per finding, exit status 1 when any is an error."""

from io import StringIO

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from quizzes.models import Question
from quizzes.services import seed_documents_load

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "pakistan-ussr.yaml"


def lint(*args: str) -> str:
    out = StringIO()
    call_command("lint_quiz", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_seed_file_lints_clean_and_says_so():
    out = lint("--file", str(SEED))
    assert out.strip().endswith("0 errors, 0 warnings in 1 quiz of 50 questions.")


def test_a_loaded_quiz_lints_by_slug(small_doc):
    seed_documents_load(documents=[small_doc])
    out = lint("test-quiz")
    assert "0 errors" in out


def test_an_error_prints_code_slug_and_sentence_and_exits_1(small_doc):
    seed_documents_load(documents=[small_doc])
    Question.objects.filter(slug="tashkent-mediator").update(
        prompt="Did Alexei Kosygin broker the Tashkent Declaration?"
    )
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("lint_quiz", "test-quiz", stdout=out, stderr=StringIO())
    assert caught.value.returncode == 1
    assert str(caught.value) == "1 error, 0 warnings in 1 quiz of 12 questions."
    assert out.getvalue().splitlines()[0] == (
        "test-quiz:tashkent-mediator: K103 error (prompt-cue): "
        "The prompt contains the key, “Alexei Kosygin”."
    )


def test_a_file_with_a_giveaway_fails(tmp_path, small_data):
    small_data["quizzes"][0]["questions"][0]["choices"] = [
        {"text": "Alexei Kosygin, who brokered it in January 1966", "correct": True},
        {"text": "Leonid Brezhnev"},
        {"text": "Nikolai Podgorny"},
    ]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(small_data), encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("lint_quiz", "--file", str(path), stdout=out, stderr=StringIO())
    assert "test-quiz:tashkent-mediator: K101 error (key-longest)" in out.getvalue()


def test_warnings_alone_exit_0(small_doc):
    seed_documents_load(documents=[small_doc])
    # The same name keyed on two events is a warning (R203), not an error.
    question = Question.objects.get(slug="afghanistan-year")
    question.kind = "choice"
    question.answer_year = None
    question.event = None
    question.save()
    question.choices.create(position=0, text="Alexei Kosygin", is_correct=True)
    question.choices.create(position=1, text="Yuri Andropov")
    out = lint("test-quiz")
    assert "R203 warning (same-key)" in out
    assert "0 errors, 1 warning" in out


def test_an_unknown_slug_or_nothing_to_lint_is_an_error():
    with pytest.raises(CommandError, match="no quiz with slug 'nope'"):
        lint("nope")
    with pytest.raises(CommandError, match="no quizzes to lint"):
        lint()

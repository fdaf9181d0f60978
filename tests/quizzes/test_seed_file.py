"""The real content: seeds/pakistan-ussr.yaml loads and makes a playable quiz."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from quizzes.models import Question, Quiz, Timeline
from quizzes.services import quiz_export, seed_document_load
from quizzes.yaml_schema import parse_document, validate_document

from .test_services import snapshot

pytestmark = pytest.mark.django_db

SEED = settings.BASE_DIR / "seeds" / "pakistan-ussr.yaml"
QUIZ_SLUG = "pakistan-ussr-1947-1988"


def load_default_seeds() -> str:
    out = StringIO()
    call_command("load_seeds", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_seed_file_is_valid():
    document = parse_document(SEED.read_text(encoding="utf-8"))
    assert QUIZ_SLUG in [quiz.slug for quiz in document.quizzes]


def test_loading_the_seeds_makes_a_quiz_of_hand_written_and_generated_questions():
    load_default_seeds()

    quiz = Quiz.objects.get(slug=QUIZ_SLUG)
    questions = list(quiz.questions.prefetch_related("choices"))
    assert len(questions) >= 20
    assert {q.source for q in questions} == {"hand", "generated"}
    for question in questions:
        assert question.explanation.strip(), question.slug
        choices = list(question.choices.all())
        texts = [c.text.casefold() for c in choices]
        assert len(texts) == len(set(texts)), question.slug
        if question.kind in (Question.Kind.CHOICE, Question.Kind.TRUE_FALSE):
            assert 2 <= len(choices) <= 4, question.slug
            assert sum(c.is_correct for c in choices) == 1, question.slug
        if question.kind == Question.Kind.YEAR_GUESS:
            assert question.answer_year and not choices, question.slug


def test_loading_the_seeds_twice_changes_nothing():
    load_default_seeds()

    out = load_default_seeds()

    assert "Nothing to change: the database already matches." in out


def test_the_seed_quiz_survives_export_and_reload_unchanged():
    load_default_seeds()
    before = snapshot()

    data = quiz_export(quiz=Quiz.objects.get(slug=QUIZ_SLUG))
    Quiz.objects.all().delete()
    Timeline.objects.all().delete()
    seed_document_load(document=validate_document(data))

    assert snapshot() == before

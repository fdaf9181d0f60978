import re

import pytest

from quizzes.models import Choice, Event, Question, Quiz, Timeline
from quizzes.services import (
    QuizContentError,
    quiz_duplicate,
    quiz_export,
    quiz_regenerate,
    seed_documents_load,
)
from quizzes.yaml_schema import dump_document, parse_document, validate_document

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every content row as plain values, ids left out, to compare two database states."""
    return {
        "timelines": list(
            Timeline.objects.values_list(
                "slug",
                "title",
                "description",
                "period_start",
                "period_end",
                "overall_verdict",
                "unverified",
                "periods",
            )
        ),
        "events": list(
            Event.objects.order_by("timeline__slug", "slug").values_list(
                "timeline__slug",
                "slug",
                "year",
                "month",
                "day",
                "title",
                "summary",
                "actors",
                "effect",
                "verdict",
                "verdict_reason",
                "correction",
                "in_period",
                "sources",
                "generate_kinds",
                "exclude_from_generation",
                "key_actor",
                "date_text",
            )
        ),
        "quizzes": list(
            Quiz.objects.order_by("slug").values_list(
                "slug", "title", "description", "timeline__slug", "generator"
            )
        ),
        "questions": list(
            Question.objects.order_by("quiz__slug", "position").values_list(
                "quiz__slug",
                "slug",
                "kind",
                "source",
                "generator_kind",
                "event__slug",
                "prompt",
                "explanation",
                "time_limit_s",
                "points_multiplier",
                "answer_year",
            )
        ),
        "choices": list(
            Choice.objects.order_by(
                "question__quiz__slug", "question__position", "position"
            ).values_list(
                "question__quiz__slug", "question__slug", "position", "text", "is_correct", "note"
            )
        ),
    }


def test_loading_creates_hand_written_then_generated_questions(small_doc):
    report = seed_documents_load(documents=[small_doc])

    quiz = Quiz.objects.get(slug="test-quiz")
    questions = list(quiz.questions.all())
    assert [q.slug for q in questions[:4]] == [
        "tashkent-mediator",
        "u2-from-peshawar",
        "order-three",
        "afghanistan-year",
    ]
    assert all(q.source == "hand" for q in questions[:4])
    generated = questions[4:]
    assert len(generated) == 8
    assert all(q.source == "generated" and q.generator_kind for q in generated)
    assert [q.position for q in questions] == list(range(12))
    assert report.counts["Question"]["created"] == 12
    assert report.counts["Event"]["created"] == 11
    assert Event.objects.get(slug="tashkent").key_actor["name"] == "Alexei Kosygin"


def test_loading_twice_changes_nothing_and_reports_unchanged(small_doc):
    seed_documents_load(documents=[small_doc])
    before = snapshot()
    ids = sorted(Choice.objects.values_list("id", flat=True))

    report = seed_documents_load(documents=[small_doc])

    assert snapshot() == before
    assert sorted(Choice.objects.values_list("id", flat=True)) == ids
    assert not report.changed
    assert report.counts["Question"]["unchanged"] == 12
    assert report.counts["Event"]["unchanged"] == 11
    assert report.counts["Timeline"]["unchanged"] == 1
    assert report.counts["Quiz"]["unchanged"] == 1


def test_editing_a_value_updates_only_that_row(small_text):
    seed_documents_load(documents=[parse_document(small_text)])
    edited = small_text.replace(
        'title: "Oil exploration agreement"', 'title: "Soviet oil exploration agreement"'
    )

    report = seed_documents_load(documents=[parse_document(edited)])

    assert Event.objects.get(slug="oil-agreement").title == "Soviet oil exploration agreement"
    assert report.counts["Event"] == {"created": 0, "updated": 1, "unchanged": 10, "deleted": 0}
    assert report.counts["Timeline"]["updated"] == 0


def test_changed_choices_are_replaced_and_removed_questions_deleted(small_data):
    # Without a generator: what it generates depends on the hand-written questions.
    del small_data["quizzes"][0]["generator"]
    seed_documents_load(documents=[validate_document(small_data)])
    questions = small_data["quizzes"][0]["questions"]
    questions[0]["choices"][2] = {"text": "Andrei Gromyko", "note": "Foreign minister"}
    del questions[3]

    report = seed_documents_load(documents=[validate_document(small_data)])

    mediator = Question.objects.get(slug="tashkent-mediator")
    assert [c.text for c in mediator.choices.all()] == [
        "Alexei Kosygin",
        "Leonid Brezhnev",
        "Andrei Gromyko",
    ]
    assert not Question.objects.filter(slug="afghanistan-year").exists()
    assert report.counts["Question"]["deleted"] == 1
    assert report.counts["Choice"]["created"] == 3


def test_an_event_taken_out_of_the_file_is_deleted(small_data):
    seed_documents_load(documents=[validate_document(small_data)])
    small_data["timeline"]["events"] = [
        e for e in small_data["timeline"]["events"] if e["slug"] != "sharif-moscow"
    ]

    report = seed_documents_load(documents=[validate_document(small_data)])

    assert not Event.objects.filter(slug="sharif-moscow").exists()
    assert report.counts["Event"]["deleted"] == 1


def test_dry_run_reports_changes_but_writes_nothing(small_doc):
    report = seed_documents_load(documents=[small_doc], dry_run=True)

    assert report.dry_run
    assert report.counts["Question"]["created"] == 12
    assert not Timeline.objects.exists()
    assert not Question.objects.exists()


def test_export_then_load_is_lossless(small_doc):
    seed_documents_load(documents=[small_doc])
    before = snapshot()
    text = dump_document(quiz_export(quiz=Quiz.objects.get(slug="test-quiz")))
    # Quizzes first: a timeline is protected while a quiz uses it.
    Quiz.objects.all().delete()
    Timeline.objects.all().delete()
    assert not Question.objects.exists()

    seed_documents_load(documents=[parse_document(text)])

    assert snapshot() == before


def test_export_lists_generated_questions_and_reloading_it_does_not_duplicate_them(small_doc):
    seed_documents_load(documents=[small_doc])
    exported = quiz_export(quiz=Quiz.objects.get(slug="test-quiz"))
    sources = [q.get("source", "hand") for q in exported["quizzes"][0]["questions"]]
    assert sources.count("generated") == 8

    report = seed_documents_load(documents=[validate_document(exported)])

    assert not report.changed
    assert Question.objects.count() == 12


def test_export_of_an_admin_edited_generated_question_survives_the_round_trip(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")
    edited = quiz.questions.filter(source="generated").first()
    edited.prompt = "Edited by a teacher"
    edited.save()
    exported = quiz_export(quiz=quiz)
    Quiz.objects.all().delete()

    seed_documents_load(documents=[validate_document(exported)])

    assert Question.objects.get(slug=edited.slug).prompt == "Edited by a teacher"


def test_export_refuses_a_quiz_without_a_timeline():
    quiz = Quiz.objects.create(slug="loose", title="Loose")

    with pytest.raises(QuizContentError, match="has no timeline"):
        quiz_export(quiz=quiz)


def generated_rows(quiz: Quiz) -> list[tuple]:
    return [
        (
            q.slug,
            q.generator_kind,
            q.prompt,
            q.explanation,
            q.event.slug,
            q.time_limit_s,
            [(c.text, c.is_correct, c.note) for c in q.choices.all()],
        )
        for q in quiz.questions.filter(source="generated").select_related("event")
    ]


def test_regenerate_replaces_generated_questions_after_hand_written_ones(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")
    made_by_load = generated_rows(quiz)
    quiz.questions.filter(source="generated").first().delete()
    quiz.questions.filter(source="generated").update(prompt="stale")

    count = quiz_regenerate(quiz=quiz)

    assert count == 8
    questions = list(quiz.questions.all())
    assert [q.source for q in questions] == ["hand"] * 4 + ["generated"] * 8
    assert [q.position for q in questions] == list(range(12))
    # The database's events give the same drafts as the file's: same seed, same facts.
    assert generated_rows(quiz) == made_by_load


def test_regenerate_uses_the_events_as_edited_in_the_database(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")
    # Every candidate, so the event's questions are surely among them.
    quiz.generator = dict(quiz.generator, count=200)
    quiz.save()
    quiz_regenerate(quiz=quiz)
    ayub = quiz.questions.filter(event__slug="ayub-visit", source="generated")
    assert "actor" in set(ayub.values_list("generator_kind", flat=True))
    Event.objects.filter(slug="ayub-visit").update(generate_kinds=["which_first"])

    quiz_regenerate(quiz=quiz)

    assert set(ayub.values_list("generator_kind", flat=True)) == {"which_first"}


def test_regenerate_without_generator_settings_is_refused_and_keeps_questions(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")
    quiz.generator = {}
    quiz.save()

    with pytest.raises(QuizContentError, match="no generator settings"):
        quiz_regenerate(quiz=quiz)
    assert quiz.questions.filter(source="generated").count() == 8


def test_duplicate_copies_every_question_and_choice_under_a_free_slug(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")

    first = quiz_duplicate(quiz=quiz)
    second = quiz_duplicate(quiz=quiz)
    named = quiz_duplicate(quiz=quiz, new_slug="for-class-9b")

    assert (first.slug, second.slug, named.slug) == (
        "test-quiz-copy",
        "test-quiz-copy-2",
        "for-class-9b",
    )
    assert first.title == "Pakistan and the USSR: test quiz (copy)"
    original = [
        (q.slug, q.prompt, [(c.text, c.is_correct) for c in q.choices.all()])
        for q in quiz.questions.all()
    ]
    copied = [
        (q.slug, q.prompt, [(c.text, c.is_correct) for c in q.choices.all()])
        for q in first.questions.all()
    ]
    assert copied == original
    assert quiz.questions.count() == 12


def test_duplicate_refuses_a_taken_or_bad_slug(small_doc):
    seed_documents_load(documents=[small_doc])
    quiz = Quiz.objects.get(slug="test-quiz")

    with pytest.raises(QuizContentError, match="already exists"):
        quiz_duplicate(quiz=quiz, new_slug="test-quiz")
    with pytest.raises(QuizContentError, match="not a slug"):
        quiz_duplicate(quiz=quiz, new_slug="Bad Slug")
    assert Quiz.objects.count() == 1


def test_two_documents_defining_the_same_quiz_are_refused(small_doc):
    with pytest.raises(
        QuizContentError,
        match=re.escape(
            "document 2: quizzes[0].slug: quiz 'test-quiz' is also defined in document 1"
        ),
    ):
        seed_documents_load(documents=[small_doc, small_doc])
    assert not Quiz.objects.exists()

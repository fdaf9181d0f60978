"""The real content: seeds/pakistan-ussr.yaml loads and makes a playable quiz."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from quizzes.models import Question, Quiz, Timeline
from quizzes.services import quiz_export, seed_documents_load
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
    seed_documents_load(documents=[validate_document(data)])

    assert snapshot() == before


def _seed_lint_quiz():
    from quizzes import lint
    from quizzes.services import quiz_questions_for_load

    document = parse_document(SEED.read_text(encoding="utf-8"))
    quiz = next(q for q in document.quizzes if q.slug == QUIZ_SLUG)
    questions = quiz_questions_for_load(quiz=quiz, timeline=document.timeline)
    return lint.quiz_from_documents(quiz=quiz, timeline=document.timeline, questions=questions)


def test_the_seed_quiz_has_no_lint_findings_as_a_load_would_store_it():
    """CI's guard on the content (issue 12): zero errors, and no warnings either."""
    from quizzes import lint

    findings = lint.lint_quiz(_seed_lint_quiz())

    assert [f.format(QUIZ_SLUG) for f in findings] == []


def test_every_seed_quiz_in_the_database_lints_clean():
    from quizzes.lint_models import quiz_findings

    load_default_seeds()

    for quiz in Quiz.objects.all():
        assert [f.format(quiz.slug) for f in quiz_findings(quiz) if f.is_error] == []


def test_the_seed_quiz_keeps_every_kind_and_generated_questions():
    quiz = _seed_lint_quiz()
    assert {q.kind for q in quiz.questions} == {
        "choice",
        "true_false",
        "order",
        "year_guess",
        "verdict",
    }
    assert {q.source for q in quiz.questions} == {"hand", "generated"}


def test_no_seed_question_keys_an_unverified_claim():
    quiz = _seed_lint_quiz()
    assert quiz.unverified, "the seed lists the fact check's unverified claims"
    claims = " ".join(c.claim for c in quiz.unverified)
    for needle in ("Andropov", "11 million", "1986", "Badaber", "neutral on Kashmir"):
        assert needle in claims


def test_students_see_mid_1980s_not_an_inferred_year_for_the_nuclear_warning(
    client, django_user_model
):
    from quizzes.models import Event

    load_default_seeds()
    # The timeline page is a teacher's (it answers questions during a game).
    client.force_login(django_user_model.objects.create_user("teacher", password="pw-1-long"))
    event = Event.objects.get(slug="nuclear-warning-mid-1980s")
    assert event.date_label == "mid-1980s"
    for question in event.questions.prefetch_related("choices"):
        visible = [question.prompt, question.explanation]
        visible += [f"{c.text} {c.note}" for c in question.choices.all()]
        assert all("1986" not in text for text in visible), question.slug
    html = client.get(f"/timeline/{QUIZ_SLUG}/").content.decode()
    section = html[html.index('id="event-nuclear-warning-mid-1980s"') :]
    section = section[: section.index("</li>")]
    assert "mid-1980s" in section and "1986" not in section


# Events whose verdict the fact check contests (seed-facts.md): the Liaquat "snub", the
# 1956 missed chance, 1962 and 1963 (unverified loan and Kashmir neutrality), Tashkent
# (a success only implied, and bitterly unpopular in Pakistan).
CONTESTED = {
    "liaquat-us-visit-1950": "failure",
    "soviet-thaw-1956": "failure",
    "china-border-soviet-air-1963": "success",
    "tashkent-declaration": "success",
}


def test_the_seed_asks_for_a_verdict_in_every_period_and_only_where_it_is_clear():
    from quizzes.periods import period_of

    document = parse_document(SEED.read_text(encoding="utf-8"))
    periods = document.timeline.periods
    quiz = next(q for q in document.quizzes if q.slug == QUIZ_SLUG)
    events = {event.slug: event for event in document.timeline.events}
    verdicts = [q for q in quiz.questions if q.kind == "verdict"]
    assert len(verdicts) >= 6
    assert len(periods) == 4
    assert {period_of(events[q.event].year, periods) for q in verdicts} == set(periods)
    asked = {q.event for q in verdicts}
    assert not asked & (set(CONTESTED) | {"sino-indian-war-1962"})
    order = [q.slug for q in quiz.questions]
    for question in verdicts:
        assert events[question.event].verdict in ("success", "failure"), question.slug
        # Last on its event, after the questions that tell what happened (their reveals
        # leave the verdict to it): nothing after it is answered by its reveal.
        same = [q for q in quiz.questions if q.event == question.event]
        assert same[-1] is question and len(same) >= 2, question.slug
        for earlier in same[:-1]:
            assert events[question.event].verdict not in earlier.explanation, earlier.slug
        assert order.index(question.slug) > order.index(same[0].slug)
        # A judgement question; the reason reads after "The model answer says: X —".
        assert "a success or a failure" in question.prompt, question.slug
        assert question.explanation.startswith("because "), question.slug
        assert question.choices == (), question.slug
    # The contested verdicts are marked, so the linter refuses a verdict question on one.
    marked = {
        (claim.event, word)
        for claim in document.timeline.unverified
        for word in claim.match
        if word in ("success", "failure")
    }
    assert set(CONTESTED.items()) <= marked

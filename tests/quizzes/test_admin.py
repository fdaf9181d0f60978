"""The content admin: pages render for a superuser and for a teacher, actions work,
choices are validated; a teacher sees quiz content and nothing else."""

import io
import zipfile

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.urls import reverse

from classroom.accounts import create_teacher
from quizzes.models import Choice, Event, Question, Quiz
from quizzes.services import seed_documents_load

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["superuser", "teacher"])
def admin_client(client, request):
    """Every content test runs for a superuser and for a teacher as `create_teacher`
    makes one: editing quiz content is what a teacher's admin is for."""
    if request.param == "superuser":
        user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    else:
        user = create_teacher(username="ms-khan", password="pw-teacher-editor-1")
    client.force_login(user)
    return client


@pytest.fixture
def teacher_admin(client):
    client.force_login(create_teacher(username="ms-khan", password="pw-teacher-editor-1"))
    return client


def test_a_teachers_admin_shows_the_quiz_content_and_nothing_else(teacher_admin):
    response = teacher_admin.get(reverse("admin:index"))
    assert response.status_code == 200
    models = {
        (app["app_label"], model["object_name"])
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert models == {
        ("quizzes", "Timeline"),
        ("quizzes", "Event"),
        ("quizzes", "Quiz"),
        ("quizzes", "Question"),
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/axes/accessattempt/",
        "/admin/axes/accesslog/",
        "/admin/axes/accessfailurelog/",
    ],
)
def test_a_teacher_cannot_open_users_groups_or_login_records_in_the_admin(teacher_admin, url):
    assert teacher_admin.get(url).status_code == 403


def test_no_game_player_or_answer_is_in_the_admin_for_anyone(teacher_admin):
    """Games hold students' nicknames and answers: they are reached through the host's
    own pages (projector, report) only, never through the admin."""
    from django.contrib import admin

    from classroom.models import Answer, Game, Player

    assert not any(admin.site.is_registered(model) for model in (Game, Player, Answer))
    assert teacher_admin.get("/admin/classroom/game/").status_code == 404


def test_a_teacher_cannot_open_another_users_account_page(teacher_admin):
    other = get_user_model().objects.create_user("mr-ali", password="pw-other-teacher-1")
    assert teacher_admin.get(f"/admin/auth/user/{other.pk}/change/").status_code == 403
    assert teacher_admin.get(f"/admin/auth/user/{other.pk}/password/").status_code == 403


def test_a_teacher_can_change_their_own_password_in_the_admin(teacher_admin):
    assert teacher_admin.get("/admin/password_change/").status_code == 200


@pytest.fixture
def loaded(small_doc):
    seed_documents_load(documents=[small_doc])
    return Quiz.objects.get(slug="test-quiz")


def choice_formset(rows: list[dict], *, initial: int = 0) -> dict:
    """POST data for the Choice inline of a question."""
    data = {
        "choices-TOTAL_FORMS": str(len(rows)),
        "choices-INITIAL_FORMS": str(initial),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "4",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "is_correct" and not value:
                continue
            data[f"choices-{i}-{key}"] = "on" if value is True else value
    return data


def question_post(quiz: Quiz, **overrides) -> dict:
    data = {
        "quiz": str(quiz.pk),
        "slug": "new-question",
        "position": "10",
        "kind": "choice",
        "prompt": "Who signed for Pakistan at Geneva in 1988?",
        "event": "",
        "time_limit_s": "20",
        "points_multiplier": "1",
        "answer_year": "",
        "explanation": "Zain Noorani, Minister of State for Foreign Affairs.",
        "source": "hand",
        "generator_kind": "",
    }
    data.update(overrides)
    return data


GOOD_CHOICES = [
    {"position": "0", "text": "Zain Noorani", "is_correct": True, "note": ""},
    {"position": "1", "text": "Sahabzada Yaqub Khan", "note": "FM until late 1987"},
]


@pytest.mark.parametrize("name", ["timeline", "event", "quiz", "question"])
def test_changelists_render(admin_client, loaded, name):
    response = admin_client.get(reverse(f"admin:quizzes_{name}_changelist"))
    assert response.status_code == 200


def test_event_changelist_filters_and_searches(admin_client, loaded):
    url = reverse("admin:quizzes_event_changelist")
    response = admin_client.get(url, {"effect__exact": "improved", "q": "Kosygin"})
    assert response.status_code == 200
    # Kosygin is named only in these two events' actors lists.
    assert [e.slug for e in response.context["cl"].result_list] == ["ayub-visit", "tashkent"]
    assert (
        admin_client.get(url, {"verdict__exact": "failure", "in_period__exact": "1"}).status_code
        == 200
    )


def test_event_changelist_is_ordered_by_date(admin_client, loaded):
    response = admin_client.get(reverse("admin:quizzes_event_changelist"))
    years = [event.year for event in response.context["cl"].result_list]
    assert years == sorted(years)


def test_change_pages_render(admin_client, loaded):
    event = Event.objects.get(slug="tashkent")
    question = Question.objects.get(slug="tashkent-mediator")
    for url in (
        reverse("admin:quizzes_event_change", args=[event.pk]),
        reverse("admin:quizzes_quiz_change", args=[loaded.pk]),
        reverse("admin:quizzes_timeline_change", args=[loaded.timeline_id]),
        reverse("admin:quizzes_question_add"),
    ):
        assert admin_client.get(url).status_code == 200
    response = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    assert response.status_code == 200
    assert b"Alexei Kosygin, the Soviet Premier, mediated" in response.content


def test_a_questions_change_page_shows_its_lint_findings(admin_client, loaded):
    Question.objects.filter(slug="tashkent-mediator").update(
        prompt="Did Alexei Kosygin broker the Tashkent Declaration?"
    )
    question = Question.objects.get(slug="tashkent-mediator")

    response = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))

    html = response.content.decode()
    assert "Quiz linter" in html
    assert 'data-testid="lint-findings"' in html
    assert '<li class="lint-error" data-code="K103">' in html
    assert "The prompt contains the key, “Alexei Kosygin”." in html


def test_a_clean_questions_change_page_says_no_findings(admin_client, loaded):
    question = Question.objects.get(slug="tashkent-mediator")
    response = admin_client.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    assert '<p data-testid="lint-clean">No findings.</p>' in response.content.decode()
    add = admin_client.get(reverse("admin:quizzes_question_add")).content.decode()
    assert "Save the question to see what the quiz linter finds." in add


def test_a_timelines_unverified_claims_are_validated_by_the_model_the_admin_saves(loaded):
    from django.core.exceptions import ValidationError

    timeline = loaded.timeline
    timeline.unverified = [{"claim": "x", "match": []}]
    with pytest.raises(ValidationError, match=r"unverified\[0\]\.match"):
        timeline.full_clean()
    timeline.unverified = [{"claim": "A loan of 11 million pounds", "match": ["11 million"]}]
    timeline.full_clean()


def test_question_changelist_filters_by_source_and_searches_prompt(admin_client, loaded):
    url = reverse("admin:quizzes_question_changelist")
    generated = admin_client.get(url, {"source__exact": "generated"})
    assert {q.source for q in generated.context["cl"].result_list} == {"generated"}
    found = admin_client.get(url, {"q": "mediated the Tashkent"})
    assert [q.slug for q in found.context["cl"].result_list] == ["tashkent-mediator"]


def test_adding_a_valid_question_with_choices_saves_both(admin_client, loaded):
    data = question_post(loaded) | choice_formset(GOOD_CHOICES)

    response = admin_client.post(reverse("admin:quizzes_question_add"), data)

    assert response.status_code == 302
    question = Question.objects.get(slug="new-question")
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [
        ("Zain Noorani", True),
        ("Sahabzada Yaqub Khan", False),
    ]


@pytest.mark.parametrize(
    ("overrides", "rows", "message"),
    [
        ({}, GOOD_CHOICES[:1], "A multiple-choice question needs 2 to 4 choices; it has 1."),
        (
            {},
            [GOOD_CHOICES[0], dict(GOOD_CHOICES[1], is_correct=True)],
            "Mark exactly one choice as correct; 2 are marked.",
        ),
        (
            {},
            [dict(GOOD_CHOICES[0], is_correct=False), GOOD_CHOICES[1]],
            "Mark exactly one choice as correct; 0 are marked.",
        ),
        (
            {},
            [GOOD_CHOICES[0], dict(GOOD_CHOICES[1], text="zain noorani")],
            "Two choices have the same text: “zain noorani”.",
        ),
        (
            {"kind": "true_false"},
            GOOD_CHOICES,
            "A true-or-false question needs exactly two choices, "
            "&quot;True&quot; and &quot;False&quot;.",
        ),
        (
            {"kind": "order"},
            [*GOOD_CHOICES, {"position": "2", "text": "Junejo"}],
            "An ordering question has no correct choice",
        ),
        (
            {"kind": "year_guess", "answer_year": "1988"},
            GOOD_CHOICES,
            "A guess-the-year question has no choices",
        ),
        ({"kind": "year_guess"}, [], "A guess-the-year question needs its answer year."),
        (
            {"answer_year": "1988"},
            GOOD_CHOICES,
            "Only guess-the-year questions have an answer year.",
        ),
        ({"time_limit_s": "4"}, GOOD_CHOICES, "Ensure this value is greater than or equal to 5."),
        ({"time_limit_s": "241"}, GOOD_CHOICES, "Ensure this value is less than or equal to 240."),
        (
            {"explanation": "   "},
            GOOD_CHOICES,
            "Every question needs an explanation for the reveal.",
        ),
        (
            {"source": "generated"},
            GOOD_CHOICES,
            "A generated question names its generator: year_of_event, event_in_year",
        ),
        (
            {"generator_kind": "actor"},
            GOOD_CHOICES,
            "Only generated questions have a generator kind.",
        ),
    ],
)
def test_an_invalid_question_is_refused_with_a_clear_message(
    admin_client, loaded, overrides, rows, message
):
    data = question_post(loaded, **overrides) | choice_formset(rows)

    response = admin_client.post(reverse("admin:quizzes_question_add"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.filter(slug="new-question").exists()


def test_an_event_from_another_timeline_is_refused(admin_client, loaded, small_data):
    from quizzes.yaml_schema import validate_document

    small_data["timeline"]["slug"] = "other-timeline"
    small_data["quizzes"][0]["slug"] = "other-quiz"
    seed_documents_load(documents=[validate_document(small_data)])
    foreign = Event.objects.get(timeline__slug="other-timeline", slug="tashkent")
    data = question_post(loaded, event=str(foreign.pk)) | choice_formset(GOOD_CHOICES)

    response = admin_client.post(reverse("admin:quizzes_question_add"), data)

    assert "Pick an event from this quiz&#x27;s timeline." in response.content.decode()


def test_editing_choices_of_a_true_false_question_is_validated(admin_client, loaded):
    question = Question.objects.get(slug="u2-from-peshawar")
    true, false = question.choices.all()
    rows = [
        {
            "id": str(true.pk),
            "question": str(question.pk),
            "position": "0",
            "text": "True",
            "is_correct": True,
        },
        {
            "id": str(false.pk),
            "question": str(question.pk),
            "position": "1",
            "text": "False",
            "is_correct": True,
        },
    ]
    data = question_post(
        loaded,
        slug=question.slug,
        kind="true_false",
        event=str(question.event_id),
        prompt=question.prompt,
        explanation=question.explanation,
        time_limit_s="15",
    ) | choice_formset(rows, initial=2)

    response = admin_client.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)

    assert "Mark exactly one choice as correct; 2 are marked." in response.content.decode()
    assert [c.is_correct for c in question.choices.all()] == [True, False]


def action(admin_client, name: str, quizzes: list[Quiz]):
    return admin_client.post(
        reverse("admin:quizzes_quiz_changelist"),
        {"action": name, "_selected_action": [str(q.pk) for q in quizzes]},
        follow=name != "download_yaml",
    )


def test_regenerate_action_replaces_generated_questions(admin_client, loaded):
    loaded.questions.filter(source="generated").delete()

    response = action(admin_client, "regenerate_generated_questions", [loaded])

    assert "8 generated questions made afresh" in response.content.decode()
    assert loaded.questions.filter(source="generated").count() == 8


def test_regenerate_action_reports_a_quiz_without_generator(admin_client, loaded):
    loaded.generator = {}
    loaded.save()

    response = action(admin_client, "regenerate_generated_questions", [loaded])

    assert (
        "Not regenerated: quiz &#x27;test-quiz&#x27; has no generator settings."
        in response.content.decode()
    )


def test_duplicate_action_copies_the_quiz(admin_client, loaded):
    response = action(admin_client, "duplicate_quiz", [loaded])

    assert "(slug test-quiz-copy)" in response.content.decode()
    copy = Quiz.objects.get(slug="test-quiz-copy")
    assert copy.questions.count() == loaded.questions.count()
    assert (
        Choice.objects.filter(question__quiz=copy).count()
        == Choice.objects.filter(question__quiz=loaded).count()
    )


def test_download_action_for_one_quiz_sends_a_yaml_file(admin_client, loaded):
    response = action(admin_client, "download_yaml", [loaded])

    assert response["Content-Disposition"] == 'attachment; filename="test-quiz.yaml"'
    assert response["Content-Type"].startswith("application/yaml")
    assert yaml.safe_load(response.content)["quizzes"][0]["slug"] == "test-quiz"


def test_download_action_for_several_quizzes_sends_a_zip(admin_client, loaded):
    Quiz.objects.create(
        slug="second", title="Second", timeline=loaded.timeline, generator={"seed": 1, "count": 2}
    )

    response = action(admin_client, "download_yaml", list(Quiz.objects.all()))

    assert response["Content-Disposition"] == 'attachment; filename="quizzes.zip"'
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["second.yaml", "test-quiz.yaml"]


def test_download_action_reports_a_quiz_that_cannot_be_exported(admin_client):
    loose = Quiz.objects.create(slug="loose", title="Loose")

    response = action(admin_client, "download_yaml", [loose])

    assert response.status_code == 302
    follow = admin_client.get(response["Location"])
    assert "Nothing downloaded: quiz &#x27;loose&#x27; has no timeline" in follow.content.decode()


def test_quiz_form_rejects_bad_generator_settings(admin_client, loaded):
    url = reverse("admin:quizzes_quiz_change", args=[loaded.pk])
    data = {
        "slug": loaded.slug,
        "title": loaded.title,
        "description": "",
        "timeline": str(loaded.timeline_id),
        "generator": '{"seed": 1, "count": 3, "kinds": ["who"]}',
        "questions-TOTAL_FORMS": "0",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }

    response = admin_client.post(url, data)

    assert "Unknown generator kinds: who" in response.content.decode()
    data["generator"] = '{"seed": 1, "count": 3, "time_limit_s": 0}'
    response = admin_client.post(url, data)
    assert "time_limit_s must be between 5 and 240 seconds." in response.content.decode()
    data["generator"] = '{"seed": 1, "count": 3, "colour": "red"}'
    response = admin_client.post(url, data)
    assert "Use the keys count, kinds, seed, time_limit_s" in response.content.decode()
    loaded.refresh_from_db()
    assert loaded.generator["seed"] == 1947


# --- the verdict round ------------------------------------------------------------------


def verdict_post(loaded, event_slug: str, **overrides) -> dict:
    event = Event.objects.get(timeline=loaded.timeline, slug=event_slug)
    fields = {
        "kind": "verdict",
        "prompt": "Was it a success or a failure for Pakistan–USSR relations?",
        "event": str(event.pk),
        "explanation": "",
    }
    return question_post(loaded, **(fields | overrides))


def test_an_editor_creates_a_verdict_question_without_choices_or_explanation(admin_client, loaded):
    response = admin_client.post(
        reverse("admin:quizzes_question_add"),
        verdict_post(loaded, "oil-agreement") | choice_formset([]),
    )

    assert response.status_code == 302
    question = Question.objects.get(slug="new-question")
    # The explanation is the event's reason; the choices are the kind's own.
    assert question.kind == "verdict" and not question.choices.exists()
    assert question.explanation == "Practical help that Pakistan needed."


@pytest.mark.parametrize(
    ("event_slug", "rows", "message"),
    [
        ("relations-opened", [], "has the verdict neutral: pick an event the source calls"),
        ("ayub-visit", [], "Every question needs an explanation for the reveal."),
        (
            "oil-agreement",
            GOOD_CHOICES,
            "A verdict question needs no choices: the class always sees",
        ),
        (
            "oil-agreement",
            [
                {"position": "0", "text": "Success", "is_correct": True},
                {"position": "1", "text": "Failure"},
            ],
            "A verdict question has no correct choice",
        ),
    ],
)
def test_an_invalid_verdict_question_is_refused_with_a_clear_message(
    admin_client, loaded, event_slug, rows, message
):
    data = verdict_post(loaded, event_slug) | choice_formset(rows)

    response = admin_client.post(reverse("admin:quizzes_question_add"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Question.objects.filter(slug="new-question").exists()


def test_a_verdict_question_needs_its_event(admin_client, loaded):
    data = verdict_post(loaded, "oil-agreement", event="", explanation="because.")
    response = admin_client.post(reverse("admin:quizzes_question_add"), data | choice_formset([]))
    assert "A verdict question needs the event the class judges." in response.content.decode()


def _timeline_form(timeline, **changes):
    import json

    data = {
        "slug": timeline.slug,
        "title": timeline.title,
        "description": timeline.description,
        "period_start": timeline.period_start,
        "period_end": timeline.period_end,
        "overall_verdict": timeline.overall_verdict,
        "unverified": json.dumps(timeline.unverified),
        "periods": json.dumps(timeline.periods),
    }
    data.update(changes)
    return data


def test_a_timelines_periods_are_edited_in_the_admin(admin_client, loaded):
    import json

    timeline = loaded.timeline
    url = reverse("admin:quizzes_timeline_change", args=[timeline.pk])
    periods = [
        {"slug": "cold", "title": "1947–70: Cold, then a thaw", "start": 1947, "end": 1970},
        {"slug": "warm", "title": "1970–88: War, then Afghanistan", "start": 1970, "end": 1988},
    ]
    response = admin_client.post(url, _timeline_form(timeline, periods=json.dumps(periods)))
    assert response.status_code == 302
    timeline.refresh_from_db()
    assert timeline.periods == periods


def test_the_admin_refuses_periods_with_a_gap_and_keeps_the_old_ones(admin_client, loaded):
    import json

    timeline = loaded.timeline
    before = list(timeline.periods)
    url = reverse("admin:quizzes_timeline_change", args=[timeline.pk])
    periods = [
        {"slug": "cold", "title": "Cold", "start": 1947, "end": 1960},
        {"slug": "warm", "title": "Warm", "start": 1965, "end": 1988},
    ]
    response = admin_client.post(url, _timeline_form(timeline, periods=json.dumps(periods)))
    assert response.status_code == 200
    assert "period 2: must be 1960" in response.content.decode()
    timeline.refresh_from_db()
    assert timeline.periods == before

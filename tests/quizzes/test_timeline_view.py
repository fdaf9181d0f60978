"""The timeline page of a quiz: for teachers only, since it answers the quiz's year,
order and effect questions."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from quizzes.models import Event, Quiz, Timeline


@pytest.fixture
def teacher_client(client, db):
    client.force_login(get_user_model().objects.create_user("teacher", password="pw-teacher-1"))
    return client


@pytest.fixture
def quiz_with_timeline(db):
    line = Timeline.objects.create(
        slug="pk-ussr",
        title="Pakistan and the USSR",
        period_start=1947,
        period_end=1988,
        overall_verdict="Not successful: the good periods were short-lived.",
    )
    Event.objects.create(
        timeline=line,
        slug="u2-incident",
        year=1960,
        month=5,
        day=1,
        title="U-2 shot down",
        summary="A US spy plane from Peshawar was shot down.",
        effect=Event.Effect.WORSENED,
        verdict=Event.Verdict.FAILURE,
        verdict_reason="Moscow saw Pakistan as a US base.",
    )
    Event.objects.create(
        timeline=line,
        slug="tashkent",
        year=1966,
        month=1,
        title="Tashkent Declaration",
        summary="Kosygin brokered peace.",
        effect=Event.Effect.IMPROVED,
        verdict=Event.Verdict.SUCCESS,
        correction="Kosygin was the Soviet Premier, not a president.",
    )
    Event.objects.create(
        timeline=line,
        slug="sharif-1999",
        year=1999,
        month=4,
        title="<b>Sharif</b> in Moscow",
        summary="Outside the period.",
        effect=Event.Effect.IMPROVED,
        verdict=Event.Verdict.NEUTRAL,
        in_period=False,
    )
    return Quiz.objects.create(slug="pk-quiz", title="How successful?", timeline=line)


def test_the_timeline_page_draws_each_event_of_the_period_with_the_verdict(
    teacher_client, quiz_with_timeline
):
    response = teacher_client.get(reverse("timeline", args=["pk-quiz"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert 'data-slug="u2-incident" data-effect="worsened" data-verdict="failure"' in html
    assert 'data-slug="tashkent" data-effect="improved" data-verdict="success"' in html
    assert 'data-slug="sharif-1999"' not in html  # epilogue: listed, not charted
    assert "Not successful: the good periods were short-lived." in html
    assert ">1 success<" in html
    assert ">1 failure<" in html
    assert "Kosygin was the Soviet Premier, not a president." in html


def test_event_text_is_escaped(teacher_client, quiz_with_timeline):
    html = teacher_client.get(reverse("timeline", args=["pk-quiz"])).content.decode()
    assert "&lt;b&gt;Sharif&lt;/b&gt;" in html
    assert "<b>Sharif</b>" not in html


def test_an_unknown_quiz_or_one_without_timeline_is_not_found(teacher_client, db):
    Quiz.objects.create(slug="bare", title="No timeline")
    assert teacher_client.get(reverse("timeline", args=["nope"])).status_code == 404
    assert teacher_client.get(reverse("timeline", args=["bare"])).status_code == 404


@pytest.mark.parametrize("path", ["/timeline/pk-quiz/", "/timeline/pk-quiz/?podium=123456"])
def test_a_visitor_without_a_teachers_login_gets_the_login_page(client, quiz_with_timeline, path):
    """A phone in the class has no account: during a game the page would answer the
    year, order and effect questions, so it shows nothing of the timeline."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/timeline/pk-quiz/")
    followed = client.get(path, follow=True).content.decode()
    assert 'name="password"' in followed
    for hidden in ("U-2 shot down", "Tashkent", "1966", "data-verdict"):
        assert hidden not in followed


def test_every_verdict_the_class_sees_says_it_is_the_model_answers(
    teacher_client, quiz_with_timeline
):
    # The projector opens this page after a game: a verdict is a judgement, not a fact.
    html = teacher_client.get(reverse("timeline", args=["pk-quiz"])).content.decode()
    badges = [
        badge.split(">", 1)[1]
        for badge in html.split('data-testid="event-verdict"')[1:]
        for badge in [badge.split("</span>", 1)[0]]
    ]
    assert badges == ["Model answer: failure", "Model answer: success"]
    assert "The model answer&#x27;s verdict" in html or "The model answer's verdict" in html
    assert "the model answer calls it a success" in html
    assert ">Success<" not in html and ">Failure<" not in html

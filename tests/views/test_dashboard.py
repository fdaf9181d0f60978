"""The teacher's dashboard and launching a game."""

import pytest
from django.urls import reverse

from classroom.models import Game


@pytest.mark.django_db
def test_the_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_dashboard_lists_quizzes_with_their_question_count(teacher_client, quiz):
    html = teacher_client.get("/").content.decode()
    assert quiz.title in html
    assert "3 questions" in html
    # "Start a game" opens the quiz's setup page (tests/views/test_setup.py).
    assert 'href="/host/start/?quiz=pk-quiz" data-testid="start-game"' in html


def test_starting_a_game_creates_it_and_redirects_to_the_projector(teacher_client, quiz, teacher):
    response = teacher_client.post("/host/start/", {"quiz": quiz.slug})
    game = Game.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/host/{game.pin}/"
    assert game.host == teacher
    assert game.quiz == quiz
    assert len(game.pin) == 6 and game.pin.isdigit()
    assert len(game.questions) == 3


@pytest.mark.parametrize(
    ("sent", "stored"), [("on", True), ("1", True), ("true", True), (None, False)]
)
def test_the_start_form_sets_the_join_gate(teacher_client, quiz, sent, stored):
    data = {"quiz": quiz.slug} if sent is None else {"quiz": quiz.slug, "join_gate": sent}
    response = teacher_client.post("/host/start/", data)
    assert response.status_code == 302
    assert Game.objects.get().options["join_gate"] is stored


def test_the_setup_page_offers_the_join_gate_when_starting(teacher_client, quiz):
    html = teacher_client.get("/host/start/", {"quiz": quiz.slug}).content.decode()
    assert 'name="join_gate"' in html and "Shapes to join" in html


@pytest.mark.parametrize("sent", ["maybe", "2", "on on"])
def test_a_bad_join_gate_value_shows_a_message_and_starts_nothing(teacher_client, quiz, sent):
    response = teacher_client.post("/host/start/", {"quiz": quiz.slug, "join_gate": sent})
    assert response.status_code == 400
    assert "“Shapes to join” must be ticked or not." in response.content.decode()
    assert not Game.objects.exists()


def test_start_without_a_quiz_by_get_goes_back_to_the_dashboard(teacher_client, quiz):
    response = teacher_client.get("/host/start/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Game.objects.exists()


def test_start_does_not_accept_other_methods(teacher_client, quiz):
    assert teacher_client.put("/host/start/", {"quiz": quiz.slug}).status_code == 405
    assert not Game.objects.exists()


@pytest.mark.django_db
def test_start_requires_login(client, quiz):
    response = client.post("/host/start/", {"quiz": quiz.slug})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Game.objects.exists()


@pytest.mark.parametrize("data", [{"quiz": "no-such-quiz"}, {"quiz": ""}, {}])
def test_a_bad_or_missing_slug_shows_a_message_and_creates_nothing(teacher_client, quiz, data):
    response = teacher_client.post("/host/start/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="start-error"' in html
    assert not Game.objects.exists()


def test_a_quiz_without_questions_cannot_be_started(teacher_client, db):
    from quizzes.models import Quiz

    Quiz.objects.create(slug="empty", title="Empty quiz")
    response = teacher_client.post("/host/start/", {"quiz": "empty"})
    assert response.status_code == 400
    assert "no questions" in response.content.decode()
    assert not Game.objects.exists()


def test_the_start_form_is_protected_by_csrf(client, teacher, quiz):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(teacher)
    assert strict.post("/host/start/", {"quiz": quiz.slug}).status_code == 403
    assert not Game.objects.exists()


def test_the_dashboard_lists_only_my_games_with_projector_and_report_links(
    teacher_client, game, quiz, other_teacher
):
    from classroom.services.phases import game_create

    theirs = game_create(quiz=quiz, host=other_teacher)
    html = teacher_client.get("/").content.decode()
    assert f"/host/{game.pin}/" in html
    assert f"/host/{game.pin}/report/" in html
    assert reverse("game_delete", kwargs={"game_id": game.pk}) in html
    assert f"/host/{theirs.pin}/" not in html


def test_the_login_page_is_styled_and_logout_is_a_post_form(client, teacher):
    html = client.get("/accounts/login/").content.decode()
    assert "/static/css/app.css" in html
    assert 'name="username"' in html and 'name="password"' in html
    client.force_login(teacher)
    html = client.get("/").content.decode()
    assert 'method="post" action="/accounts/logout/"' in html

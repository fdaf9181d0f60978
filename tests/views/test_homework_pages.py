"""The teacher's homework pages: "Set as homework" on the dashboard, the setup form in
homework mode, the homework page (PIN, link, QR, progress, end), closing on time."""

from datetime import timedelta

from django.utils import timezone

from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Game, Player
from classroom.services import phases

START = "/host/start/"


def _homework(quiz, teacher, **changes) -> Game:
    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=2), **changes)
    return phases.game_create(quiz=quiz, host=teacher, setup=setup)


def test_the_dashboard_offers_set_as_homework_for_each_quiz(teacher_client, quiz):
    html = teacher_client.get("/").content.decode()
    assert f'href="{START}?quiz={quiz.slug}&amp;mode=self_paced" data-testid="set-homework"' in html


def test_set_as_homework_opens_the_form_in_homework_mode_with_the_timer_off(teacher_client, quiz):
    html = teacher_client.get(START, {"quiz": quiz.slug, "mode": "self_paced"}).content.decode()
    homework_radio = html.split('value="self_paced"', 1)[1].split(">", 1)[0]
    assert "checked" in homework_radio
    accuracy = html.split('name="accuracy_only"', 1)[1].split(">", 1)[0]
    assert "checked" in accuracy


def test_starting_homework_opens_its_page_not_the_projector(teacher_client, quiz):
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = teacher_client.post(
        START, {"quiz": quiz.slug, "mode": "self_paced", "closes_at": when}
    )
    game = Game.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/host/{game.pin}/homework/"


def test_the_homework_page_shows_pin_link_qr_and_every_students_progress(
    teacher_client, quiz, teacher
):
    game = _homework(quiz, teacher)
    Player.objects.create(
        game=game,
        nickname="Ayesha",
        nickname_key="ayesha",
        token_hash="a" * 64,
        score=1800,
        correct_count=2,
        paced_index=1,
        paced_answered=True,
    )
    html = teacher_client.get(f"/host/{game.pin}/homework/").content.decode()
    assert f'data-testid="pin">{game.pin}<' in html
    assert f"/play/{game.pin}/" in html and 'data-testid="qr"' in html
    row = html.split('data-testid="progress-row"', 1)[1].split("</tr>", 1)[0]
    assert "Ayesha" in row and "1800" in row and "Still going" in row
    assert 'data-testid="end-homework"' in html
    assert "Timer on" in html


def test_a_live_games_homework_page_is_its_projector(teacher_client, game):
    response = teacher_client.get(f"/host/{game.pin}/homework/")
    assert response.status_code == 302 and response["Location"] == f"/host/{game.pin}/"


def test_another_teachers_homework_page_is_refused(client, quiz, teacher, other_teacher):
    game = _homework(quiz, teacher)
    client.force_login(other_teacher)
    assert client.get(f"/host/{game.pin}/homework/").status_code == 403


def test_a_homework_past_its_closing_time_is_closed_when_the_dashboard_opens(
    teacher_client, quiz, teacher
):
    game = _homework(quiz, teacher)
    setup = dict(game.setup, closes_at=(timezone.now() - timedelta(minutes=1)).isoformat())
    Game.objects.filter(pk=game.pk).update(setup=setup)
    html = teacher_client.get("/").content.decode()
    game.refresh_from_db()
    assert game.is_ended and game.phase == "finished"
    past = html.split('data-testid="past-games"', 1)[1]
    assert game.pin in past and 'data-testid="homework-link"' in past


def test_a_homework_refuses_teams_and_reading_time_and_offers_neither(teacher_client, quiz):
    form = teacher_client.get(START, {"quiz": quiz.slug, "mode": "self_paced"}).context["form"]
    assert (form.initial["teams"], form.initial["reading_s"]) == ("0", 0)
    when = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = teacher_client.post(
        START,
        {"quiz": quiz.slug, "mode": "self_paced", "closes_at": when}
        | {"teams": "3", "reading_s": "5"},
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "a homework has no teams" in errors["teams"][0]
    assert "no reading time" in errors["reading_s"][0]
    assert not Game.objects.exists()

"""The projector page: who may open it and what the lobby shows."""

import pytest
from django.test import override_settings

from classroom.models import Game


def test_the_host_gets_the_projector(teacher_client, game):
    assert teacher_client.get(f"/host/{game.pin}/").status_code == 200


def test_another_teacher_is_forbidden(client, game, other_teacher):
    client.force_login(other_teacher)
    assert client.get(f"/host/{game.pin}/").status_code == 403


def test_a_teacher_who_edits_content_cannot_open_another_teachers_projector(client, game, staff):
    assert staff.is_staff and not staff.is_superuser
    client.force_login(staff)
    assert client.get(f"/host/{game.pin}/").status_code == 403


def test_a_superuser_may_open_any_projector(client, game, superuser):
    client.force_login(superuser)
    assert client.get(f"/host/{game.pin}/").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, game):
    response = client.get(f"/host/{game.pin}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_pin_is_404(teacher_client, game):
    other = "000000" if game.pin != "000000" else "111111"
    assert teacher_client.get(f"/host/{other}/").status_code == 404


def test_the_lobby_shows_pin_join_url_and_an_svg_qr_code(teacher_client, game):
    html = teacher_client.get(f"/host/{game.pin}/").content.decode()
    assert f'data-testid="pin" aria-label="Game PIN {game.pin}">{game.pin}<' in html
    assert f"http://testserver/play/{game.pin}/" in html
    assert '<svg role="img" data-testid="qr"' in html
    assert f'data-ws-path="/ws/host/{game.pin}/"' in html
    assert "/static/js/projector.js" in html


@override_settings(PUBLIC_BASE_URL="https://quiz.school.example")
def test_the_join_url_uses_the_public_base_url_when_set(teacher_client, game):
    html = teacher_client.get(f"/host/{game.pin}/").content.decode()
    assert f"https://quiz.school.example/play/{game.pin}/" in html


def test_the_qr_code_encodes_the_join_url():
    from classroom.qr import qr_svg

    svg = qr_svg(url="http://testserver/play/123456/")
    assert svg.startswith("<svg ")
    assert "viewBox" in svg
    # A longer URL needs a bigger code: the content is really encoded.
    longer = qr_svg(url="http://testserver/play/123456/" + "x" * 200)
    assert longer != svg


def test_a_teacher_with_an_old_game_under_a_reused_pin_gets_their_own(
    client, game, quiz, other_teacher
):
    from django.utils import timezone

    Game.objects.filter(pk=game.pk).update(ended_at=timezone.now(), phase="finished")
    theirs = Game.objects.create(
        pin=game.pin, quiz=quiz, host=other_teacher, title="Theirs", questions=game.questions
    )
    client.force_login(other_teacher)
    html = client.get(f"/host/{game.pin}/").content.decode()
    assert "Theirs" in html
    assert theirs.pin == game.pin


@pytest.mark.parametrize("shape", ["tiles", "countdown", "answered-count", "distribution"])
def test_the_projector_has_the_elements_the_script_draws_into(teacher_client, game, shape):
    html = teacher_client.get(f"/host/{game.pin}/").content.decode()
    assert f'data-testid="{shape}"' in html


def test_a_forbidden_projector_explains_itself_on_a_styled_page(client, game, other_teacher):
    client.force_login(other_teacher)
    response = client.get(f"/host/{game.pin}/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the teacher who started this game can open it." in html
    assert "/static/css/app.css" in html

"""Deleting a game's data from the dashboard."""

import pytest

from classroom.models import Answer, Game, Player

from .conftest import make_answer, make_player


@pytest.fixture
def game_with_rows(game):
    player = make_player(game, "Ayesha", score=900)
    make_answer(
        player,
        0,
        choice_id=game.questions[0]["correct_choice_ids"][0],
        correct=True,
        elapsed_ms=1200,
    )
    return game


def test_get_shows_a_confirmation_and_deletes_nothing(teacher_client, game_with_rows):
    response = teacher_client.get(f"/games/{game_with_rows.pk}/delete/")
    assert response.status_code == 200
    assert 'data-testid="confirm-delete"' in response.content.decode()
    assert Game.objects.count() == 1 and Player.objects.count() == 1


def test_post_deletes_the_game_its_players_and_answers(teacher_client, game_with_rows, quiz):
    response = teacher_client.post(f"/games/{game_with_rows.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not Game.objects.exists()
    assert not Player.objects.exists()
    assert not Answer.objects.exists()
    # The quiz itself is kept.
    quiz.refresh_from_db()


def test_another_teacher_cannot_delete_the_game(client, game_with_rows, other_teacher):
    client.force_login(other_teacher)
    assert client.post(f"/games/{game_with_rows.pk}/delete/").status_code == 403
    assert client.get(f"/games/{game_with_rows.pk}/delete/").status_code == 403
    assert Game.objects.count() == 1 and Answer.objects.count() == 1


def test_a_teacher_who_edits_content_cannot_delete_another_teachers_game(
    client, game_with_rows, staff
):
    client.force_login(staff)
    assert client.get(f"/games/{game_with_rows.pk}/delete/").status_code == 403
    assert client.post(f"/games/{game_with_rows.pk}/delete/").status_code == 403
    assert Game.objects.count() == 1 and Answer.objects.count() == 1


def test_a_superuser_may_delete_any_game(client, game_with_rows, superuser):
    client.force_login(superuser)
    assert client.post(f"/games/{game_with_rows.pk}/delete/").status_code == 302
    assert not Game.objects.exists() and not Answer.objects.exists()


@pytest.mark.django_db
def test_delete_requires_login(client, game_with_rows):
    response = client.post(f"/games/{game_with_rows.pk}/delete/")
    assert response.status_code == 302
    assert Game.objects.count() == 1


def test_delete_refuses_other_methods(teacher_client, game_with_rows):
    assert teacher_client.put(f"/games/{game_with_rows.pk}/delete/").status_code == 405
    assert Game.objects.count() == 1


def test_an_unknown_game_is_404(teacher_client, db):
    assert teacher_client.post("/games/999999/delete/").status_code == 404

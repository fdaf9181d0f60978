"""Which game a PIN opens (classroom/pins.py): one rule for the projector page, the
reports, the projector's socket and the phones."""

import pytest
from django.utils import timezone

from classroom import pins
from classroom.models import Game
from classroom.services import phases

pytestmark = pytest.mark.django_db


def _ended(game: Game) -> Game:
    Game.objects.filter(pk=game.pk).update(ended_at=timezone.now(), phase="finished")
    return Game.objects.get(pk=game.pk)


def _same_pin(game: Game, host, quiz) -> Game:
    """A new game under an ended game's PIN (PINs are reused once a game has ended)."""
    return Game.objects.create(pin=game.pin, quiz=quiz, host=host, title="Later", questions=[])


def test_a_pin_opens_its_running_game_else_the_latest_that_ended(quiz, teacher):
    first = _ended(phases.game_create(quiz=quiz, host=teacher))
    second = _same_pin(first, teacher, quiz)
    assert pins.game_for_teacher(pin=first.pin, user=teacher).pk == second.pk
    assert pins.game_for_phone(first.pin) == (second.pk, False)
    _ended(second)
    assert pins.game_for_teacher(pin=first.pin, user=teacher).pk == second.pk
    assert pins.game_for_phone(first.pin) == (second.pk, True)
    assert pins.game_for_phone("999999" if first.pin != "999999" else "999998") is None


def test_a_teacher_sees_their_own_games_under_a_pin_a_superuser_any(
    quiz, teacher, other_teacher, django_user_model
):
    mine = _ended(phases.game_create(quiz=quiz, host=teacher))
    theirs = _same_pin(mine, other_teacher, quiz)
    # The other teacher's running game does not hide the teacher's own ended one: the
    # projector page and the projector's socket agree on it.
    assert pins.game_for_teacher(pin=mine.pin, user=teacher).pk == mine.pk
    assert pins.game_for_teacher(pin=mine.pin, user=other_teacher).pk == theirs.pk
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    assert pins.game_for_teacher(pin=mine.pin, user=root).pk == theirs.pk
    assert pins.user_may_host(user=root, game=mine)
    assert not pins.user_may_host(user=other_teacher, game=mine)


def test_someone_elses_pin_is_not_yours_an_unknown_one_no_such_game(quiz, teacher, other_teacher):
    game = phases.game_create(quiz=quiz, host=teacher)
    with pytest.raises(pins.NotYours):
        pins.game_for_teacher(pin=game.pin, user=other_teacher)
    with pytest.raises(pins.NoSuchGame):
        pins.game_for_teacher(pin="999999" if game.pin != "999999" else "999998", user=teacher)
    other_teacher.is_active = False
    assert not pins.user_may_host(user=other_teacher, game=game)
    teacher.is_active = False
    with pytest.raises(pins.NotYours):
        pins.game_for_teacher(pin=game.pin, user=teacher)

"""purge_pictures: a replaced picture's file stays while a stored game may show it, and
goes once nothing names it."""

from __future__ import annotations

import os
import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from classroom.retention import pictures_purge
from classroom.services import phases
from quizzes.models import Question
from tests.classroom.conftest import build_quiz
from tests.quizzes import pictures

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def age(path, minutes: int) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def picture_question(quiz, width: int) -> Question:
    question = Question.objects.get(quiz=quiz, slug="q0")
    pictures.attach(question, pictures.map_png(width, width // 2))
    question.image_alt = "A map."
    question.save()
    return question


def test_a_replaced_picture_stays_while_a_game_shows_it_then_goes(media, teacher):
    quiz = build_quiz()
    first = picture_question(quiz, 300).image.name
    game = phases.game_create(quiz=quiz, host=teacher)
    second = picture_question(quiz, 400).image.name
    for name in (first, second):
        age(media / name, 120)

    assert pictures_purge() == []  # the game's copy still shows the first picture
    game.delete()
    assert pictures_purge(dry_run=True) == [first]
    assert (media / first).exists()
    assert pictures_purge() == [first]
    assert not (media / first).exists() and (media / second).exists()


def test_a_file_written_a_moment_ago_is_left_alone(media):
    quiz = build_quiz()
    question = picture_question(quiz, 300)
    name = question.image.name
    pictures.detach(question)
    question.save()
    assert pictures_purge() == []  # an upload in progress looks just like this
    age(media / name, 61)
    assert pictures_purge() == [name]


def test_the_command_reports_and_refuses_a_negative_age(media):
    quiz = build_quiz()
    question = picture_question(quiz, 300)
    name = question.image.name
    pictures.detach(question)
    question.save()
    age(media / name, 120)
    out = StringIO()
    call_command("purge_pictures", "--dry-run", stdout=out)
    assert out.getvalue() == f"Would delete 1 unused picture file(s).\n  {name}\n"
    with pytest.raises(CommandError, match="must not be negative"):
        call_command("purge_pictures", "--older-than-minutes", "-1")

"""classroom/setups.py: what a quiz offers a setup, the preview the setup page shows, the
teacher's last choice fitted to a quiz, and a game's setup in plain words."""

from datetime import timedelta, timezone

import pytest
from django.utils import timezone as django_timezone

from classroom import setups
from classroom.game_setup import GameSetup, SetupError
from classroom.models import Game, LastSetup
from classroom.services import phases
from tests.classroom.conftest import build_quiz

pytestmark = pytest.mark.django_db

PERIODS = [
    {"slug": "early", "title": "1947–58: Neutral", "start": 1947, "end": 1958},
    {"slug": "middle", "title": "1958–71: A thaw", "start": 1958, "end": 1971},
    {"slug": "late", "title": "1971–88: Wars", "start": 1971, "end": 1988},
]


@pytest.fixture
def quiz(db):
    quiz = build_quiz(kinds=("choice", "true_false", "year_guess"))
    quiz.timeline.periods = PERIODS
    quiz.timeline.save()
    return quiz


def test_a_quiz_offers_its_periods_and_its_questions_in_them(quiz):
    offer = setups.material(quiz)
    assert offer.period_slugs == ["early", "middle", "late"]
    assert offer.period_years == {"early": "1947–58", "middle": "1958–71", "late": "1971–88"}
    # build_quiz puts every question on Tashkent (1966).
    assert {c.period for c in offer.candidates} == {"middle"}
    assert set(offer.limits.values()) == {20}


def test_a_preview_is_the_count_and_the_length_of_the_game_a_setup_starts(quiz):
    look = setups.preview(setups.material(quiz), GameSetup(questions=2, reading_s=5))
    assert (look.count, look.seconds, look.minutes) == (2, 100, 2)
    assert look.summary == "2 questions · about 2 minutes · reading time 5 s"
    with pytest.raises(SetupError, match="No question of this quiz is in the chosen periods"):
        setups.preview(setups.material(quiz), GameSetup(periods=("early",)))


def test_the_last_choice_is_the_defaults_until_the_teacher_starts_a_game(quiz, teacher):
    offer = setups.material(quiz)
    assert setups.last_choice(teacher=teacher, offer=offer).setup == GameSetup()
    phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(questions=2, teams=4))
    assert setups.last_choice(teacher=teacher, offer=offer).setup == GameSetup(questions=2, teams=4)


def test_a_count_the_quiz_cannot_reach_becomes_all(quiz, teacher):
    LastSetup.objects.create(teacher=teacher, quiz_slug=quiz.slug, setup={"questions": 40})
    offer = setups.material(quiz)
    assert setups.last_choice(teacher=teacher, offer=offer).setup.questions is None


def test_homework_still_open_is_offered_again_as_it_was(quiz, teacher):
    closes = django_timezone.now() + timedelta(days=3)
    phases.game_create(
        quiz=quiz, host=teacher, setup=GameSetup(mode="self_paced", closes_at=closes)
    )
    last = setups.last_choice(teacher=teacher, offer=setups.material(quiz))
    assert last.setup.closes_at == closes and not last.homework_again


def test_a_game_in_plain_words(quiz, teacher):
    closes = django_timezone.now().astimezone(timezone(timedelta(hours=5))) + timedelta(days=2)
    game = phases.game_create(
        quiz=quiz,
        host=teacher,
        setup=GameSetup(
            questions=2, periods=("middle",), mode="self_paced", closes_at=closes, teams=3
        ),
    )
    when = f"{closes:%a} {closes.day} {closes:%b}, {closes:%H:%M}"
    # A homework plays without the live game's teams (phases.game_create drops them).
    assert setups.words(game) == (
        f"2 questions · about 2 minutes · 1958–71 · homework until {when}"
    )
    live = phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(questions=2, teams=3))
    assert setups.words(live).endswith(" · 3 teams")


def test_a_game_without_a_stored_estimate_is_estimated_from_its_questions(quiz, teacher):
    game = phases.game_create(quiz=quiz, host=teacher)
    Game.objects.filter(pk=game.pk).update(setup={"teams": "many"}, selection={})
    game.refresh_from_db()
    # An unreadable setup reads as the defaults; three 20 s questions, 25 s around each.
    assert setups.words(game) == "3 questions · about 2 minutes"

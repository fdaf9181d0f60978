"""classroom/services/phases.py against the database: a game created with its dealt
questions, a question closed once and scored."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from classroom.models import Game, Player
from classroom.services import phases
from quizzes.models import Choice
from tests.classroom.conftest import build_quiz, correct_choice
from tests.classroom.helpers import answers_submit, opened, player_join, submission

pytestmark = pytest.mark.django_db(transaction=True)


def test_game_create_gives_a_six_digit_pin_and_snapshots_the_quiz(quiz, teacher):
    game = phases.game_create(quiz=quiz, host=teacher)
    assert len(game.pin) == 6 and game.pin.isdigit()
    assert game.phase == "lobby" and game.title == quiz.title
    first = game.questions[0]
    assert set(first) >= {
        "id", "slug", "kind", "prompt", "choices", "correct_choice_ids", "answer_year",
        "time_limit_ms", "points_multiplier", "explanation", "event", "neighbours",
    }  # fmt: skip
    assert first["time_limit_ms"] == 20_000
    assert first["event"]["slug"] == "tashkent"
    # Every question is on Tashkent: the event is shown at the last one's reveal only.
    assert [q["event_shown"] for q in game.questions] == [False, False, True]
    assert first["neighbours"] == {"prev": None, "next": None}
    last = game.questions[-1]
    assert last["neighbours"]["prev"]["slug"] == "liaquat-visit"
    assert last["neighbours"]["next"]["slug"] == "afghan-war"


def test_editing_the_quiz_mid_game_changes_nothing(game, quiz):
    right = correct_choice(game, 0)
    # The game's ids are its own, so the quiz's key is found by what it says.
    right_text = next(c["text"] for c in game.questions[0]["choices"] if c["id"] == right)
    edited = Choice.objects.filter(question_id=game.questions[0]["id"], text=right_text).update(
        is_correct=False, text="Edited"
    )
    assert edited == 1
    stored = Game.objects.get(pk=game.pk).questions[0]
    assert stored["correct_choice_ids"] == [right]
    assert "Edited" not in [c["text"] for c in stored["choices"]]


def test_order_choices_are_shuffled_and_the_key_is_the_file_order(teacher):
    quiz = build_quiz(slug="ordered", kinds=("order",))
    game = phases.game_create(quiz=quiz, host=teacher, rng=random.Random(1))
    question = game.questions[0]
    in_file = list(Choice.objects.filter(question_id=question["id"]).values_list("text", flat=True))
    text = {c["id"]: c["text"] for c in question["choices"]}
    assert [text[i] for i in question["correct_choice_ids"]] == in_file
    assert [c["text"] for c in question["choices"]] != in_file
    assert sorted(c["text"] for c in question["choices"]) == sorted(in_file)


def test_a_year_guess_has_no_choices_and_a_range_around_the_period(teacher):
    quiz = build_quiz(slug="years", kinds=("year_guess",))
    question = phases.game_create(quiz=quiz, host=teacher).questions[0]
    assert question["choices"] == [] and question["answer_year"] == 1966
    assert (question["year_min"], question["year_max"]) == (1947, 1988)


def test_a_pin_taken_by_a_running_game_is_not_reused(quiz, teacher, monkeypatch):
    first = phases.game_create(quiz=quiz, host=teacher)
    values = iter([int(first.pin), int(first.pin), 123456])
    monkeypatch.setattr(phases.secrets, "randbelow", lambda n: next(values))
    second = phases.game_create(quiz=quiz, host=teacher)
    assert second.pin == "123456"


def test_close_is_idempotent_and_scores_non_answerers_zero_with_streak_reset(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    Player.objects.filter(pk=bilal.pk).update(streak=3)
    game = opened(game)
    answers_submit(game_id=game.pk, submissions=[submission(game, ayesha, correct_choice(game, 0))])
    assert phases.question_close(game_id=game.pk, expected_index=0, reason="host")
    assert not phases.question_close(game_id=game.pk, expected_index=0, reason="time")
    ayesha.refresh_from_db()
    bilal.refresh_from_db()
    assert (ayesha.score, ayesha.streak, ayesha.previous_score) == (975, 1, 0)
    assert (bilal.score, bilal.streak) == (0, 0)
    assert Game.objects.get(pk=game.pk).phase == "reveal"


def test_the_timer_does_not_close_a_question_before_its_deadline(game):
    player_join(game_id=game.pk, nickname="Ayesha")
    game = opened(game)
    assert not phases.question_close(game_id=game.pk, expected_index=0, reason="time")
    Game.objects.filter(pk=game.pk).update(question_deadline=timezone.now() - timedelta(seconds=1))
    assert phases.question_close(game_id=game.pk, expected_index=0, reason="time")

"""`phases.game_create` with a setup, on the seed quiz: the questions it picks (the same
ones every time for the same setup), their time limits, what it stores for the report,
the teacher's last choice, and reveals that never show what a later question asks."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from classroom import frames
from classroom.game_setup import GameSetup, SetupError
from classroom.models import Game, LastSetup
from classroom.services import phases
from quizzes.models import Question, Quiz
from tests.classroom.conftest import build_quiz

pytestmark = pytest.mark.django_db

SEED_QUIZ = "pakistan-ussr-1947-1988"
PERIODS = ("1947-58", "1958-71", "1971-79", "1979-88")


@pytest.fixture
def seed_quiz(db) -> Quiz:
    call_command("load_seeds", stdout=StringIO(), stderr=StringIO())
    return Quiz.objects.select_related("timeline").get(slug=SEED_QUIZ)


def slugs(game: Game) -> list[str]:
    return [question["slug"] for question in game.questions]


def test_the_same_setup_on_the_same_quiz_asks_the_same_questions_dealt_anew(seed_quiz, teacher):
    setup = GameSetup(questions=10, periods=("1958-71", "1971-79"), order="shuffled")
    first = phases.game_create(quiz=seed_quiz, host=teacher, setup=setup)
    second = phases.game_create(quiz=seed_quiz, host=teacher, setup=setup)
    assert slugs(first) == slugs(second)
    # The choices are still dealt per game: their ids tell nothing across games.
    ids = [{c["id"] for q in game.questions for c in q["choices"]} for game in (first, second)]
    assert ids[0] != ids[1]
    # Timeline order asks the same questions, in the order of their events.
    ordered = phases.game_create(
        quiz=seed_quiz, host=teacher, setup=setup.with_changes(order="timeline")
    )
    assert sorted(slugs(ordered)) == sorted(slugs(first)) and slugs(ordered) != slugs(first)


def test_a_starter_spreads_ten_questions_over_every_period(seed_quiz, teacher):
    game = phases.game_create(quiz=seed_quiz, host=teacher, setup=GameSetup(questions=10))
    assert len(game.questions) == 10
    periods = [question["period"] for question in game.questions]
    assert set(PERIODS) <= set(periods)
    events = [q["event"]["slug"] for q in game.questions if q["event"]]
    assert len(events) == len(set(events)), "two questions on one event"
    years = [q["event"]["year"] for q in game.questions if q["event"]]
    assert years == sorted(years), "timeline order"


def test_one_period_asks_only_its_questions(seed_quiz, teacher):
    game = phases.game_create(quiz=seed_quiz, host=teacher, setup=GameSetup(periods=("1958-71",)))
    assert {q["period"] for q in game.questions} == {"1958-71"}
    assert all(1958 <= q["event"]["year"] < 1971 for q in game.questions)
    in_period = Question.objects.filter(
        quiz=seed_quiz, event__year__gte=1958, event__year__lt=1971
    ).count()
    assert len(game.questions) == in_period == game.selection["eligible"]


def test_the_game_stores_its_setup_and_why_each_other_question_is_not_asked(seed_quiz, teacher):
    setup = GameSetup(questions=4, periods=("1979-88",))
    game = phases.game_create(quiz=seed_quiz, host=teacher, setup=setup)
    assert GameSetup.from_stored(game.setup) == setup
    left = game.selection["left_out"]
    total = seed_quiz.questions.count()
    assert len(left) + len(game.questions) == total
    reasons = {item["reason"] for item in left}
    assert reasons == {"not_in_periods", "no_single_period", "over_the_limit"}
    verdict = next(item for item in left if item["slug"] == "overall-verdict")
    assert verdict["reason"] == "no_single_period" and verdict["period"] is None
    assert verdict["prompt"].startswith("How does the model answer judge")
    assert [p["slug"] for p in game.selection["periods"]] == list(PERIODS)
    assert game.selection["estimate_s"] == 4 * (20 + 25)


@pytest.mark.parametrize(("scale", "limits"), [(1.0, {20_000, 30_000}), (1.5, {30_000, 45_000})])
def test_the_time_scale_multiplies_every_time_limit(seed_quiz, teacher, scale, limits):
    game = phases.game_create(quiz=seed_quiz, host=teacher, setup=GameSetup(time_scale=scale))
    assert {q["time_limit_ms"] for q in game.questions} == limits


def test_twice_as_long_doubles_a_questions_limit(teacher):
    quiz = build_quiz(slug="doubled", kinds=("choice",), time_limit_s=25)
    game = phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(time_scale=2.0))
    assert game.questions[0]["time_limit_ms"] == 50_000


@pytest.mark.parametrize(
    "setup",
    [
        GameSetup(),
        GameSetup(order="shuffled"),
        GameSetup(questions=10),
        GameSetup(questions=10, order="shuffled"),
        GameSetup(periods=("1971-79",), order="shuffled"),
    ],
    ids=["full", "full-shuffled", "starter", "starter-shuffled", "period-shuffled"],
)
def test_no_reveal_shows_an_event_a_later_question_of_the_game_asks_about(
    seed_quiz, teacher, setup
):
    game = phases.game_create(quiz=seed_quiz, host=teacher, setup=setup)
    for index, question in enumerate(game.questions):
        later = {q["event"]["slug"] for q in game.questions[index + 1 :] if q["event"]}
        frame = frames.reveal_host(
            question=question, distribution={}, answered=0, total=0, correct_count=0
        )
        shown = [frame["event"], frame["neighbours"]["prev"], frame["neighbours"]["next"]]
        for event in filter(None, shown):
            assert event["slug"] not in later, (index, question["slug"], event["slug"])


def test_in_timeline_order_each_event_is_shown_at_its_last_question_after_the_one_before(
    seed_quiz, teacher
):
    game = phases.game_create(quiz=seed_quiz, host=teacher)
    order = [e.slug for e in seed_quiz.timeline.events.filter(in_period=True)]
    on_events = [q for q in game.questions if q["event"]]
    for index, question in enumerate(on_events):
        event = question["event"]["slug"]
        last_on_it = all(q["event"]["slug"] != event for q in on_events[index + 1 :])
        assert question["event_shown"] == last_on_it, question["slug"]
        # Nothing later asks about an earlier event: the one before is always shown.
        if last_on_it and order.index(event) > 0:
            assert question["neighbours"]["prev"]["slug"] == order[order.index(event) - 1]


def test_starting_a_game_remembers_the_setup_as_the_teachers_last_choice(quiz, teacher):
    setup = GameSetup(questions=2, teams=3)
    phases.game_create(quiz=quiz, host=teacher, setup=setup)
    last = LastSetup.objects.get(teacher=teacher)
    assert last.quiz_slug == quiz.slug and GameSetup.from_stored(last.setup) == setup


def test_homework_closing_in_the_past_is_refused_and_nothing_is_stored(quiz, teacher):
    past = timezone.now() - timedelta(minutes=1)
    with pytest.raises(SetupError) as refused:
        phases.game_create(
            quiz=quiz, host=teacher, setup=GameSetup(mode="self_paced", closes_at=past)
        )
    assert refused.value.field == "closes_at"
    assert not Game.objects.exists() and not LastSetup.objects.exists()


def test_a_period_the_quiz_does_not_have_is_refused(quiz, teacher):
    with pytest.raises(SetupError) as refused:
        phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(periods=("1990s",)))
    assert refused.value.field == "periods"
    assert not Game.objects.exists()


def test_a_quiz_whose_timeline_has_no_periods_asks_every_question(quiz, teacher):
    game = phases.game_create(quiz=quiz, host=teacher, setup=GameSetup(questions=2))
    assert len(game.questions) == 2
    assert game.setup["periods"] == [] and game.selection["periods"] == []
    assert {q["period"] for q in game.questions} == {None}

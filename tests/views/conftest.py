"""Fixtures for the page tests: teachers, a small quiz built through the ORM, games."""

import hashlib
import itertools
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from classroom.models import Answer, Game, Player
from quizzes.models import Choice, Event, Question, Quiz, Timeline

_tokens = itertools.count(1)
SEED_QUIZ = "pakistan-ussr-1947-1988"


@pytest.fixture
def teacher(db):
    return get_user_model().objects.create_user(username="teacher", password="pw-teacher-1")


@pytest.fixture
def other_teacher(db):
    return get_user_model().objects.create_user(username="other", password="pw-other-1")


@pytest.fixture
def staff(db):
    """A teacher as `create_teacher` makes one: staff (edits quiz content in the admin),
    in the Teachers group, not a superuser."""
    from classroom.accounts import create_teacher

    return create_teacher(username="staff", password="pw-staff-editor-1")


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root", email="root@example.com", password="pw-root-1"
    )


@pytest.fixture
def teacher_client(client, teacher):
    client.force_login(teacher)
    return client


# The seed timeline's periods (seeds/pakistan-ussr.yaml).
PERIODS = [
    {"slug": "1947-58", "title": "1947–58: Neutral, then the Western alliances"},
    {"slug": "1958-71", "title": "1958–71: The U-2 crisis, then a thaw"},
    {"slug": "1971-79", "title": "1971–79: The 1971 war, then Bhutto's good spell"},
    {"slug": "1979-88", "title": "1979–88: The Soviet war in Afghanistan"},
]


@pytest.fixture
def timeline(db):
    years = [(1947, 1958), (1958, 1971), (1971, 1979), (1979, 1988)]
    return Timeline.objects.create(
        slug="pk-ussr",
        title="Pakistan and the USSR",
        period_start=1947,
        period_end=1988,
        periods=[
            {**period, "start": start, "end": end}
            for period, (start, end) in zip(PERIODS, years, strict=True)
        ],
    )


@pytest.fixture
def quiz(db, timeline):
    """Three questions, written in timeline order (the order a game asks them): a
    true/false on a 1960 failure, a choice question on a 1966 success, and a year guess
    on a 1979 event."""
    tashkent = Event.objects.create(
        timeline=timeline,
        slug="tashkent",
        year=1966,
        month=1,
        title="Tashkent Declaration",
        summary="Kosygin brokered peace.",
        effect=Event.Effect.IMPROVED,
        verdict=Event.Verdict.SUCCESS,
    )
    u2 = Event.objects.create(
        timeline=timeline,
        slug="u2",
        year=1960,
        title="U-2 shot down",
        summary="A spy plane from Peshawar was shot down.",
        effect=Event.Effect.WORSENED,
        verdict=Event.Verdict.FAILURE,
    )
    afghan = Event.objects.create(
        timeline=timeline,
        slug="afghan",
        year=1979,
        title="Soviet intervention in Afghanistan",
        summary="Soviet troops entered Afghanistan.",
        effect=Event.Effect.WORSENED,
        verdict=Event.Verdict.FAILURE,
    )
    quiz = Quiz.objects.create(slug="pk-quiz", title="Pakistan and the USSR", timeline=timeline)
    q1 = Question.objects.create(
        quiz=quiz,
        slug="mediator",
        position=1,
        prompt="Who brokered the Tashkent Declaration?",
        explanation="Alexei Kosygin, the Soviet Premier.",
        event=tashkent,
    )
    for position, (text, correct) in enumerate(
        [("Kosygin", True), ("Brezhnev", False), ("Gromyko", False), ("Podgorny", False)]
    ):
        Choice.objects.create(question=q1, position=position, text=text, is_correct=correct)
    q2 = Question.objects.create(
        quiz=quiz,
        slug="u2-tf",
        position=0,
        kind=Question.Kind.TRUE_FALSE,
        prompt="The U-2 flew from Peshawar.",
        explanation="It did.",
        event=u2,
    )
    Choice.objects.create(question=q2, position=0, text="True", is_correct=True)
    Choice.objects.create(question=q2, position=1, text="False", is_correct=False)
    Question.objects.create(
        quiz=quiz,
        slug="afghan-year",
        position=2,
        kind=Question.Kind.YEAR_GUESS,
        prompt="In which year did Soviet troops enter Afghanistan?",
        explanation="December 1979.",
        event=afghan,
        answer_year=1979,
    )
    return quiz


@pytest.fixture
def seed_quiz(db) -> Quiz:
    """The seed quiz, loaded as `load_seeds` loads it."""
    call_command("load_seeds", stdout=StringIO(), stderr=StringIO())
    return Quiz.objects.select_related("timeline").get(slug=SEED_QUIZ)


@pytest.fixture
def game(quiz, teacher):
    from classroom.services.phases import game_create

    return game_create(quiz=quiz, host=teacher)


def make_player(game: Game, nickname: str, *, score: int = 0, kicked: bool = False) -> Player:
    token = f"token-{next(_tokens)}"
    return Player.objects.create(
        game=game,
        nickname=nickname,
        nickname_key=nickname.casefold(),
        token_hash=hashlib.sha256(token.encode()).hexdigest(),
        score=score,
        kicked=kicked,
    )


def make_answer(
    player: Player,
    index: int,
    *,
    choice_id: int | None = None,
    value=None,
    correct: bool,
    elapsed_ms: int,
    points: int = 0,
) -> Answer:
    question = player.game.questions[index]
    return Answer.objects.create(
        game=player.game,
        player=player,
        question_index=index,
        question_id=question["id"],
        choice_id=choice_id,
        value=value,
        elapsed_ms=elapsed_ms,
        correct=correct,
        points=points,
    )

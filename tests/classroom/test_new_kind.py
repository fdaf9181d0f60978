"""A new question kind is one entry in quizzes/kinds.py: declared here (a poll, scored
nothing, like the `verdict` kind), it is dealt, shown, answered, counted, revealed and
reported by the game without a change anywhere else."""

import pytest

from classroom import frames
from classroom.models import Game
from classroom.reports import game_report
from classroom.scoring import score_answer
from classroom.services import phases
from quizzes import kinds
from quizzes.choice_order import deal_true_first
from quizzes.models import Choice, Question
from tests.classroom.conftest import build_quiz, correct_choice
from tests.classroom.helpers import answers_submit, player_join, submission

pytestmark = pytest.mark.django_db(transaction=True)


class Poll(kinds.Kind):
    """Success or Failure, as the class thinks: no right answer, no points, no streak."""

    name = "poll"
    label = "Poll"
    dealer = staticmethod(deal_true_first)
    scored = False

    def credit(self, answer, *, correct_choice_ids, correct_year):
        return kinds.Credit(0.0, False)

    def reveal_fields(self, question):
        return {"verdict": (question.get("event") or {}).get("verdict")}


@pytest.fixture
def poll(monkeypatch):
    monkeypatch.setitem(kinds.KINDS, "poll", Poll())


def test_the_model_offers_exactly_the_registrys_kinds():
    assert [value for value, _ in Question.Kind.choices] == list(kinds.KINDS)
    assert Question.Kind.YEAR_GUESS.label == kinds.get("year_guess").label


def test_a_new_kind_scores_through_its_entry(poll):
    result = score_answer(
        kind="poll",
        correct_choice_ids=[],
        answer=11,
        correct_year=None,
        elapsed_ms=1000,
        time_limit_ms=20_000,
        streak_before=3,
    )
    assert (result.points, result.streak, result.correct) == (0, 3, False)
    question = {
        "id": 1,
        "kind": "poll",
        "prompt": "?",
        "choices": [],
        "event": {"verdict": "success"},
    }
    shown = frames.question_player(
        question=question, index=0, count=1, time_limit_ms=1, remaining_ms=1
    )
    assert shown["kind"] == "poll"
    assert frames.reveal_player(question=question, fields={})["verdict"] == "success"


def test_a_new_kind_is_played_from_its_entry_alone(poll, teacher):
    quiz = build_quiz(slug="with-a-poll", kinds=("choice",))
    question = Question.objects.create(
        quiz=quiz,
        slug="poll",
        position=1,
        kind="poll",
        prompt="Was Tashkent a success?",
        explanation="The sources say it was.",
        time_limit_s=20,
        event=quiz.questions.get().event,
    )
    Choice.objects.create(question=question, position=0, text="Failure")
    Choice.objects.create(question=question, position=1, text="Success")
    game = phases.game_create(quiz=quiz, host=teacher)
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    phases.game_start(game_id=game.pk)
    game = Game.objects.get(pk=game.pk)
    # Ayesha is right on the first question: a streak of 1 the poll must leave alone.
    answers_submit(game_id=game.pk, submissions=[submission(game, ayesha, correct_choice(game, 0))])
    phases.question_close(game_id=game.pk, expected_index=0, reason="host")
    before = dict(game.players.values_list("nickname", "score"))
    phases.game_next(game_id=game.pk)
    game = Game.objects.get(pk=game.pk)
    asked = game.questions[1]
    assert asked["kind"] == "poll" and len(asked["choices"]) == 2
    failure = next(c["id"] for c in asked["choices"] if c["text"] == "Failure")
    results = answers_submit(
        game_id=game.pk, submissions=[submission(game, p, failure) for p in (ayesha, bilal)]
    )
    assert all(r.ok for r in results)
    # Everyone answered: closed, scored nothing, counted by its entry.
    game = Game.objects.get(pk=game.pk)
    assert game.phase == "reveal"
    after = {p.nickname: (p.score, p.streak) for p in game.players.all()}
    assert before["Ayesha"] > 0
    assert after == {"Ayesha": (before["Ayesha"], 1), "Bilal": (0, 0)}
    report = game_report(game=game)
    summary = report.questions[1]
    assert summary.kind_label == "Poll"
    assert [(c.text, c.count) for c in summary.distribution] == [("Failure", 2), ("Success", 0)]

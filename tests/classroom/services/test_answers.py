"""classroom/services/answers.py against the database: answers stored in groups,
each judged on its own."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from classroom import selectors
from classroom.models import Answer, Game
from classroom.services import answers, phases, players, publish
from tests.classroom.conftest import correct_choice, wrong_choice
from tests.classroom.helpers import answers_submit, opened, player_join, submission

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_answers_of_one_player_in_one_batch_store_one(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    game = opened(game)
    right, wrong = correct_choice(game, 0), wrong_choice(game, 0)
    results = answers_submit(
        game_id=game.pk,
        submissions=[
            submission(game, ayesha, right),
            submission(game, ayesha, wrong, after_ms=1200),
        ],
    )
    assert [r.ok for r in results] == [True, False]
    assert results[1].error.code == "already_answered"
    stored = list(Answer.objects.all())
    assert [(a.player_id, a.choice_id) for a in stored] == [(ayesha.pk, right)]
    assert stored[0].elapsed_ms == 1000 and stored[0].points == 975


def test_a_batch_is_one_transaction_of_a_few_queries(game):
    players = [player_join(game_id=game.pk, nickname=f"P{i}")[0] for i in range(30)]
    game = opened(game)
    right = correct_choice(game, 0)
    with CaptureQueriesContext(connection) as queries:
        results = answers_submit(
            game_id=game.pk, submissions=[submission(game, p, right) for p in players]
        )
    assert all(r.ok for r in results)
    assert Answer.objects.count() == 30
    # Not one query per answer: the batch is stored together (then the question closes).
    assert len(queries) < 60


def test_a_database_error_gives_every_answer_try_again_and_stores_nothing(game, monkeypatch):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    bilal, _ = player_join(game_id=game.pk, nickname="Bilal")
    game = opened(game)
    right = correct_choice(game, 0)
    submissions = [submission(game, ayesha, right), submission(game, bilal, right)]
    real_insert = answers._insert_answers

    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr(answers, "_insert_answers", broken)
    results = answers_submit(game_id=game.pk, submissions=submissions)
    assert [r.error.code for r in results] == ["try_again", "try_again"]
    assert Answer.objects.count() == 0
    assert Game.objects.get(pk=game.pk).seq == game.seq
    monkeypatch.setattr(answers, "_insert_answers", real_insert)
    retry = answers_submit(game_id=game.pk, submissions=submissions[:1])
    assert retry[0].ok
    assert Answer.objects.count() == 1


def test_an_answer_stamped_after_the_players_deadline_is_late(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    game = opened(game)
    late = submission(game, ayesha, correct_choice(game, 0), after_ms=20_001)
    [result] = answers_submit(game_id=game.pk, submissions=[late])
    assert result.error.code == "question_closed"
    assert Answer.objects.count() == 0


def test_extra_time_moves_a_players_deadline(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    players.player_set_extra_time(game_id=game.pk, player_id=ayesha.pk, seconds=10)
    game = opened(game)
    assert game.question_deadline - game.question_started_at == timedelta(seconds=30)
    [result] = answers_submit(
        game_id=game.pk,
        submissions=[submission(game, ayesha, correct_choice(game, 0), after_ms=25_000)],
    )
    assert result.ok
    # Judged against 30 s: 25 s scores round(1000 * (1 - 25/30/2)).
    assert Answer.objects.get().points == round(1000 * (1 - (25 / 30) / 2))


def test_answer_totals_keep_a_player_who_answered_and_left(game):
    ayesha, _ = player_join(game_id=game.pk, nickname="Ayesha")
    player_join(game_id=game.pk, nickname="Bilal")
    player_join(game_id=game.pk, nickname="Chen")
    game = opened(game)
    answers_submit(game_id=game.pk, submissions=[submission(game, ayesha, correct_choice(game, 0))])
    players.player_disconnected(player_id=ayesha.pk)
    assert selectors.answer_totals(Game.objects.get(pk=game.pk)) == (1, 3)


# --- the answers of several games in one transaction (answers_store_games) ------------


def _two_open_games(quiz, teacher) -> tuple[list[Game], list[list]]:
    """Two games, each with its first question open and two players."""
    games, members = [], []
    for at in range(2):
        game = phases.game_create(quiz=quiz, host=teacher)
        members.append([player_join(game_id=game.pk, nickname=f"G{at}P{i}")[0] for i in range(2)])
        games.append(opened(game))
    return games, members


def _published(monkeypatch) -> list[int]:
    sent: list[int] = []
    monkeypatch.setattr(publish, "_publisher", lambda game_id, message: sent.append(game_id))
    return sent


def test_the_answers_of_several_games_are_stored_in_one_commit(quiz, teacher, monkeypatch):
    (first, second), (first_players, second_players) = _two_open_games(quiz, teacher)
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: (commits.append(1), real_commit())[1])
    sent = _published(monkeypatch)
    stored = answers.answers_store_games(
        groups={
            first.pk: [submission(first, p, correct_choice(first, 0)) for p in first_players],
            second.pk: [submission(second, second_players[0], correct_choice(second, 0))],
        }
    )
    assert len(commits) == 1
    first_results, first_close = stored[first.pk]
    second_results, second_close = stored[second.pk]
    assert [r.ok for r in first_results] == [True, True]
    assert [r.ok for r in second_results] == [True]
    # Everyone of the first game has answered; the second game waits for one more.
    assert (first_close, second_close) == (0, None)
    assert sorted(Answer.objects.values_list("game_id", flat=True)) == sorted(
        [first.pk, first.pk, second.pk]
    )
    assert sorted(sent) == sorted([first.pk, second.pk])


def test_the_game_rows_are_locked_in_id_order(quiz, teacher, monkeypatch):
    (first, second), (first_players, second_players) = _two_open_games(quiz, teacher)
    locked: list[int] = []
    real_lock = answers.lock_game
    monkeypatch.setattr(
        answers, "lock_game", lambda game_id: (locked.append(game_id), real_lock(game_id))[1]
    )
    # Given in the other order: two processes must take the locks in the same order.
    answers.answers_store_games(
        groups={
            second.pk: [submission(second, second_players[0], correct_choice(second, 0))],
            first.pk: [submission(first, first_players[0], correct_choice(first, 0))],
        }
    )
    assert locked == sorted([first.pk, second.pk])


@pytest.mark.parametrize("failure", [DatabaseError("disk I/O error"), ZeroDivisionError("bug")])
def test_a_failing_game_costs_the_other_games_of_its_group_nothing(
    quiz, teacher, monkeypatch, failure
):
    (first, second), (first_players, second_players) = _two_open_games(quiz, teacher)
    sent = _published(monkeypatch)
    real_insert = answers._insert_answers

    def failing_for_the_first_game(rows):
        if rows[0].game_id == first.pk:
            raise failure
        return real_insert(rows)

    monkeypatch.setattr(answers, "_insert_answers", failing_for_the_first_game)
    stored = answers.answers_store_games(
        groups={
            first.pk: [submission(first, p, correct_choice(first, 0)) for p in first_players],
            second.pk: [submission(second, p, correct_choice(second, 0)) for p in second_players],
        }
    )
    first_results, first_close = stored[first.pk]
    second_results, second_close = stored[second.pk]
    assert [r.error.code for r in first_results] == ["try_again", "try_again"]
    assert first_close is None
    assert [r.ok for r in second_results] == [True, True] and second_close == 0
    assert list(Answer.objects.values_list("game_id", flat=True)) == [second.pk] * 2
    # Only the stored game's answer count goes out: the failed game's was rolled back.
    assert sent == [second.pk]
    assert Game.objects.get(pk=first.pk).seq == first.seq


def test_a_group_that_cannot_commit_gives_every_answer_try_again(quiz, teacher, monkeypatch):
    (first, second), (first_players, second_players) = _two_open_games(quiz, teacher)
    sent = _published(monkeypatch)

    def lost_connection():
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(connection, "commit", lost_connection)
    stored = answers.answers_store_games(
        groups={
            first.pk: [submission(first, first_players[0], correct_choice(first, 0))],
            second.pk: [submission(second, second_players[0], correct_choice(second, 0))],
        }
    )
    monkeypatch.undo()
    for results, close in stored.values():
        assert [r.error.code for r in results] == ["try_again"] and close is None
    assert Answer.objects.count() == 0
    assert sent == []

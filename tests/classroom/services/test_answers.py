"""classroom/services/answers.py against the database: answers stored in groups,
each judged on its own."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
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
    # Judging loads the players' rows together, with every column it reads: no column
    # left out and then fetched player by player.
    one_by_one = [q["sql"] for q in queries if '"classroom_player"."id" = ' in q["sql"]]
    assert one_by_one == []


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
    # Given in the other order: two processes must take the locks in the same order.
    groups = {
        second.pk: [submission(second, second_players[0], correct_choice(second, 0))],
        first.pk: [submission(first, first_players[0], correct_choice(first, 0))],
    }
    with CaptureQueriesContext(connection) as queries:
        answers.answers_store_games(groups=groups)
    [lock] = [q["sql"] for q in queries if 'FROM "classroom_game"' in q["sql"]]
    assert f"IN ({first.pk}, {second.pk})" in lock
    assert 'ORDER BY "classroom_game"."id" ASC' in lock


def test_lock_games_locks_in_id_order_whatever_order_it_is_given(quiz, teacher):
    (first, second), _ = _two_open_games(quiz, teacher)
    from classroom.services.locked import lock_games

    with transaction.atomic():
        locked = lock_games([second.pk, first.pk, 10**9])
    assert list(locked) == sorted([first.pk, second.pk])  # a missing game is left out
    assert all(game.questions for game in locked.values())


def _many_open_games(quiz, teacher, count: int):
    games, members = [], []
    for at in range(count):
        game = phases.game_create(quiz=quiz, host=teacher)
        members.append([player_join(game_id=game.pk, nickname=f"G{at}P{i}")[0] for i in range(3)])
        games.append(opened(game))
    return games, members


def test_many_games_answers_are_stored_with_a_few_queries_not_ten_a_game(
    quiz, teacher, monkeypatch
):
    games, members = _many_open_games(quiz, teacher, 8)
    sent = _published(monkeypatch)
    groups = {
        game.pk: [submission(game, people[0], correct_choice(game, 0))]
        for game, people in zip(games, members, strict=True)
    }
    with CaptureQueriesContext(connection) as queries:
        stored = answers.answers_store_games(groups=groups)
    assert all(r.ok for results, _close in stored.values() for r in results)
    assert Answer.objects.count() == 8 and sorted(sent) == sorted(groups)
    # The lock, the players, the answers given, the INSERT, last_seen and the seqs once;
    # the projector's count once per game (one hand-written query); the transaction.
    assert len(queries) <= len(games) + 12
    for game in games:
        fresh = Game.objects.get(pk=game.pk)
        assert fresh.seq == game.seq + 1  # the answer count's seq was saved


def test_stored_together_or_one_by_one_the_results_are_the_same(quiz, teacher, monkeypatch):
    def play(together: bool):
        games, members = _many_open_games(quiz, teacher, 3)
        if not together:
            monkeypatch.setattr(answers, "_store_together", _broken_together)
        first = games[0]
        groups = {
            first.pk: [
                submission(first, members[0][0], correct_choice(first, 0)),
                submission(first, members[0][0], wrong_choice(first, 0)),  # a second answer
                submission(first, members[0][1], wrong_choice(first, 0), after_ms=25_000),
                submission(first, members[1][0], correct_choice(first, 0)),  # another game's
            ],
            games[1].pk: [submission(games[1], p, correct_choice(games[1], 0)) for p in members[1]],
            games[2].pk: [submission(games[2], members[2][2], wrong_choice(games[2], 0))],
        }
        stored = answers.answers_store_games(groups=groups)
        monkeypatch.undo()
        outcome = [
            ([r.error.code if r.error else "ok" for r in results], close)
            for results, close in (stored[game.pk] for game in games)
        ]
        rows = sorted(
            (games.index(Game.objects.get(pk=a.game_id)), a.correct, a.points, a.elapsed_ms)
            for a in Answer.objects.filter(game__in=games)
        )
        return outcome, rows

    assert play(together=True) == play(together=False)


def _broken_together(parts):
    raise ZeroDivisionError("a bug in the path for several games")


def test_a_bug_storing_games_together_falls_back_to_one_game_at_a_time(quiz, teacher, monkeypatch):
    games, members = _many_open_games(quiz, teacher, 3)
    sent = _published(monkeypatch)
    real_insert = answers._insert_answers
    calls = []

    def fails_once(rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise ZeroDivisionError("a bug met by the rows of several games")
        return real_insert(rows)

    monkeypatch.setattr(answers, "_insert_answers", fails_once)
    stored = answers.answers_store_games(
        groups={
            game.pk: [submission(game, people[0], correct_choice(game, 0))]
            for game, people in zip(games, members, strict=True)
        }
    )
    assert all(r.ok for results, _close in stored.values() for r in results)
    assert calls[0] == 3 and calls[1:] == [1, 1, 1]  # together, then one game at a time
    assert Answer.objects.count() == 3
    # The undone attempt's broadcasts were dropped with it: one count per game.
    assert sorted(sent) == sorted(game.pk for game in games)


def test_a_game_not_taking_answers_is_judged_on_its_own_beside_the_others(
    quiz, teacher, monkeypatch
):
    games, members = _many_open_games(quiz, teacher, 3)
    phases.question_close(game_id=games[2].pk, expected_index=0, reason="timer")
    together = []
    real_together = answers._store_together
    monkeypatch.setattr(
        answers,
        "_store_together",
        lambda parts: (together.append(sorted(parts)), real_together(parts))[1],
    )
    stored = answers.answers_store_games(
        groups={
            game.pk: [submission(game, people[0], correct_choice(game, 0))]
            for game, people in zip(games, members, strict=True)
        }
    )
    assert together == [sorted([games[0].pk, games[1].pk])]
    assert [r.ok for r in stored[games[0].pk][0]] == [True]
    assert [r.error.code for r in stored[games[2].pk][0]] == ["question_closed"]


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

"""Student data is kept for a bounded time: `purge_games --older-than DAYS`."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from classroom.models import Answer, Game, Player
from classroom.retention import PurgeCounts, games_purge
from classroom.services import phases

pytestmark = pytest.mark.django_db


def _played_game(quiz, teacher, *, ended_days_ago: float | None, created_days_ago: float = 0):
    """A game with two players and one answer each, ended that many days ago (or running)."""
    game = phases.game_create(quiz=quiz, host=teacher)
    now = timezone.now()
    for nickname in ("Ayesha", "Bilal"):
        player = Player.objects.create(
            game=game,
            nickname=nickname,
            nickname_key=nickname.casefold(),
            token_hash=f"{game.pk:032x}{len(nickname):032x}{nickname}"[:64],
        )
        question = game.questions[0]
        Answer.objects.create(
            game=game,
            player=player,
            question_index=0,
            question_id=question["id"],
            choice_id=question["choices"][0]["id"],
            elapsed_ms=1500,
        )
    Game.objects.filter(pk=game.pk).update(
        created_at=now - timedelta(days=created_days_ago),
        ended_at=None if ended_days_ago is None else now - timedelta(days=ended_days_ago),
        phase=Game.Phase.LOBBY if ended_days_ago is None else Game.Phase.FINISHED,
    )
    return game


def test_games_that_ended_before_the_cutoff_go_with_their_players_and_answers(quiz, teacher):
    old = _played_game(quiz, teacher, ended_days_ago=31)
    recent = _played_game(quiz, teacher, ended_days_ago=29)
    counts = games_purge(older_than_days=30)
    assert counts == PurgeCounts(games=1, players=2, answers=2)
    assert list(Game.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not Player.objects.filter(game_id=old.pk).exists()
    assert not Answer.objects.filter(game_id=old.pk).exists()
    assert Player.objects.filter(game=recent).count() == 2
    assert Answer.objects.filter(game=recent).count() == 2


def test_a_game_running_today_is_kept(quiz, teacher):
    running = _played_game(quiz, teacher, ended_days_ago=None, created_days_ago=0.1)
    assert games_purge(older_than_days=1) == PurgeCounts(games=0, players=0, answers=0)
    assert Player.objects.filter(game=running).count() == 2


def test_a_lobby_left_open_for_longer_than_the_cutoff_is_purged(quiz, teacher):
    # No lesson lasts days: an unended game that old is abandoned, and its nicknames
    # are student data like any other.
    abandoned = _played_game(quiz, teacher, ended_days_ago=None, created_days_ago=40)
    assert games_purge(older_than_days=30) == PurgeCounts(games=1, players=2, answers=2)
    assert not Game.objects.filter(pk=abandoned.pk).exists()


def test_the_cutoff_is_measured_from_the_end_not_the_start(quiz, teacher):
    # Created 100 days ago, ended yesterday: a long game's data is kept from its end.
    game = _played_game(quiz, teacher, ended_days_ago=1, created_days_ago=100)
    assert games_purge(older_than_days=30).games == 0
    assert Game.objects.filter(pk=game.pk).exists()


def test_now_can_be_given(quiz, teacher):
    game = _played_game(quiz, teacher, ended_days_ago=0)
    assert games_purge(older_than_days=7, now=timezone.now() + timedelta(days=6)).games == 0
    assert games_purge(older_than_days=7, now=timezone.now() + timedelta(days=8)).games == 1
    assert not Game.objects.filter(pk=game.pk).exists()


@pytest.mark.parametrize("days", [0, -3, 1.5, True, "30"])
def test_the_service_refuses_a_non_positive_or_non_integer_age(quiz, teacher, days):
    _played_game(quiz, teacher, ended_days_ago=1000)
    with pytest.raises(ValueError):
        games_purge(older_than_days=days)
    assert Game.objects.count() == 1


def test_the_command_deletes_and_reports_the_counts(quiz, teacher):
    _played_game(quiz, teacher, ended_days_ago=45)
    _played_game(quiz, teacher, ended_days_ago=40)
    kept = _played_game(quiz, teacher, ended_days_ago=5)
    out = StringIO()
    call_command("purge_games", "--older-than", "30", stdout=out)
    assert "Deleted 2 game(s)" in out.getvalue()
    assert "4 player(s) and 4 answer(s)" in out.getvalue()
    assert list(Game.objects.values_list("pk", flat=True)) == [kept.pk]


@pytest.mark.parametrize("value", ["0", "-1", "ten", "2.5", ""])
def test_the_command_refuses_a_bad_age_and_deletes_nothing(quiz, teacher, value):
    _played_game(quiz, teacher, ended_days_ago=1000)
    with pytest.raises(CommandError, match="--older-than"):
        call_command("purge_games", "--older-than", value)
    assert Game.objects.count() == 1 and Answer.objects.count() == 2


def test_the_command_requires_the_age(quiz, teacher):
    _played_game(quiz, teacher, ended_days_ago=1000)
    with pytest.raises(CommandError, match="older-than"):
        call_command("purge_games")
    assert Game.objects.count() == 1


def test_a_player_row_holds_only_a_nickname_random_ids_and_game_state():
    # Data minimisation: adding a personal field (email, name, IP, user agent, device
    # fingerprint) to the player must be a deliberate change of this list.
    fields = {f.name for f in Player._meta.get_fields() if f.concrete}
    assert fields == {
        "id",
        "game",
        "nickname",
        "nickname_key",
        "nickname_skeleton",
        "token_hash",
        "score",
        "streak",
        "correct_count",
        "previous_score",
        "kicked",
        "connected",
        "extra_time_s",
        # The team the server dealt (a number 1-8): game state, nothing about the person.
        "team",
        "joined_at",
        "last_seen",
        # Homework: where the player is in their own game, and when they started and
        # finished (game state, as joined_at; nothing about the person).
        "paced_index",
        "paced_sent_at",
        "paced_deadline",
        "paced_answered",
        "paced_started_at",
        "paced_finished_at",
        "progress_sent_at",
        "progress_pending",
    }

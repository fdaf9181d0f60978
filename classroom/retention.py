"""Retention of student data: games that ended long ago are deleted with their rows.

The README's retention policy promises that a game's players (nicknames) and answers
are kept only for a bounded time after the game ends; `games_purge` is what the
`purge_games` command (run daily from cron) calls to keep that promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from classroom.models import Answer, Game, Player


@dataclass(frozen=True)
class PurgeCounts:
    games: int
    players: int
    answers: int


def games_purge(*, older_than_days: int, now: datetime | None = None) -> PurgeCounts:
    """Delete every game that ended more than `older_than_days` days before `now`,
    with its players and answers, and every game that never ended and was created
    that long ago (a lobby left open: no lesson lasts days, and its nicknames are
    student data like any other).

    ValueError if `older_than_days` is not a positive whole number (nothing deleted).
    """
    if isinstance(older_than_days, bool) or not isinstance(older_than_days, int):
        raise ValueError("older_than_days must be a whole number of days.")
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1.")
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    with transaction.atomic():
        games = Game.objects.filter(
            Q(ended_at__isnull=False, ended_at__lt=cutoff)
            | Q(ended_at__isnull=True, created_at__lt=cutoff)
        )
        game_ids = list(games.values_list("id", flat=True))
        if not game_ids:
            return PurgeCounts(games=0, players=0, answers=0)
        # Counted before the cascade so the command can say what went.
        counts = PurgeCounts(
            games=len(game_ids),
            players=Player.objects.filter(game_id__in=game_ids).count(),
            answers=Answer.objects.filter(game_id__in=game_ids).count(),
        )
        Game.objects.filter(id__in=game_ids).delete()
    return counts

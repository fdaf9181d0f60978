"""Retention of student data: games that ended long ago are deleted with their rows.

The README's retention policy promises that a game's players (nicknames) and answers
are kept only for a bounded time after the game ends; `games_purge` is what the
`purge_games` command (run daily from cron) calls to keep that promise.

Pictures: a question's picture that is replaced or removed keeps its file, because a
game's copy of the quiz may still show it; `pictures_purge` (the `purge_pictures`
command, run after `purge_games`) deletes the files no question and no stored game
names any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from classroom.models import Answer, Game, Player
from quizzes.models import PICTURE_FOLDER, Question


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


def _pictures_in_use() -> set[str]:
    """Every stored picture name a question or a stored game's snapshot points at."""
    used = set(Question.objects.exclude(image="").values_list("image", flat=True))
    prefix = settings.MEDIA_URL
    for questions in Game.objects.values_list("questions", flat=True).iterator():
        for question in questions or []:
            url = (question.get("image") or {}).get("url") or ""
            if url.startswith(prefix):
                used.add(url[len(prefix) :])
    return used


def pictures_purge(
    *, older_than_minutes: int = 60, dry_run: bool = False, now: datetime | None = None
) -> list[str]:
    """Delete the picture files (MEDIA_ROOT/questions/) that no question and no stored
    game uses and that were written more than `older_than_minutes` ago (a picture being
    uploaded is written a moment before its question is saved). Returns their names."""
    if isinstance(older_than_minutes, bool) or not isinstance(older_than_minutes, int):
        raise ValueError("older_than_minutes must be a whole number of minutes.")
    if older_than_minutes < 0:
        raise ValueError("older_than_minutes must not be negative.")
    folder = Path(settings.MEDIA_ROOT) / PICTURE_FOLDER
    if not folder.is_dir():
        return []
    cutoff = ((now or timezone.now()) - timedelta(minutes=older_than_minutes)).timestamp()
    used = _pictures_in_use()
    unused = []
    for path in sorted(folder.iterdir()):
        name = f"{PICTURE_FOLDER}/{path.name}"
        if path.is_file() and name not in used and path.stat().st_mtime < cutoff:
            unused.append(name)
            if not dry_run:
                path.unlink()
    return unused

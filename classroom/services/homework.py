"""Self-paced (homework) games: each player's `next`, the teacher's progress frames, and
closing the homework at its closing time (docs/protocol.md, "Self-paced games").

What a `next` leads to is classroom/self_paced.py's; the answers of a homework game go
through the same group commit as a live game's (`answers.answers_store`, which judges
them against the player's own question and deadline and calls `progress_changed`).

Every write here locks the game row (`locked.lock_game`), as every service does. A
player's `next` only touches that player's row, so locking the player row alone would
be enough for `next` itself; but the `progress` broadcast it may make stamps `Game.seq`,
which needs the game row, and ending the game at its closing time must not race an
answer. The lock is held for one short transaction (~1 ms), so 1,000 students working
at their own pace queue for it far less than a live class answering at once does.

Closing: a homework game closes at `closes_at` even with nobody connected. There is no
timer for it (a timer would not survive a restart); instead every action on the game
checks the clock first (`close_if_due`): a join, a resume, a `next`, an answer, the
teacher's pages and the dashboard. The first one after `closes_at` ends the game, as the
host's `end` would, so every later one sees an ended game.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, selectors, self_paced
from classroom.errors import ClientError
from classroom.game_setup import SELF_PACED
from classroom.models import Answer, Game, Player
from classroom.scoring import player_time_limit_ms
from classroom.services import phases
from classroom.services.locked import lock_game, wrong_phase
from classroom.services.publish import Broadcast, broadcast

# A second and a little: a socket asks `progress_flush` this long after an action that
# left the player's progress waiting (self_paced.PROGRESS_EVERY).
PROGRESS_FLUSH_S = self_paced.PROGRESS_EVERY.total_seconds() + 0.05


def close_if_due(game: Game, now: datetime | None = None) -> bool:
    """End the locked homework `game` if its closing time has passed; whether it is
    now ended (for any reason)."""
    if game.is_ended:
        return True
    closes_at = selectors.closes_at(game)
    if not selectors.is_self_paced(game) or closes_at is None:
        return False
    if (now or timezone.now()) < closes_at:
        return False
    phases.finish(game)
    return True


def games_close_due(*, host: Any = None) -> int:
    """End every running homework game past its closing time (of `host`, if given);
    how many. Called by the dashboard, so a teacher never sees a closed homework as
    running; each game is ended under its own lock."""
    now = timezone.now()
    running = Game.objects.filter(ended_at__isnull=True)
    if host is not None:
        running = running.filter(host=host)
    ended = 0
    for game_id, setup in running.values_list("id", "setup"):
        setup = setup or {}
        closes_at = setup.get("closes_at")
        if setup.get("mode") != SELF_PACED or not closes_at:
            continue
        if now < datetime.fromisoformat(closes_at):
            # Not due: no lock taken for a homework still open.
            continue
        with transaction.atomic():
            game = lock_game(game_id)
            if not game.is_ended and close_if_due(game, now):
                ended += 1
    return ended


def game_close_due(*, game_id: int) -> None:
    """End homework `game_id` if its closing time has passed (a live game: nothing)."""
    setup = Game.objects.filter(pk=game_id).values_list("setup", flat=True).first()
    if not setup or setup.get("mode") != SELF_PACED:
        return
    with transaction.atomic():
        close_if_due(lock_game(game_id))


def _finished_frame(game: Game, player: Player) -> dict[str, Any]:
    totals = Player.objects.filter(game=game, kicked=False).aggregate(
        count=Count("id"), ahead=Count("id", filter=Q(score__gt=player.score))
    )
    return frames.finished_player(
        rank=totals["ahead"] + 1, score=player.score, count=totals["count"]
    )


def player_next(*, player_id: int) -> tuple[list[dict[str, Any]], bool]:
    """A player's `next` in a homework game: the frames for that player alone (their
    next question, or `finished`), and whether their progress waits for its second.
    `wrong_phase` while their question is open."""
    with transaction.atomic():
        game_id = Player.objects.values_list("game_id", flat=True).get(pk=player_id)
        game = lock_game(game_id)
        player = Player.objects.get(pk=player_id)
        if player.kicked:
            raise ClientError(
                "kicked", gettext_noop("The teacher removed you from this game."), close_code=4403
            )
        now = timezone.now()
        close_if_due(game, now)
        progress = selectors.paced_progress(player, game)
        step = self_paced.on_next(progress, now=now, is_open=selectors.homework_is_open(game, now))
        if step is self_paced.Step.WRONG_PHASE:
            raise wrong_phase(gettext_noop("Answer this question first."))
        changed = ["last_seen"]
        player.last_seen = now
        if progress.index >= 0 and not progress.answered and player.streak:
            # A question whose time ran out unanswered breaks the streak, as in a live game.
            player.streak = 0
            changed.append("streak")
        if step is self_paced.Step.QUESTION:
            index = player.paced_index + 1
            question = game.questions[index]
            limit = player_time_limit_ms(question, player.extra_time_s)
            player.paced_index = index
            player.paced_sent_at = now
            player.paced_deadline = self_paced.deadline(now, limit_ms=limit, timed=timed(game))
            player.paced_answered = False
            player.paced_started_at = player.paced_started_at or now
            changed += ["paced_index", "paced_sent_at", "paced_deadline", "paced_answered"]
            changed.append("paced_started_at")
            reply = frames.question_player(
                question=question,
                index=index,
                count=len(game.questions),
                time_limit_ms=limit,
                remaining_ms=limit,
            )
        else:
            if player.paced_finished_at is None and not game.is_ended:
                player.paced_finished_at = now
                player.progress_pending = True
                changed += ["paced_finished_at", "progress_pending"]
            reply = _finished_frame(game, player)
        player.save(update_fields=changed)
        progress_changed(game, [player], now=now)
    return [reply], player.progress_pending


def timed(game: Game) -> bool:
    """Whether a homework game's questions have a timer: "timer off" is accuracy only
    (no speed points), and then nothing runs out before the homework closes."""
    return not bool(game.options.get("accuracy_only"))


def progress_changed(game: Game, changed: list[Player], *, now: datetime) -> None:
    """Tell the teacher about `changed` players (rows saved, their `progress_pending`
    set if something changed): one `progress` frame each, at most one per player per
    second; a player within their second keeps `progress_pending` for the next action
    or `progress_flush`. Inside the caller's transaction, the game locked."""
    due = [
        p
        for p in changed
        if p.progress_pending and self_paced.progress_due(p.progress_sent_at, now=now)
    ]
    if not due:
        return
    answered = selectors.answer_counts(Answer.objects.filter(player_id__in=[p.pk for p in due]))
    for player in due:
        frame = selectors.progress_frame(player, answered.get(player.pk, 0))
        broadcast(game, Broadcast(host=frame), save=False)
    game.save(update_fields=["seq"])
    Player.objects.filter(pk__in=[p.pk for p in due]).update(
        progress_sent_at=now, progress_pending=False
    )
    for player in due:
        player.progress_sent_at, player.progress_pending = now, False


def progress_flush(*, player_id: int) -> None:
    """Send a player's waiting progress if their second has passed (the socket calls
    this a second after an action that left it waiting)."""
    with transaction.atomic():
        game_id = Player.objects.values_list("game_id", flat=True).get(pk=player_id)
        game = lock_game(game_id)
        player = Player.objects.get(pk=player_id)
        progress_changed(game, [player], now=timezone.now())

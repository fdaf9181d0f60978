"""A game's life: created in the lobby, questions opened and closed, scoreboard, end;
the host's lock and options.

The phases and their legal moves are declared in classroom/machine.py; every service
here asks it (`locked.apply`) before it moves the game on. Closing a question scores
every player (classroom/scoring.py) and writes their totals with one prepared UPDATE.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, selectors, setups, teams
from classroom.errors import ClientError
from classroom.game_setup import SELF_PACED, GameSetup, SetupError, estimate_seconds
from classroom.join_gate import shown as join_gate_shown
from classroom.machine import Action, Phase
from classroom.models import Answer, Game, LastSetup, Player
from classroom.ranking import Standing, competition_ranks, podium
from classroom.scoring import player_time_limit_ms, score_for
from classroom.services.groups import update_each
from classroom.services.locked import apply, lock_game, wrong_phase
from classroom.services.publish import Broadcast, broadcast
from quizzes import kinds, snapshot

logger = logging.getLogger(__name__)

PIN_ATTEMPTS = 50


def game_create(
    *,
    quiz: Any,
    host: Any,
    setup: GameSetup | None = None,
    rng: random.Random | None = None,
    only: Sequence[int] | None = None,
    reteach: Sequence[str] = (),
) -> Game:
    """A new game of `quiz` in the lobby, with a 6-digit PIN no running game has, set up
    as `setup` says (the defaults: a live game of every question in timeline order).

    The questions are picked and ordered by quizzes/selection.py (seeded from the quiz
    and the setup: the same setup picks the same questions) and dealt for this game
    (quizzes/snapshot.py). The game stores the setup, and the selection's reasons for
    the report; the setup becomes the host's last choice, in the same transaction.
    Raises `SetupError` (naming the field) for a setup this quiz cannot be played with.

    `only`: a reteach game (classroom/reteach.py) asks only these of the questions the
    setup picks, in the same order; `reteach` says why, for the teacher (stored in
    `Game.selection["reteach"]`).
    """
    setup = setup or GameSetup()
    if setup.mode == SELF_PACED and setup.closes_at and setup.closes_at <= timezone.now():
        raise SetupError("closes_at", "The closing time must be in the future.")
    if setup.mode == SELF_PACED and (setup.teams or setup.reading_s):
        # Teams are dealt at a class's start and reading time holds a class together:
        # neither exists at each student's own pace (the setup form refuses them too).
        setup = replace(setup, teams=0, reading_s=0)
    questions, made, stored = _selected(quiz, setup, rng, only)
    if reteach:
        made["reteach"] = list(reteach)
    for _ in range(PIN_ATTEMPTS):
        pin = f"{secrets.randbelow(1_000_000):06d}"
        if Game.objects.filter(pin=pin, ended_at__isnull=True).exists():
            continue
        try:
            with transaction.atomic():
                game = Game.objects.create(
                    pin=pin,
                    quiz=quiz,
                    host=host,
                    title=quiz.title,
                    questions=questions,
                    options=_switches(setup),
                    setup=stored,
                    selection=made,
                )
                LastSetup.objects.update_or_create(
                    teacher=host, defaults={"quiz_slug": quiz.slug, "setup": setup.as_stored()}
                )
                return game
        except IntegrityError:
            # Another game took the PIN between the check and the insert.
            continue
    raise RuntimeError("Could not find a free game PIN; too many games are running.")


def _switches(setup: GameSetup) -> dict[str, bool]:
    """The lobby switches' first values. Homework has no projector to show the shapes
    to join, so its join gate is off whatever the form said."""
    switches = setup.switches
    if setup.mode == SELF_PACED:
        switches["join_gate"] = False
    return switches


def _selected(
    quiz: Any, setup: GameSetup, rng: random.Random | None, only: Sequence[int] | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """The game's questions (dealt), what the server made of the setup (`Game.selection`)
    and the setup as stored (`Game.setup`, the chosen periods named)."""
    offer = setups.material(quiz)
    picked = setups.pick(offer, setup)
    if only is not None:
        wanted = set(only)
        chosen = tuple(i for i in picked.chosen if i in wanted)
        if not chosen:
            raise SetupError("questions", "None of the chosen questions is in this quiz.")
        # The rest of the quiz is not "left out" of a reteach game: it was taught.
        picked = replace(picked, chosen=chosen, left_out=(), eligible=len(chosen))
    questions = snapshot.quiz_snapshot(
        quiz=quiz,
        rng=rng,
        question_ids=picked.chosen,
        time_scale=setup.time_scale,
        periods=offer.periods,
    )
    rows = {row["id"]: row for row in quiz.questions.values("id", "slug", "prompt", "kind")}
    period_of = {candidate.id: candidate.period for candidate in offer.candidates}
    made = {
        "periods": [period.as_dict() for period in offer.periods],
        "eligible": picked.eligible,
        "estimate_s": estimate_seconds(
            (offer.limits[i] for i in picked.chosen),
            time_scale=setup.time_scale,
            reading_s=setup.reading_s,
        ),
        "left_out": [
            {
                "id": question_id,
                "slug": rows[question_id]["slug"],
                "prompt": rows[question_id]["prompt"],
                "kind": rows[question_id]["kind"],
                "period": period_of[question_id],
                "reason": reason,
            }
            for question_id, reason in picked.left_out
        ],
    }
    stored = setup.with_changes(periods=tuple(setup.periods or offer.period_slugs)).as_stored()
    return questions, made, stored


# --- moving on: start, next, scoreboard, end ------------------------------------------


def game_start(*, game_id: int) -> None:
    _advance(game_id, Action.START)


def game_next(*, game_id: int) -> None:
    _advance(game_id, Action.NEXT)


def _advance(game_id: int, action: Action) -> None:
    """Open the next question (the first from the lobby), or finish after the last."""
    with transaction.atomic():
        game = lock_game(game_id)
        if selectors.is_self_paced(game):
            # Homework is paced by each player (services/homework.py), never by the host.
            raise wrong_phase(
                gettext_noop("Homework runs at each student's own pace; it has no start.")
            )
        phase = apply(game, action)
        if action == Action.START:
            _teams_dealt(game)
        if phase == Phase.QUESTION:
            # question_index is -1 in the lobby: the next question is the first.
            _open_question(game, game.question_index + 1)
        else:
            _finish(game)


def _teams_dealt(game: Game) -> None:
    """At `start` of a team game: every player still in the game put in a team
    (classroom/teams.py: balanced, seeded with the game's id), each phone told its
    team by a `team` frame. The game row is locked: no join slips in between."""
    count = selectors.teams_count(game)
    if not count:
        return
    ids = Player.objects.filter(game=game, kicked=False).values_list("id", flat=True)
    dealt = teams.assign(ids, teams=count, seed=game.pk)
    for team_id in range(1, count + 1):
        Player.objects.filter(pk__in=[p for p, t in dealt.items() if t == team_id]).update(
            team=team_id
        )
    broadcast(
        game,
        Broadcast(
            players=frames.team(team=None),
            per_player={
                pid: {"team": selectors.team_public(team_id)} for pid, team_id in dealt.items()
            },
        ),
    )


def game_end(*, game_id: int) -> None:
    with transaction.atomic():
        game = lock_game(game_id)
        apply(game, Action.END)
        _finish(game)


def game_scoreboard(*, game_id: int) -> None:
    with transaction.atomic():
        game = lock_game(game_id)
        apply(game, Action.SCOREBOARD)
        game.phase = Phase.SCOREBOARD
        game.save(update_fields=["phase"])
        standings = selectors.standings(game)
        board = selectors.teams_now(game)
        count, per_player = _standing_fields(game, standings, board)
        broadcast(
            game,
            Broadcast(
                host=frames.scoreboard_host(
                    top=selectors.scoreboard_top(game, standings), teams=board
                ),
                players=frames.scoreboard_player(rank=None, score=0, count=count),
                per_player=per_player,
            ),
        )


def _standing_fields(
    game: Game, standings: Sequence[Standing], board: list[dict[str, Any]] | None
) -> tuple[int, dict[int, dict[str, Any]]]:
    """(players counted, each one's rank, score and count, and in a team game their
    team's rank and score): what every phone is told at the scoreboard and the end."""
    ranks = competition_ranks({s.player_id: s.score for s in standings})
    count = len(standings)
    team_of = (
        dict(Player.objects.filter(game=game, kicked=False).values_list("id", "team"))
        if board is not None
        else {}
    )
    return count, {
        s.player_id: {
            "rank": ranks[s.player_id],
            "score": s.score,
            "count": count,
            **selectors.team_fields(team_of.get(s.player_id), board),
        }
        for s in standings
    }


def _open_question(game: Game, index: int) -> None:
    """Open question `index` now: times, deadline, and the `question` broadcast.

    With a reading time, `question_started_at` is the end of reading (the moment
    answers are taken and the points' clock starts) and the deadline is that plus the
    longest limit: the timer, a snapshot and a restart all read the same two moments.
    """
    question = game.questions[index]
    now = timezone.now()
    reading_ms = selectors.reading_ms(game)
    opens = now + timedelta(milliseconds=reading_ms)
    # Players with extra time get their own limit; the deadline waits for the longest.
    extra = dict(
        Player.objects.filter(game=game, kicked=False, extra_time_s__gt=0).values_list(
            "id", "extra_time_s"
        )
    )
    longest_ms = player_time_limit_ms(question, max(extra.values(), default=0))
    game.phase = Phase.QUESTION
    game.question_index = index
    game.question_started_at = opens
    game.question_deadline = opens + timedelta(milliseconds=longest_ms)
    game.save(update_fields=["phase", "question_index", "question_started_at", "question_deadline"])
    limit = int(question["time_limit_ms"])
    count = len(game.questions)
    per_player = {}
    for pid, seconds in extra.items():
        own = player_time_limit_ms(question, seconds)
        per_player[pid] = {"time_limit_ms": own, "remaining_ms": own}
    _, total = selectors.answer_totals(game)
    shown: dict[str, Any] = {
        "question": question,
        "index": index,
        "count": count,
        "reading_ms": reading_ms,
        "answerable_in_ms": reading_ms,
    }
    broadcast(
        game,
        Broadcast(
            host=frames.question_host(
                **shown, time_limit_ms=limit, remaining_ms=longest_ms, answered=0, total=total
            ),
            players=frames.question_player(**shown, time_limit_ms=limit, remaining_ms=limit),
            per_player=per_player,
            timer=selectors.timer_of(game),
        ),
    )


def finish(game: Game) -> None:
    """End the locked `game` now (the host's `end`, a homework's closing time)."""
    _finish(game)


def _finish(game: Game) -> None:
    game.phase = Phase.FINISHED
    game.ended_at = timezone.now()
    game.save(update_fields=["phase", "ended_at"])
    standings = selectors.standings(game)
    board = selectors.teams_now(game)
    count, per_player = _standing_fields(game, standings, board)
    broadcast(
        game,
        Broadcast(
            host=frames.finished_host(
                podium=podium(standings),
                report_url=selectors.report_url(game),
                timeline_url=selectors.timeline_url(game),
                answer_url=selectors.answer_url(game),
                teams=board,
            ),
            players=frames.finished_player(rank=None, score=0, count=count),
            per_player=per_player,
        ),
    )


# --- closing a question -----------------------------------------------------------------


def question_close(*, game_id: int, expected_index: int, reason: str) -> bool:
    """Close question `expected_index` if it is still the open one; False otherwise.

    Idempotent: the timers of several processes, the host and the last answer may all
    try; the game row lock lets exactly one of them do it.
    """
    with transaction.atomic():
        game = lock_game(game_id)
        if game.phase != Phase.QUESTION or game.question_index != expected_index:
            return False
        if reason == "time" and game.question_deadline and timezone.now() < game.question_deadline:
            return False
        apply(game, Action.CLOSE_QUESTION)
        question = game.questions[expected_index]
        answers = {
            a.player_id: a for a in Answer.objects.filter(game=game, question_index=expected_index)
        }
        players = _score_question(game, question, answers)
        game.phase = Phase.REVEAL
        game.save(update_fields=["phase"])
        ranks = competition_ranks({p.id: p.score for p in players})
        board = (
            selectors.team_board(
                [teams.Member(p.team, p.score, p.previous_score) for p in players if p.team]
            )
            if selectors.teams_shown(game)
            else None
        )
        broadcast(
            game,
            Broadcast(
                host=selectors.host_reveal(game, question, list(answers.values()), reason=reason),
                players=frames.reveal_player(
                    question=question,
                    fields=selectors.reveal_fields(question, None, score=0, rank=None, streak=0),
                ),
                per_player={
                    p.id: {
                        **selectors.reveal_fields(
                            question,
                            answers.get(p.id),
                            score=p.score,
                            rank=ranks[p.id],
                            streak=p.streak,
                        ),
                        **selectors.team_fields(p.team, board),
                    }
                    for p in players
                },
            ),
        )
    return True


def _score_question(
    game: Game, question: dict[str, Any], answers: dict[int, Answer]
) -> list[Player]:
    """Score every player still in the game on `question` (no answer scores nothing and
    resets the streak) and store their new totals; the players, in id order."""
    kind = kinds.get(question["kind"])
    accuracy_only = bool(game.options.get("accuracy_only"))
    counts = int(question.get("points_multiplier", 1)) > 0
    players = list(Player.objects.filter(game=game, kicked=False).order_by("id"))
    for player in players:
        answer = answers.get(player.id)
        result = score_for(
            question,
            answer=kind.value(answer.choice_id, answer.value) if answer else None,
            elapsed_ms=answer.elapsed_ms if answer else 0,
            time_limit_ms=player_time_limit_ms(question, player.extra_time_s),
            accuracy_only=accuracy_only,
            streak_before=player.streak,
        )
        player.previous_score = player.score
        player.score += result.points
        player.streak = result.streak
        if result.correct and counts:
            player.correct_count += 1
    _save_totals(players)
    return players


TOTAL_FIELDS = ("previous_score", "score", "streak", "correct_count")


def _save_totals(players: Sequence[Player]) -> None:
    """Write the totals of `players` (one prepared UPDATE run: `groups.update_each`)."""
    update_each(players, TOTAL_FIELDS)


def question_close_open(*, game_id: int) -> None:
    """The host's `close_question`: close whichever question is open now."""
    game = Game.objects.defer("questions").get(pk=game_id)
    if game.phase != Game.Phase.QUESTION or not question_close(
        game_id=game_id, expected_index=game.question_index, reason="host"
    ):
        raise wrong_phase("There is no open question to close.")


def all_answered_index(game: Game) -> int | None:
    """The open question's index when every connected player has answered it, else None
    (asked inside a write that may have made it so: a player left or was kicked)."""
    if game.phase == Phase.QUESTION and selectors.everyone_answered(game):
        return game.question_index
    return None


def close_all_answered(*, game_id: int, index: int | None) -> None:
    """After that write committed: close question `index` ("all_answered"), if any."""
    if index is not None:
        question_close(game_id=game_id, expected_index=index, reason="all_answered")


def question_close_all_answered(*, game_id: int, expected_index: int) -> None:
    """Close the question everyone answered; a database error is left to the timer."""
    try:
        question_close(game_id=game_id, expected_index=expected_index, reason="all_answered")
    except DatabaseError:
        # The answers are stored; the timer closes the question at its deadline.
        logger.exception("closing question %s of game %s failed", expected_index, game_id)


# --- the lobby: lock, unlock, options -----------------------------------------------------


def game_lock(*, game_id: int) -> None:
    _set_locked(game_id, True)


def game_unlock(*, game_id: int) -> None:
    _set_locked(game_id, False)


def _set_locked(game_id: int, locked: bool) -> None:
    """Lock or unlock joining (resuming players are never locked out); the projector
    redraws its lobby either way."""
    with transaction.atomic():
        game = lock_game(game_id)
        if game.is_ended:
            raise wrong_phase("The game has already ended.")
        if game.locked != locked:
            game.locked = locked
            game.save(update_fields=["locked"])
        broadcast(game, Broadcast(host=selectors.host_lobby(game=game)))


def game_set_options(
    *,
    game_id: int,
    accuracy_only: bool | None = None,
    generated_names_only: bool | None = None,
    join_gate: bool | None = None,
) -> dict[str, bool]:
    changes = {
        "accuracy_only": accuracy_only,
        "generated_names_only": generated_names_only,
        "join_gate": join_gate,
    }
    for key, value in changes.items():
        if value is not None and not isinstance(value, bool):
            raise ClientError("bad_field", f"{key} must be true or false.")
    with transaction.atomic():
        game = lock_game(game_id)
        if game.phase != Phase.LOBBY:
            raise wrong_phase("Options can only be changed in the lobby.")
        options = dict(game.options)
        options.update({k: v for k, v in changes.items() if v is not None})
        game.options = options
        game.save(update_fields=["options"])
        result = selectors.public_options(game)
        broadcast(
            game,
            Broadcast(host=frames.options(options=result, join_gate=join_gate_shown(game))),
        )
    return result

"""Shortcuts the tests use where the live server goes through a group or a socket.

The server joins phones and stores answers in groups (`players_join`, `answers_store`)
and builds a phone's snapshot from a row read with its game; tests often want one
player, one answer group closed at once, or one snapshot by player. These did live in
the production modules although only tests called them, as did the recomputation of
every total from the stored answers (`game_recomputed_totals`), which tests and the
scale-out audit compare with the running totals.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from classroom import selectors
from classroom.errors import ClientError
from classroom.models import Answer, Game, Player
from classroom.scoring import (
    PlayerTotals,
    QuestionRules,
    RecordedAnswer,
    player_time_limit_ms,
    replay_scores,
)
from classroom.services import answers, phases, players
from quizzes import kinds


def player_join(
    *,
    nickname: str,
    game_id: int | None = None,
    pin: str | None = None,
    rng: random.Random | None = None,
) -> tuple[Player, str]:
    """One new connected player and their resume token, or the ClientError refusing it."""
    if game_id is None:
        game = Game.objects.filter(pin=pin, ended_at__isnull=True).first()
        if game is None:
            raise ClientError("game_not_found", "There is no game with that PIN.", close_code=4404)
        game_id = game.pk
    [result] = players.players_join(game_id=game_id, nicknames=[nickname], rng=rng)
    if result.error is not None:
        raise result.error
    assert result.player is not None and result.token is not None
    return result.player, result.token


def opened(game: Game) -> Game:
    """`game` started: its first question open, the row read again."""
    phases.game_start(game_id=game.pk)
    return Game.objects.get(pk=game.pk)


def submission(
    game: Game, player: Player, choice_id: int | None = None, *, after_ms: int = 1000
) -> answers.Submission:
    """`player`'s choice on the game's open question, arrived `after_ms` after it opened."""
    return answers.Submission(
        player_id=player.pk,
        question_id=game.questions[game.question_index]["id"],
        arrived_at=game.question_started_at + timedelta(milliseconds=after_ms),
        choice_id=choice_id,
    )


def answers_submit(
    *, game_id: int, submissions: Sequence[answers.Submission]
) -> list[answers.SubmissionResult]:
    """Store a group of answers and, if everyone has now answered, close the question
    (the live server acknowledges the answers between the two)."""
    results, close_index = answers.answers_store(game_id=game_id, submissions=submissions)
    if close_index is not None:
        phases.question_close_all_answered(game_id=game_id, expected_index=close_index)
    return results


def player_snapshot(*, player: Player) -> dict[str, Any]:
    """The phone's `state` frame (with `seq`) for `player`, read fresh from the database."""
    return selectors.player_snapshot_of(selectors.player_with_game(player_id=player.pk))


def game_recomputed_totals(*, game: Game) -> dict[int, PlayerTotals]:
    """Recompute every player's totals from the stored answers alone.

    The live server writes the totals on the Player rows when a question closes; this
    replays the answers of the closed questions through the pure scoring rules so tests,
    restart checks and the scale-out test can prove that the two agree ("every score
    equals a recomputation"). An open question's answers are stored but not yet scored
    (so a mid-question snapshot cannot tell right from wrong): they are left out here.
    """
    closed = game.question_index + (0 if game.phase == Game.Phase.QUESTION else 1)
    return replayed_totals(game=game, asked=game.questions[: max(closed, 0)])


def replayed_totals(*, game: Game, asked: Sequence[dict[str, Any]]) -> dict[int, PlayerTotals]:
    """Every player's totals replayed from their stored answers to `asked`, the game's
    first questions (each judged against the player's own time limit)."""
    rules = [
        QuestionRules(
            kind=q["kind"],
            correct_choice_ids=tuple(q["correct_choice_ids"]),
            time_limit_ms=q["time_limit_ms"],
            correct_year=q.get("answer_year"),
            multiplier=q.get("points_multiplier", 1),
        )
        for q in asked
    ]
    extra_time = dict(Player.objects.filter(game=game).values_list("id", "extra_time_s"))
    recorded = [
        RecordedAnswer(
            player_id=a.player_id,
            question_index=a.question_index,
            answer=kinds.get(asked[a.question_index]["kind"]).value(a.choice_id, a.value),
            elapsed_ms=a.elapsed_ms,
            time_limit_ms=player_time_limit_ms(asked[a.question_index], extra_time[a.player_id]),
        )
        for a in Answer.objects.filter(game=game, question_index__lt=len(asked))
    ]
    return replay_scores(
        questions=rules,
        answers=recorded,
        player_ids=extra_time,
        accuracy_only=bool(game.options.get("accuracy_only")),
    )

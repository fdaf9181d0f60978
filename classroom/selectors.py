"""Reads of the live game: the snapshots a socket gets on connect and on `sync`.

Built from the database alone, so any process can answer any client after a restart.
Shapes are docs/protocol.md, Part 2 ("The player's snapshot", "The host's snapshot").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from classroom import frames, services
from classroom.machine import allowed_actions
from classroom.models import Answer, Game, Player
from classroom.ranking import podium
from classroom.scoring import PlayerTotals, QuestionRules, RecordedAnswer, replay_scores
from quizzes import kinds


def _remaining_ms(game: Game, limit_ms: int) -> int:
    if game.question_started_at is None:
        return 0
    ends = game.question_started_at + timedelta(milliseconds=limit_ms)
    return max(0, int((ends - timezone.now()).total_seconds() * 1000))


def _your_answer(question: dict[str, Any], answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    kind = kinds.get(question["kind"])
    return {"question_id": question["id"], **kind.echo(kind.value(answer.choice_id, answer.value))}


def _rank_and_count(game: Game, player: Player) -> tuple[int | None, int]:
    """Competition rank ("1224": one more than the players ahead) and players counted.

    Two aggregates, not every score: a join storm asks this once per join.
    """
    totals = Player.objects.filter(game=game, kicked=False).aggregate(
        count=Count("id"), ahead=Count("id", filter=Q(score__gt=player.score))
    )
    rank = None if player.kicked else totals["ahead"] + 1
    return rank, totals["count"]


def player_with_game(*, player_id: int) -> Player:
    """The player row with its game, the game's questions from the per-process cache."""
    player = Player.objects.select_related("game").defer("game__questions").get(pk=player_id)
    player.game.questions = services.game_questions(game=player.game)
    return player


def player_snapshot_of(
    player: Player,
    *,
    rank_and_count: tuple[int | None, int] | None = None,
    has_answers: bool = True,
) -> dict[str, Any]:
    """The `state` frame of a player row just read with its game (`select_related`).

    `rank_and_count` and `has_answers=False` spare queries when the caller knows them.
    """
    game = player.game
    rank, count = rank_and_count or _rank_and_count(game, player)
    question_frame = your_answer = reveal = finished = None
    index = game.question_index
    phase = game.phase
    if phase in (Game.Phase.QUESTION, Game.Phase.REVEAL, Game.Phase.SCOREBOARD) and index >= 0:
        question = game.questions[index]
        answer = (
            Answer.objects.filter(player=player, question_index=index).first()
            if has_answers
            else None
        )
        if phase == Game.Phase.QUESTION:
            limit = services.player_time_limit_ms(question, player.extra_time_s)
            question_frame = frames.question_player(
                question=question,
                index=index,
                count=len(game.questions),
                time_limit_ms=limit,
                remaining_ms=_remaining_ms(game, limit),
            )
            your_answer = _your_answer(question, answer)
        else:
            kind = kinds.get(question["kind"])
            reveal = frames.reveal_player(
                question=question,
                fields={
                    **kind.your_fields(
                        kind.value(answer.choice_id, answer.value) if answer else None
                    ),
                    "correct": bool(answer and answer.correct),
                    "points": answer.points if answer else 0,
                    "score": player.score,
                    "rank": rank,
                    "streak": player.streak,
                },
            )
    if phase == Game.Phase.FINISHED:
        finished = {"rank": rank, "score": player.score, "count": count}
    return frames.player_state(
        phase=phase,
        player={"id": player.id, "nickname": player.nickname},
        score=player.score,
        rank=rank,
        count=count,
        streak=player.streak,
        host_connected=bool(game.host_connection),
        question=question_frame,
        your_answer=your_answer,
        reveal=reveal,
        finished=finished,
        seq=game.player_seq,
    )


def new_player_snapshots(*, game_id: int, players: Sequence[Player]) -> list[dict[str, Any]]:
    """The `state` frames of players who have just joined (score 0, no answers yet).

    Three queries whatever the number of players: for a class joining at once.
    """
    game = services.game_read(game_id=game_id)
    totals = Player.objects.filter(game=game, kicked=False).aggregate(
        count=Count("id"), ahead=Count("id", filter=Q(score__gt=0))
    )
    states = []
    for player in players:
        player.game = game
        states.append(
            player_snapshot_of(
                player,
                rank_and_count=(totals["ahead"] + 1, totals["count"]),
                has_answers=False,
            )
        )
    return states


def host_lobby(*, game: Game, base_url: str = "") -> dict[str, Any]:
    """The projector's `lobby` frame: the full roster of connected players."""
    players = list(
        Player.objects.filter(game=game, kicked=False, connected=True)
        .order_by("joined_at", "id")
        .values("id", "nickname", "extra_time_s")
    )
    return frames.lobby(
        pin=game.pin,
        join_url=services.join_url(game.pin, base_url),
        players=players,
        locked=game.locked,
        join_gate=services.join_gate_shown(game),
        seq=game.seq,
    )


def host_snapshot(*, game: Game) -> dict[str, Any]:
    """The projector's `state` frame (with `seq`), read fresh from the database."""
    game = services.game_read(game_id=game.pk)
    phase = game.phase
    index = game.question_index
    question_frame = reveal = top = podium_entries = None
    standings = services._standings(game)
    if phase in (Game.Phase.QUESTION, Game.Phase.REVEAL, Game.Phase.SCOREBOARD) and index >= 0:
        question = game.questions[index]
        answered, total = services.answer_totals(game)
        if phase == Game.Phase.QUESTION:
            limit = int(question["time_limit_ms"])
            deadline_ms = 0
            if game.question_deadline is not None:
                deadline_ms = max(
                    0, int((game.question_deadline - timezone.now()).total_seconds() * 1000)
                )
            question_frame = frames.question_host(
                question=question,
                index=index,
                count=len(game.questions),
                time_limit_ms=limit,
                remaining_ms=deadline_ms,
                answered=answered,
                total=total,
            )
        else:
            answers = list(Answer.objects.filter(game=game, question_index=index))
            kind = kinds.get(question["kind"])
            reveal = frames.reveal_host(
                question=question,
                distribution=kind.distribution(
                    question, [kind.value(a.choice_id, a.value) for a in answers]
                ),
                answered=answered,
                total=total,
                correct_count=sum(1 for a in answers if a.correct),
            )
            top = services.scoreboard_top(game, standings)
    finished = phase == Game.Phase.FINISHED
    if finished:
        podium_entries = podium(standings)
        top = services.scoreboard_top(game, standings)
    return frames.host_state(
        phase=phase,
        pin=game.pin,
        locked=game.locked,
        count=services.connected_count(game),
        question=question_frame,
        reveal=reveal,
        top=top,
        podium=podium_entries,
        report_url=services.report_url(game) if finished else None,
        timeline_url=services.timeline_url(game) if finished else None,
        options=services.public_options(game),
        allowed_actions=[str(a) for a in allowed_actions(phase)],
        join_gate=services.join_gate_shown(game),
        seq=game.seq,
    )


def game_recomputed_totals(*, game: Game) -> dict[int, PlayerTotals]:
    """Recompute every player's totals from the stored answers alone.

    The live server writes the totals on the Player rows when a question closes; this
    replays the answers of the closed questions through the pure scoring rules so tests,
    restart checks and the scale-out test can prove that the two agree ("every score
    equals a recomputation"). An open question's answers are stored but not yet scored
    (so a mid-question snapshot cannot tell right from wrong): they are left out here.
    """
    closed = game.question_index + (0 if game.phase == Game.Phase.QUESTION else 1)
    asked = game.questions[: max(closed, 0)]
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
    players = {p.id: p for p in Player.objects.filter(game=game)}
    recorded = [
        RecordedAnswer(
            player_id=a.player_id,
            question_index=a.question_index,
            answer=kinds.get(asked[a.question_index]["kind"]).value(a.choice_id, a.value),
            elapsed_ms=a.elapsed_ms,
            time_limit_ms=asked[a.question_index]["time_limit_ms"]
            + players[a.player_id].extra_time_s * 1000,
        )
        for a in Answer.objects.filter(game=game, question_index__lt=len(asked))
    ]
    return replay_scores(
        questions=rules,
        answers=recorded,
        player_ids=players,
        accuracy_only=bool(game.options.get("accuracy_only")),
    )

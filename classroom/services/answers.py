"""Answers, stored in groups before they are acknowledged (docs/architecture.md,
"Answers: stored before acknowledged, in groups").

A process's answers to one game that arrive within a few milliseconds are stored by one
`answers_store` call, one transaction (classroom/batching.py collects them). Each answer
is judged on its own: its player, the question still open, its kind's check
(quizzes/kinds.py), its own deadline (with the player's extra time), then scored
(classroom/scoring.py). The rows go in with one prepared INSERT (`_insert_answers`);
classroom/services/groups.py stores them one by one only when a row's data breaks it.

The live server stores the groups of every game of a process that arrive within the
same few milliseconds in one transaction (`answers_store_games`): with many small
classes each game's group holds one or two answers, and a transaction per game cost
more than the answers in it. Each game's part is its own savepoint, so one game's
failure costs no other game anything.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, selectors, self_paced
from classroom.errors import ClientError
from classroom.machine import Phase
from classroom.models import Answer, Game, Player
from classroom.scoring import player_time_limit_ms, score_for
from classroom.services import homework
from classroom.services.groups import insert_each, update_each
from classroom.services.locked import lock_game, lock_games
from classroom.services.publish import Broadcast, broadcast
from quizzes import kinds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """One `answer` frame, stamped with the server time it arrived."""

    player_id: int
    question_id: int
    arrived_at: datetime
    choice_id: int | None = None
    choice_ids: tuple[int, ...] | None = None
    year: int | None = None


@dataclass(frozen=True)
class SubmissionResult:
    submission: Submission
    error: ClientError | None = None
    # Homework (services/homework.py): the frames that player gets right after the
    # acknowledgement (their reveal), or the one it gets instead (`finished`, once the
    # homework closed); whether their progress waits for its second.
    followups: tuple[dict[str, Any], ...] = ()
    instead: dict[str, Any] | None = None
    progress_pending: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    def received_fields(self) -> dict[str, Any]:
        """The `answer_received` fields echoing what was stored."""
        s = self.submission
        echoed: dict[str, Any] = {"question_id": s.question_id, "choice_id": s.choice_id}
        if s.choice_ids is not None:
            echoed["choice_ids"] = list(s.choice_ids)
        if s.year is not None:
            echoed["year"] = s.year
        return echoed


def too_early() -> ClientError:
    """An answer during the reading time (refused by the consumer before the group,
    and here from the stored moment)."""
    return ClientError(
        "too_early", gettext_noop("Read the question first: answers open in a moment.")
    )


def _try_again() -> ClientError:
    return ClientError(
        "try_again", gettext_noop("Your answer could not be saved. Please send it again.")
    )


def _server_error() -> ClientError:
    return ClientError(
        "server_error", gettext_noop("Something went wrong on the server with that answer.")
    )


def _already_answered() -> ClientError:
    return ClientError("already_answered", gettext_noop("You have already answered this question."))


def answers_store(
    *, game_id: int, submissions: Sequence[Submission]
) -> tuple[list[SubmissionResult], int | None]:
    """Store a group of answers of one game in one transaction (group commit).

    Each submission is judged on its own; the results come back in order. An answer
    stamped after the player's own deadline is `question_closed`. One submission's
    failure (while judging it, or a constraint its row breaks) is that submission's
    error alone; the others are stored. If the database fails, every submission gets
    `try_again` and nothing is stored.

    Also returns the index of the question every connected player has now answered
    (the caller closes it with `phases.question_close_all_answered`), else None. The
    live server acknowledges the answers between the two: closing scores every player
    and builds every reveal, which the last answers' acks need not wait for.
    """
    if not submissions:
        return [], None
    try:
        return _store_answers(game_id, submissions)
    except DatabaseError:
        logger.exception("storing %d answers of game %s failed", len(submissions), game_id)
        return [SubmissionResult(s, _try_again()) for s in submissions], None


# game id -> (that game's results, in order; the index of the question it may close)
GamesStored = dict[int, tuple[list[SubmissionResult], int | None]]


def answers_store_games(*, groups: Mapping[int, Sequence[Submission]]) -> GamesStored:
    """Store the answer groups of several games (game id -> its submissions) in one
    transaction: what `answers_store` does for each game, for the price of one commit.

    The game rows are locked in id order, so two processes storing groups of the same
    games cannot deadlock. The live games with a question open are stored together
    (`_store_together`: each query once for all of them, not once per game); if that
    fails, even with a bug, it is undone and each game is stored on its own. A game
    stored on its own runs in its own savepoint (`answers_store`'s transaction, nested):
    if it fails, that game's answers get `try_again` and the other games are stored. If
    the transaction itself cannot commit, every answer gets `try_again`: nothing was
    stored. The broadcasts go out after the commit.
    """
    stored: GamesStored = {}
    try:
        with transaction.atomic():
            together = _open_live_games(groups) if len(groups) > 1 else {}
            if len(together) > 1:
                try:
                    with transaction.atomic():
                        stored.update(
                            _store_together({gid: (g, groups[gid]) for gid, g in together.items()})
                        )
                except Exception:
                    logger.exception(
                        "storing the answers of %d games together failed; one by one",
                        len(together),
                    )
                    stored.clear()
            for game_id in sorted(groups):
                if game_id in stored:
                    continue
                submissions = groups[game_id]
                try:
                    stored[game_id] = answers_store(game_id=game_id, submissions=submissions)
                except Exception:
                    logger.exception("storing the answers of game %s failed", game_id)
                    stored[game_id] = [SubmissionResult(s, _try_again()) for s in submissions], None
            if transaction.get_rollback():
                # A savepoint could not be rolled back (the connection broke): the
                # transaction will roll back as it leaves, not commit.
                raise DatabaseError("the group commit of several games was rolled back")
    except DatabaseError:
        logger.exception("storing the answers of %d games failed", len(groups))
        return {
            game_id: ([SubmissionResult(s, _try_again()) for s in submissions], None)
            for game_id, submissions in groups.items()
        }
    return stored


def _open_live_games(groups: Mapping[int, Sequence[Submission]]) -> dict[int, Game]:
    """The games of `groups` locked (one query, in id order), those that are live (not
    homework) with a question open: the ones `_store_together` stores."""
    locked = lock_games(sorted(groups))
    return {
        game_id: game
        for game_id, game in locked.items()
        if not selectors.is_self_paced(game)
        and game.phase == Phase.QUESTION
        and game.question_index >= 0
    }


def _store_together(parts: Mapping[int, tuple[Game, Sequence[Submission]]]) -> GamesStored:
    """What `_store_answers` does for each of several live games with a question open
    (locked by the caller), with one query for all of them where it made one per game:
    their players, the answers already given, the INSERT, the players' `last_seen`, the
    games' seq. With 50 classes a window held one or two answers per game, and ten
    statements per game cost ~2 ms of CPU per answer on the one database thread."""
    player_ids = {s.player_id for _game, subs in parts.values() for s in subs}
    players = _judged_players(player_ids)
    # Only the open questions' answers: not every answer these players ever gave.
    given = set(
        Answer.objects.filter(
            player_id__in=list(players),
            question_index__in={game.question_index for game, _subs in parts.values()},
        ).values_list("player_id", "question_index")
    )
    errors: dict[int, list[ClientError | None]] = {}
    judged: list[tuple[int, int, _AnswerRow]] = []  # (game id, position, row)
    for game_id, (game, submissions) in parts.items():
        already = {
            pid for pid in {s.player_id for s in submissions} if (pid, game.question_index) in given
        }
        errors[game_id] = [None] * len(submissions)
        for at, row in _judge(game, submissions, errors[game_id], players, already):
            judged.append((game_id, at, row))
    outcomes = _insert_rows_outcomes([row for _gid, _at, row in judged])
    stored_rows: dict[int, list[_AnswerRow]] = {game_id: [] for game_id in parts}
    for (game_id, at, row), error in zip(judged, outcomes, strict=True):
        if error is None:
            stored_rows[game_id].append(row)
        else:
            errors[game_id][at] = error
    _seen([row.player_id for rows in stored_rows.values() for row in rows])
    stored: GamesStored = {}
    announced = []
    for game_id, (game, submissions) in parts.items():
        close_index = _announce_count(game, stored_rows[game_id], save=False)
        if stored_rows[game_id]:
            announced.append(game)
        results = [
            SubmissionResult(s, e) for s, e in zip(submissions, errors[game_id], strict=True)
        ]
        stored[game_id] = results, close_index
    update_each(announced, ["seq"])
    return stored


def _store_answers(
    game_id: int, submissions: Sequence[Submission]
) -> tuple[list[SubmissionResult], int | None]:
    with transaction.atomic():
        game = lock_game(game_id)
        if selectors.is_self_paced(game):
            return _store_paced(game, submissions), None
        if game.phase != Phase.QUESTION or game.question_index < 0:
            closed = ClientError("question_closed", gettext_noop("This question is closed."))
            return [SubmissionResult(s, closed) for s in submissions], None
        errors: list[ClientError | None] = [None] * len(submissions)
        players = _judged_players({s.player_id for s in submissions})
        already = set(
            Answer.objects.filter(
                game=game, question_index=game.question_index, player_id__in=list(players)
            ).values_list("player_id", flat=True)
        )
        rows = _judge(game, submissions, errors, players, already)
        _insert_rows(rows, errors)
        close_index = _after_storing(game, [row for at, row in rows if errors[at] is None])
    return [SubmissionResult(s, e) for s, e in zip(submissions, errors, strict=True)], close_index


@dataclass(frozen=True)
class _AnswerRow:
    """An Answer row to insert, in the model's field names (created_at is set on insert)."""

    game_id: int
    player_id: int
    question_index: int
    question_id: int
    choice_id: int | None
    value: Any
    elapsed_ms: int
    correct: bool
    points: int


# (position in the group, its row)
Judged = tuple[int, _AnswerRow]

# What judging a live answer reads of its player (`_answer_row`, `_scored_row`). Loading
# every column (22, eight of them dates) took half as long again: 1.9 against 1.2 ms for
# a group of 100 players on SQLite, on the one database thread every answer waits for.
_JUDGED_PLAYER_FIELDS = ("id", "game_id", "kicked", "extra_time_s", "streak")


def _judged_players(player_ids: set[int]) -> dict[int, Player]:
    return Player.objects.only(*_JUDGED_PLAYER_FIELDS).in_bulk(player_ids)


def _judge(
    game: Game,
    submissions: Sequence[Submission],
    errors: list[ClientError | None],
    players: Mapping[int, Player],
    already: set[int],
) -> list[Judged]:
    """The rows the group stores, in order; each submission refused gets its error.
    `players` holds (at least) the submissions' players; `already`, those of them who
    have answered the open question (added to as rows are judged)."""
    index = game.question_index
    question = game.questions[index]
    accuracy_only = bool(game.options.get("accuracy_only"))
    rows: list[Judged] = []
    for at, sub in enumerate(submissions):
        try:
            row, error = _answer_row(game, question, players, already, sub, accuracy_only)
        except Exception:
            # A bug met by one answer (its scoring raised): that answer alone fails.
            logger.exception("judging an answer of game %s failed", game.pk)
            row, error = None, _server_error()
        if error is not None or row is None:
            errors[at] = error or _server_error()
            continue
        already.add(sub.player_id)
        rows.append((at, row))
    return rows


def _checked(
    game: Game, question: dict[str, Any], player: Player | None, sub: Submission
) -> tuple[Any, ClientError | None]:
    """(the answer in its kind's shape, or the error refusing it)."""
    if player is None or player.kicked:
        return None, ClientError("not_joined", gettext_noop("Join the game before answering."))
    if game.phase != Phase.QUESTION or sub.question_id != question["id"]:
        return None, ClientError("question_closed", gettext_noop("This question is closed."))
    try:
        return kinds.get(question["kind"]).check(question, sub), None
    except kinds.Refused as refused:
        return None, ClientError(refused.code, refused.message)


def _answer_row(
    game: Game,
    question: dict[str, Any],
    players: Mapping[int, Player],
    already: set[int],
    sub: Submission,
    accuracy_only: bool,
) -> tuple[_AnswerRow | None, ClientError | None]:
    """The row one submission stores, or the error refusing it (judged on its own)."""
    player = players.get(sub.player_id)
    if player is not None and player.game_id != game.id:
        player = None
    value, error = _checked(game, question, player, sub)
    if error is not None:
        return None, error
    assert player is not None
    if sub.player_id in already:
        return None, _already_answered()
    started = game.question_started_at
    if sub.arrived_at < started:
        # During the reading time (the consumer refuses these before the group).
        return None, too_early()
    limit = player_time_limit_ms(question, player.extra_time_s)
    if sub.arrived_at > started + timedelta(milliseconds=limit):
        return None, ClientError("question_closed", gettext_noop("Time is up for this question."))
    elapsed = min(max(0, int((sub.arrived_at - started).total_seconds() * 1000)), limit)
    row, _scored = _scored_row(
        game, player, question, game.question_index, value, elapsed, limit, accuracy_only
    )
    return row, None


def _scored_row(
    game: Game,
    player: Player,
    question: dict[str, Any],
    index: int,
    value: Any,
    elapsed: int,
    limit: int,
    accuracy_only: bool,
) -> tuple[_AnswerRow, Any]:
    """The Answer row of a checked answer and its score (classroom/scoring.py)."""
    scored = score_for(
        question,
        answer=value,
        elapsed_ms=elapsed,
        time_limit_ms=limit,
        accuracy_only=accuracy_only,
        streak_before=player.streak,
    )
    choice_id, stored = kinds.get(question["kind"]).columns(value)
    row = _AnswerRow(
        game_id=game.id,
        player_id=player.id,
        question_index=index,
        question_id=question["id"],
        choice_id=choice_id,
        value=stored,
        elapsed_ms=elapsed,
        correct=scored.correct,
        points=scored.points,
    )
    return row, scored


def _insert_rows(rows: Sequence[Judged], errors: list[ClientError | None]) -> None:
    """Insert the group's rows (classroom/services/groups.py); each row not stored gets
    its error in `errors`. A failing database raises on: the caller's transaction fails
    and every answer of the group gets try_again."""
    outcomes = _insert_rows_outcomes([row for _, row in rows])
    for (at, _row), error in zip(rows, outcomes, strict=True):
        if error is not None:
            errors[at] = error


def _insert_rows_outcomes(rows: Sequence[_AnswerRow]) -> list[ClientError | None]:
    """Insert `rows`; per row, None if it is stored, else the error its answer gets."""

    def conflict(row: _AnswerRow) -> ClientError:
        # One answer per player and question: another writer stored this player's.
        exists = Answer.objects.filter(
            player_id=row.player_id, question_index=row.question_index
        ).exists()
        return _already_answered() if exists else _try_again()

    return insert_each(
        rows, _insert_answers, noun="answers", conflict=conflict, bad_row=_server_error()
    )


_ANSWER_COLUMNS = tuple(f.name for f in fields(_AnswerRow))
_VALUE_AT = _ANSWER_COLUMNS.index("value")


def _insert_answers(rows: Sequence[_AnswerRow]) -> None:
    """Insert answer rows with one prepared INSERT run for every row.

    `bulk_create` of 200 Answer objects cost ~29 ms of CPU (building the models and one
    statement with 2,000 placeholders) against ~4 ms here, on the one database thread
    every answer of the process waits for. Same columns, same conversions (the JSON
    `value`, the `created_at` stamp), same unique constraint.
    Rows of one batch share their `created_at`; Answer's ordering ties then fall back
    to the database's order.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = Answer._meta
    names = (*_ANSWER_COLUMNS, "created_at")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    value_field = meta.get_field("value")
    stamp_field = meta.get_field("created_at")
    # One stamp for the batch: its rows are stored by one commit, and converting a
    # datetime for the database costs more than the rest of a row.
    stamp = stamp_field.get_db_prep_save(timezone.now(), connection)
    data = []
    for row in rows:
        values = [getattr(row, name) for name in _ANSWER_COLUMNS]
        if row.value is not None:
            values[_VALUE_AT] = value_field.get_db_prep_save(row.value, connection)
        values.append(stamp)
        data.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, data)


def _after_storing(game: Game, stored: Sequence[_AnswerRow]) -> int | None:
    """Tell the projector the new count; the open question's index if every connected
    player has now answered it, else None."""
    _seen([row.player_id for row in stored])
    return _announce_count(game, stored)


def _seen(player_ids: Sequence[int]) -> None:
    """The players whose answers were stored were there just now (`last_seen`)."""
    if player_ids:
        Player.objects.filter(pk__in=player_ids).update(last_seen=timezone.now())


def _announce_count(game: Game, stored: Sequence[_AnswerRow], *, save: bool = True) -> int | None:
    """The projector's new answer count (if answers were stored); the open question's
    index if every connected player has now answered it, else None. With `save` False
    the caller saves the game's seq."""
    if not stored:
        return None
    answered, away, connected = selectors.answer_tally(game)
    question_id = game.questions[game.question_index]["id"]
    broadcast(
        game,
        Broadcast(
            host=frames.answer_count(
                question_id=question_id, answered=answered, total=connected + away
            )
        ),
        save=save,
    )
    # One answer per player and question (a unique constraint), so the connected
    # players who answered are answered - away: the same test as
    # selectors.everyone_answered, without its two more queries per batch.
    if connected > 0 and answered - away >= connected:
        return game.question_index
    return None


# --- homework: each player's own question and deadline ----------------------------------


def _store_paced(game: Game, submissions: Sequence[Submission]) -> list[SubmissionResult]:
    """A group of answers to a homework game (the game locked): each judged against its
    player's own question and deadline (classroom/self_paced.py), stored by the same
    INSERT as a live game's, the player's totals updated at once (there is no
    question-wide reveal to score them at), their reveal built for right after the ack.
    Once the homework has closed, an answer gets `finished` and nothing is stored."""
    now = timezone.now()
    homework.close_if_due(game, now)
    is_open = selectors.homework_is_open(game, now)
    accuracy_only = bool(game.options.get("accuracy_only"))
    players = Player.objects.in_bulk({s.player_id for s in submissions})
    errors: list[ClientError | None] = [None] * len(submissions)
    closed: set[int] = set()
    rows: list[Judged] = []
    scored: dict[int, Any] = {}
    for at, sub in enumerate(submissions):
        player = players.get(sub.player_id)
        if player is None or player.game_id != game.id or player.kicked:
            errors[at] = ClientError("not_joined", gettext_noop("Join the game before answering."))
            continue
        try:
            judged = _paced_row(game, player, sub, is_open, accuracy_only)
        except Exception:
            logger.exception("judging a homework answer of game %s failed", game.pk)
            judged = _server_error()
        if judged is None:
            closed.add(at)
        elif isinstance(judged, ClientError):
            errors[at] = judged
        else:
            row, result = judged
            rows.append((at, row))
            scored[at] = result
            # A second answer of the same group to the same question is already_answered.
            player.paced_answered = True
    _insert_rows(rows, errors)
    stored = [(at, row) for at, row in rows if errors[at] is None]
    changed = _apply_paced_totals(players, stored, scored, now)
    homework.progress_changed(game, changed, now=now)
    return _paced_results(game, players, submissions, errors, closed, stored)


def _paced_row(
    game: Game, player: Player, sub: Submission, is_open: bool, accuracy_only: bool
) -> tuple[_AnswerRow, Any] | ClientError | None:
    """One homework answer's row and score, its refusal, or None: the homework closed."""
    index = player.paced_index
    question = game.questions[index] if 0 <= index < len(game.questions) else None
    asked = index if question is not None and question["id"] == sub.question_id else -2
    step = self_paced.on_answer(
        selectors.paced_progress(player, game),
        question_index=asked,
        arrived_at=sub.arrived_at,
        is_open=is_open,
    )
    if step is self_paced.Step.FINISHED:
        return None
    if step is self_paced.Step.CLOSED:
        if asked == index and player.paced_answered:
            return _already_answered()
        message = "Time is up for this question." if asked == index else "This question is closed."
        return ClientError("question_closed", message)
    assert question is not None and player.paced_sent_at is not None
    try:
        value = kinds.get(question["kind"]).check(question, sub)
    except kinds.Refused as refused:
        return ClientError(refused.code, refused.message)
    limit = player_time_limit_ms(question, player.extra_time_s)
    elapsed = self_paced.elapsed_ms(player.paced_sent_at, sub.arrived_at, limit_ms=limit)
    row, result = _scored_row(game, player, question, index, value, elapsed, limit, accuracy_only)
    return row, (result, int(question.get("points_multiplier", 1)) > 0)


PACED_FIELDS = (
    "previous_score",
    "score",
    "streak",
    "correct_count",
    "paced_answered",
    "progress_pending",
    "last_seen",
)


def _apply_paced_totals(
    players: dict[int, Player], stored: Sequence[Judged], scored: dict[int, Any], now: datetime
) -> list[Player]:
    """Add each stored answer to its player's totals and write them
    (`groups.update_each`, as `phases._save_totals`)."""
    changed: list[Player] = []
    for at, row in stored:
        player = players[row.player_id]
        result, counts = scored[at]
        player.previous_score = player.score
        player.score += result.points
        player.streak = result.streak
        if result.correct and counts:
            player.correct_count += 1
        player.paced_answered = True
        player.progress_pending = True
        player.last_seen = now
        changed.append(player)
    update_each(changed, PACED_FIELDS)
    return changed


def _paced_results(
    game: Game,
    players: dict[int, Player],
    submissions: Sequence[Submission],
    errors: list[ClientError | None],
    closed: set[int],
    stored: Sequence[Judged],
) -> list[SubmissionResult]:
    """Each submission's result: its error, `finished` instead of an ack, or the ack
    followed by that player's reveal (with their rank among everyone so far)."""
    scores = sorted(Player.objects.filter(game=game, kicked=False).values_list("score", flat=True))
    count = len(scores)

    def rank(score: int) -> int:
        return count - bisect_right(scores, score) + 1

    rows = dict(stored)
    results: list[SubmissionResult] = []
    for at, sub in enumerate(submissions):
        player = players.get(sub.player_id)
        if at in closed and player is not None:
            score = player.score
            finished = frames.finished_player(rank=rank(score), score=score, count=count)
            results.append(SubmissionResult(sub, instead=finished))
        elif errors[at] is not None or at not in rows or player is None:
            results.append(SubmissionResult(sub, errors[at] or _server_error()))
        else:
            row = rows[at]
            answer = Answer(
                choice_id=row.choice_id, value=row.value, correct=row.correct, points=row.points
            )
            reveal = selectors.paced_reveal(
                game, player, row.question_index, answer, rank=rank(player.score)
            )
            results.append(
                SubmissionResult(sub, followups=(reveal,), progress_pending=player.progress_pending)
            )
    return results

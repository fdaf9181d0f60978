"""A class answering (or joining) at once, stored in groups: one transaction per group.

All async ORM calls of one Daphne process share one database thread, so the answers of
every game that arrive within BATCH_WINDOW_S of the first of them (at most MAX_BATCH)
are stored by one `answers_store_games` call (one transaction), then each phone is
acknowledged; `answer_received` is sent only after that transaction has
committed. The question a group completed is closed right
after the acks: scoring 1,000 players takes tens of milliseconds, which the acks need
not wait for. Joins are grouped the same way (`players_join`), and each joined phone
gets its `joined` frame built in the same trip to the database thread.

While a group is stored its broadcasts wait (`HoldBroadcasts`): the answer count it
causes goes out after the acks, so a phone never sees its answer counted before it
was told it was received. One `AnswerBatcher` and one `JoinBatcher` per event loop
(classroom/runtime.py).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.utils.translation import gettext_noop

from classroom import frames, selectors
from classroom.db import db_call
from classroom.errors import ClientError
from classroom.models import Player
from classroom.questions_cache import game_read
from classroom.services import answers, phases, players

logger = logging.getLogger(__name__)

# How long the first answer (or join) of a group waits for others. Each group costs
# ~3.3 ms of database-thread CPU whatever its size, plus ~0.14 ms per answer (measured
# in process): at 1,000 answers a second, 5 ms groups spent ~0.5 ms per answer, 20 ms
# groups ~0.3 ms, and that CPU is what the acks queue behind.
BATCH_WINDOW_S = 0.02
MAX_BATCH = 200

T = TypeVar("T")


# --- holding a group's broadcasts until its acknowledgements went out ---------------------

# Thread-local: HTTP views may run services in other threads at the same time.
_local = threading.local()


def _held() -> list[HoldBroadcasts]:
    stack = getattr(_local, "held", None)
    if stack is None:
        stack = _local.held = []
    return stack


class HoldBroadcasts:
    """A gate for the broadcasts of one service call (see the module docstring);
    classroom/relay.py publishes them once it opens. Create it in the loop."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def release(self) -> None:
        self.event.set()


def run_holding(hold: HoldBroadcasts, func: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run sync `func` (in the database thread) with its broadcasts behind `hold`."""
    stack = _held()
    stack.append(hold)
    try:
        return func(**kwargs)
    finally:
        stack.pop()


def current_hold() -> HoldBroadcasts | None:
    """The gate the service running in this thread publishes behind, if any."""
    stack = _held()
    return stack[-1] if stack else None


# --- collecting a group -----------------------------------------------------------------------


class GroupCommit(Generic[T]):
    """Collect the items of one key (a game's joins; every game's answers) that arrive
    within a few ms and hand them to `_flush` together: every database call of a
    process goes through its one database thread, so a class answering (or joining) at
    once costs one transaction per group, not one per phone. Subclasses say what a
    group does."""

    def __init__(self, *, window_s: float = BATCH_WINDOW_S, max_batch: int = MAX_BATCH) -> None:
        self.window_s = window_s
        self.max_batch = max_batch
        self.queues: dict[int, list[T]] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}
        # When the oldest item waiting in each queue came (loop time).
        self.first_at: dict[int, float] = {}

    def _add(self, game_id: int, item: T) -> None:
        queue = self.queues.setdefault(game_id, [])
        if not queue:
            # The first item of a group: the group goes a window after it came.
            self.first_at[game_id] = asyncio.get_running_loop().time()
        queue.append(item)
        if game_id not in self.tasks:
            self.tasks[game_id] = asyncio.get_running_loop().create_task(self._drain(game_id))

    async def _drain(self, game_id: int) -> None:
        """Store each group once its first item has waited one window (or once it is
        full). Items that arrive while a group is stored have waited part of their
        window by the time it is done: their group goes when the first of them has
        waited a window, not a whole window after the flush (as before, which put
        2,000 answers a second at an ack p99 of 52-61 ms, mostly waiting), and is about
        as large as a window's, so the transactions per second stay as they were."""
        loop = asyncio.get_running_loop()
        try:
            while self.queues.get(game_id):
                wait = self.window_s - (loop.time() - self.first_at[game_id])
                if wait > 0 and len(self.queues[game_id]) < self.max_batch:
                    await asyncio.sleep(wait)
                queue = self.queues[game_id]
                batch = queue[: self.max_batch]
                del queue[: self.max_batch]
                await self._flush(game_id, batch)
        finally:
            self.tasks.pop(game_id, None)
            if not self.queues.get(game_id):
                self.queues.pop(game_id, None)
                self.first_at.pop(game_id, None)

    async def _flush(self, game_id: int, batch: list[T]) -> None:
        raise NotImplementedError


# --- answers ------------------------------------------------------------------------------------


class AnswerSocket(Protocol):
    """What the answer group needs of a phone's socket (classroom/consumers.py)."""

    async def answer_result(self, result: answers.SubmissionResult) -> None: ...


@dataclass
class _Pending:
    socket: AnswerSocket
    submission: answers.Submission
    game_id: int


# The key of the one answer group of a process: every game's answers of a window are
# stored together (answers.answers_store_games). With 50 classes of 30 a game's own
# 20 ms group held one or two answers, and a transaction per game cost more than them.
_EVERY_GAME = 0


class AnswerBatcher(GroupCommit[_Pending]):
    """Answers of every game: stored in one transaction, then each phone acknowledged."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # The closes running beside the next group (a reference keeps each task alive).
        self.closing: set[asyncio.Task[None]] = set()

    def submit(self, game_id: int, socket: AnswerSocket, submission: answers.Submission) -> None:
        self._add(_EVERY_GAME, _Pending(socket, submission, game_id))

    async def _flush(self, key: int, batch: list[_Pending]) -> None:
        hold = HoldBroadcasts()
        groups: dict[int, list[answers.Submission]] = {}
        for pending in batch:
            groups.setdefault(pending.game_id, []).append(pending.submission)
        try:
            try:
                stored = await db_call(run_holding)(
                    hold, answers.answers_store_games, groups=groups
                )
            except Exception:
                logger.exception("answer batch of games %s failed", sorted(groups))
                error = ClientError(
                    "try_again",
                    gettext_noop("Your answer could not be saved. Please send it again."),
                )
                stored = {
                    game: ([answers.SubmissionResult(s, error) for s in submissions], None)
                    for game, submissions in groups.items()
                }
            # Each game's results are in the order of its submissions in the batch.
            results = {game: iter(game_results) for game, (game_results, _) in stored.items()}
            # Acknowledge first: the answer counts this batch caused wait behind `hold`
            # until every phone has its ack.
            for pending in batch:
                try:
                    await pending.socket.answer_result(next(results[pending.game_id]))
                except Exception:
                    logger.debug("ack to a closed socket dropped", exc_info=True)
        finally:
            hold.release()
        closes = {game: index for game, (_, index) in stored.items() if index is not None}
        if closes:
            # Only now: closing scores every player and builds each one's reveal (~70 ms
            # of CPU at 1,000 phones), which the last batch's acks used to wait for.
            # In a task: the other games' next group collects meanwhile, as it did when
            # each game had a group of its own.
            task = asyncio.get_running_loop().create_task(_close_all_answered(closes))
            self.closing.add(task)
            task.add_done_callback(self.closing.discard)


async def _close_all_answered(closes: dict[int, int]) -> None:
    """Close each game's fully answered question (game id -> its index), each alone,
    in one trip to the database thread."""
    try:
        await db_call(_close_each)(closes)
    except Exception:
        logger.exception("closing the fully answered questions of games %s failed", closes)


def _close_each(closes: dict[int, int]) -> None:
    for game_id, index in closes.items():
        try:
            phases.question_close_all_answered(game_id=game_id, expected_index=index)
        except Exception:
            logger.exception("closing a fully answered question of game %s failed", game_id)


# --- joins --------------------------------------------------------------------------------------

# A joined phone's (player id, `joined` frame, the open question to arm), or its refusal.
JoinOutcome = tuple[int, dict[str, Any], selectors.OpenQuestion] | ClientError


class JoinBatcher(GroupCommit[tuple[str, "asyncio.Future[JoinOutcome]"]]):
    """Joins: a class typing the PIN at once is a burst of joins, one transaction."""

    async def join(self, game_id: int, nickname: str) -> JoinOutcome:
        future: asyncio.Future[JoinOutcome] = asyncio.get_running_loop().create_future()
        self._add(game_id, (nickname, future))
        return await future

    async def _flush(
        self, game_id: int, batch: list[tuple[str, asyncio.Future[JoinOutcome]]]
    ) -> None:
        try:
            outcomes = await db_call(_join_batch)(game_id, [n for n, _ in batch])
        except Exception:
            logger.exception("join batch of game %s failed", game_id)
            error = ClientError(
                "try_again", gettext_noop("Joining failed just now. Please try again.")
            )
            outcomes = [error] * len(batch)
        for (_nickname, future), outcome in zip(batch, outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)


def _new_player_states(game_id: int, joined: list[Player]) -> dict[int, dict[str, Any]]:
    """The `state` of each new player by id: built for the group at once; if that fails,
    one by one, so one player's failure is that player's alone."""
    if not joined:
        return {}
    try:
        states = selectors.new_player_snapshots(game_id=game_id, players=joined)
        return {p.id: state for p, state in zip(joined, states, strict=True)}
    except Exception:
        logger.exception("the joined frames of game %s failed; building them one by one", game_id)
    found: dict[int, dict[str, Any]] = {}
    for player in joined:
        try:
            [found[player.id]] = selectors.new_player_snapshots(game_id=game_id, players=[player])
        except Exception:
            logger.exception("the joined frame of player %s failed", player.id)
    return found


def _join_batch(game_id: int, nicknames: list[str]) -> list[JoinOutcome]:
    """Join a group of phones in one transaction and build their `joined` frames."""
    results = players.players_join(game_id=game_id, nicknames=nicknames)
    joined = [r.player for r in results if r.player is not None]
    states = _new_player_states(game_id, joined)
    game = game_read(game_id=game_id) if joined else None
    outcomes: list[JoinOutcome] = []
    for result in results:
        state = states.get(result.player.id) if result.player is not None else None
        if result.error is not None or state is None or result.token is None:
            outcomes.append(
                result.error or ClientError("try_again", gettext_noop("Please join again."))
            )
            continue
        frame = frames.joined(
            player=state["player"],
            token=result.token,
            state=state,
            resumed=False,
            seq=state["seq"],
        )
        outcomes.append((state["player"]["id"], frame, selectors.open_question(game)))
    return outcomes

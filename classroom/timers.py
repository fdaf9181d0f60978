"""Close the open question at its stored deadline even when no frame arrives.

One asyncio task per (process, game, question index). A process arms it when it
learns a question is open and it has sockets of that game: from the `question`
broadcast (the hub calls `arm` for a broadcast's `timer`) and on every socket connect
(so after a restart the timer is re-armed from `Game.question_deadline`). Several
processes may arm the same question: `phases.question_close` is idempotent, exactly
one of them closes it. One `QuestionTimers` per event loop (classroom/runtime.py).
"""

from __future__ import annotations

import asyncio
import logging
import time

from django.db import DatabaseError

from classroom.db import db_call
from classroom.services import phases

logger = logging.getLogger(__name__)

# Fire a little after the deadline: an answer stamped just before it may still be on
# its way to the database in this process's answer batch.
GRACE_S = 0.25
RETRY_S = 1.0
MAX_RETRIES = 10


class QuestionTimers:
    def __init__(self) -> None:
        self.tasks: dict[tuple[int, int], asyncio.Task[None]] = {}
        # game_id -> (question id, epoch s its answers are taken from): the end of
        # its reading time, for `too_early` before an answer reaches a group. Only
        # for a question with a reading time, until that question's timer is done.
        self.opens: dict[int, tuple[int, float]] = {}

    def arm(
        self,
        game_id: int,
        index: int,
        deadline_epoch_s: float,
        opens_epoch_s: float = 0.0,
        question_id: int | None = None,
    ) -> None:
        if question_id is not None and opens_epoch_s > 0:
            self.opens[game_id] = (int(question_id), float(opens_epoch_s))
        key = (game_id, index)
        task = self.tasks.get(key)
        if task is not None and not task.done():
            return
        self.tasks[key] = asyncio.get_running_loop().create_task(
            self._run(game_id, index, deadline_epoch_s)
        )

    def too_early(self, game_id: int, question_id: int, at_epoch_s: float) -> bool:
        """Whether an answer to `question_id` stamped at `at_epoch_s` came during its
        reading time (the server's clock; the phone's is never asked)."""
        known = self.opens.get(game_id)
        return known is not None and known[0] == question_id and at_epoch_s < known[1]

    async def _run(self, game_id: int, index: int, deadline_epoch_s: float) -> None:
        key = (game_id, index)
        try:
            delay = deadline_epoch_s - time.time() + GRACE_S
            if delay > 0:
                await asyncio.sleep(delay)
            for _attempt in range(MAX_RETRIES):
                try:
                    await db_call(phases.question_close)(
                        game_id=game_id, expected_index=index, reason="time"
                    )
                    return
                except DatabaseError:
                    logger.exception("closing question %s of game %s failed", index, game_id)
                    await asyncio.sleep(RETRY_S)
        finally:
            if self.tasks.get(key) is asyncio.current_task():
                del self.tasks[key]
            opens = self.opens.get(game_id)
            if opens is not None and opens[1] <= deadline_epoch_s:
                # This question's (or an earlier one's): its reading time is long over.
                del self.opens[game_id]

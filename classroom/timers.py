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

    def arm(self, game_id: int, index: int, deadline_epoch_s: float) -> None:
        key = (game_id, index)
        task = self.tasks.get(key)
        if task is not None and not task.done():
            return
        self.tasks[key] = asyncio.get_running_loop().create_task(
            self._run(game_id, index, deadline_epoch_s)
        )

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

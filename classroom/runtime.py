"""What each event loop of a server process runs beside its sockets.

One `Runtime` per loop (Daphne runs one), made the first time a socket of that loop
needs it: the hub (per-process fan-out, classroom/hub.py), the question timers that arm
from its broadcasts (classroom/timers.py), and the groups that store a class's answers
and joins together (classroom/batching.py). Each is an explicit attribute, wired here
and nowhere else; nothing is attached at import.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from classroom.batching import AnswerBatcher, JoinBatcher
from classroom.hub import Hub
from classroom.timers import QuestionTimers


@dataclass
class Runtime:
    hub: Hub
    timers: QuestionTimers
    answers: AnswerBatcher
    joins: JoinBatcher

    @classmethod
    def new(cls) -> Runtime:
        timers = QuestionTimers()
        return cls(
            hub=Hub(arm_timer=timers.arm),
            timers=timers,
            answers=AnswerBatcher(),
            joins=JoinBatcher(),
        )


_runtimes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Runtime] = (
    weakref.WeakKeyDictionary()
)


def runtime() -> Runtime:
    """The running loop's runtime (made on first use)."""
    loop = asyncio.get_running_loop()
    found = _runtimes.get(loop)
    if found is None:
        found = _runtimes[loop] = Runtime.new()
    return found

"""Reteach the weakest: which events a new game goes over again, and why.

A report's by-event accuracy (classroom/reports.py, `GameReport.events`) says how much of
each event's questions the class got right. The events it got wrong most (the lowest
accuracy, below `BELOW`) are the ones a reteach game asks about again, at most `MOST`
of them so the game stays short; ties go to the event with more questions (more
evidence), then to timeline order. An event everyone got right is never retaught.

Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# At most this many events: a reteach game is a short second pass, not the whole quiz.
MOST = 3
# Below this accuracy (percent) an event is worth going over again.
BELOW = 75.0


@dataclass(frozen=True)
class EventScore:
    slug: str
    title: str
    date_label: str
    questions: int
    correct: int
    possible: int
    # Percent, or None when nobody could have answered (no player).
    accuracy: float | None
    # Its place on the timeline (the report lists events in timeline order).
    position: int = 0


def weakest(
    events: Sequence[EventScore], *, most: int = MOST, below: float = BELOW
) -> list[EventScore]:
    """The events to reteach, weakest first (see the module docstring)."""
    weak = [e for e in events if e.accuracy is not None and e.accuracy < below]
    weak.sort(key=lambda e: (e.accuracy, -e.questions, e.position))
    return weak[:most]


def why(event: EventScore) -> str:
    """One line a teacher reads: "Tashkent Declaration (1966): 33 % right, 2 questions"."""
    when = f" ({event.date_label})" if event.date_label else ""
    count = f"{event.questions} question" + ("" if event.questions == 1 else "s")
    return f"{event.title}{when}: {event.accuracy:.0f} % right, {count}"

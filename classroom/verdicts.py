"""The class's votes on one verdict question, beside the source's verdict: what the
teacher's report and the answer page show of the verdict round.

A verdict question is a vote (quizzes/kinds.py, `Verdict`): nobody is right or wrong.
What is counted is how many voted Success and Failure, the class's majority, and how
many of those who voted agreed with the source's verdict (the model answer's), with the
share of the votes that is. Players who did not vote are not counted as disagreeing.

Pure: reads a question as a game stores it (quizzes/snapshot.py) and stored answers
(anything with `choice_id` and `value`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from quizzes import kinds


class StoredAnswer(Protocol):
    @property
    def choice_id(self) -> int | None: ...
    @property
    def value(self) -> Any: ...


@dataclass(frozen=True)
class VerdictRow:
    """The class's vote on one verdict question beside the source's verdict."""

    number: int
    # The event judged (its title and the date students see), and its slug.
    title: str
    date_label: str
    slug: str
    year: int | None
    # The source's (the model answer's) verdict: "success", "failure" or "" for none.
    source: str
    reason: str
    success: int
    failure: int
    voted: int
    agreed: int
    # agreed / voted, in percent; None when nobody voted or the source gives no verdict.
    share: float | None
    # The class's verdict: "success", "failure", "split" (a tie) or "" (no votes).
    majority: str

    @property
    def success_share(self) -> float | None:
        """The share of the votes that said Success, in percent (None: no votes)."""
        return percent(self.success, self.voted)

    @property
    def majority_label(self) -> str:
        return MAJORITY_LABELS[self.majority]


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: the teacher's pages
    translate it when they show it (docs/translating.md)."""
    return message


# The class's majority in words, and a verdict as a badge says it (a neutral verdict
# and none given are both "neither").
MAJORITY_LABELS = {
    "success": gettext_noop("Success"),
    "failure": gettext_noop("Failure"),
    "split": gettext_noop("Split evenly"),
    "": gettext_noop("No votes"),
}
VERDICT_LABELS = {
    "success": gettext_noop("success"),
    "failure": gettext_noop("failure"),
    "neutral": gettext_noop("neither"),
    "": gettext_noop("neither"),
}


def percent(part: int, whole: int) -> float | None:
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def is_verdict(question: Mapping[str, Any]) -> bool:
    return question.get("kind") == kinds.VERDICT.name


def verdict_row(
    index: int, question: Mapping[str, Any], answers: Iterable[StoredAnswer]
) -> VerdictRow:
    """The class's votes on verdict question `index` (0-based) beside the source's."""
    kind = kinds.VERDICT
    count = kind.count(question, [kind.value(a.choice_id, a.value) for a in answers])
    event = question.get("event")
    event = event if isinstance(event, Mapping) else {}
    year = event.get("year")
    return VerdictRow(
        number=index + 1,
        title=str(event.get("title") or question.get("prompt", "")),
        date_label=str(event.get("date_label") or ""),
        slug=str(event.get("slug") or ""),
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        source=count.source,
        reason=str(question.get("explanation") or ""),
        success=count.success,
        failure=count.failure,
        voted=count.voted,
        agreed=count.agreed,
        share=percent(count.agreed, count.voted) if count.source else None,
        majority=count.majority,
    )


# The verdict round's section in the report's downloads (CSV, .xlsx).
VERDICT_COLUMNS = (
    "number",
    "event",
    "event date",
    "model answer",
    "votes success",
    "votes failure",
    "agreed with the model answer",
    "agreed %",
)


def verdict_cells(v: VerdictRow) -> tuple[Any, ...]:
    return (
        v.number,
        v.title,
        v.date_label or None,
        v.source or None,
        v.success,
        v.failure,
        v.agreed if v.source else None,
        v.share,
    )

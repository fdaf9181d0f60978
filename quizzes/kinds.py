"""The question kinds, each declared once: everything the server does differently by kind.

One class per kind, one entry in `KINDS`. A kind says:

- which choices a game deals (`authored`: those the editor wrote, or ones the kind
  makes itself, like a verdict's Success and Failure keyed by the event's verdict), how
  it deals them (`deal`, one of quizzes/choice_order.py's dealers) and what else of the
  key a game stores with the question (`key_fields`: a year guess's year and the range
  the phone offers, a verdict's source choice);
- what a question frame shows beyond the prompt and the choices (`public_fields`),
  never the key, and what a reveal adds to `correct_choice_ids` (`reveal_fields`);
- how an answer frame is checked against the question (`check`: the answer in the
  kind's shape, or `Refused`), and how that value is kept in an Answer row and read
  back (`columns`, `value`);
- how much credit an answer earns (`credit`: the fraction of the speed points and
  whether it is fully right), whether the kind is scored at all (`scored`) and whether
  an answer can be right or wrong at all (`judged`: not for a poll, which every
  accuracy figure leaves out); classroom/scoring.py keeps the speed, multiplier and
  streak rules and asks the kind;
- how the class's answers are counted for the projector's reveal (`distribution`) and
  summarised in the teacher's report (`report`, `report_columns`, `report_marks_correct`);
- what a phone is told it answered (`echo` in its snapshot, `your_fields` in its reveal).

The projector and the phone draw each kind from one table entry (static/js/kinds.js).
Adding a kind: docs/architecture.md, "Adding a question kind".

An answer's value, by kind: one choice id (`choice`, `true_false`, `verdict`), the list
of choice ids earliest first (`order`), a year (`year_guess`).

Pure: stdlib only. The content (quizzes/) and the live game (classroom/) both import it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, ClassVar, Protocol

from quizzes.choice_order import (
    NOTHING,
    AuthoredChoice,
    DealtChoices,
    deal_as_written,
    deal_never_in_order,
    deal_nothing,
    deal_shuffled,
    deal_true_first,
)

# The years any answer frame may carry (classroom/inbound.py declares them on the wire);
# a question's own range is narrower (`year_min`..`year_max`).
YEAR_MIN = -9999
YEAR_MAX = 9999
# A year guess earns nothing this many years off or more.
YEAR_GUESS_SPAN = 10
# The report's letters for choices, in the order the class saw them.
LETTERS = "ABCDEFGH"
# A verdict question's choices, in the order every class sees them, and the event
# verdict (quizzes/models.py, `Event.Verdict`) each one stands for.
VERDICT_CHOICES = ("Success", "Failure")
VERDICT_OF_CHOICE = {"Success": "success", "Failure": "failure"}

Question = Mapping[str, Any]
Dealer = Callable[[Sequence[AuthoredChoice], random.Random, set[int]], DealtChoices]


class Refused(Exception):
    """An answer the question cannot take; `code` and `message` go to the phone."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class UnknownKind(ValueError):
    pass


class Sent(Protocol):
    """The answer fields of an `answer` frame (classroom/inbound.py, `Answer`)."""

    @property
    def choice_id(self) -> int | None: ...
    @property
    def choice_ids(self) -> Sequence[int] | None: ...
    @property
    def year(self) -> int | None: ...


@dataclass(frozen=True)
class Credit:
    """What an answer earns before speed: `fraction` of the speed points, and whether
    it is fully right (which alone extends a streak)."""

    fraction: float
    correct: bool


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: the teacher's pages
    translate it when they show it (docs/translating.md)."""
    return message


@dataclass(frozen=True)
class Tally:
    """One line of a question's summary in the teacher's report."""

    label: str
    text: str
    count: int
    correct: bool


def _is_int(value: object) -> bool:
    # bool is an int subclass; True is never a choice id or a year.
    return isinstance(value, int) and not isinstance(value, bool)


def _letter(position: int) -> str:
    return LETTERS[position] if position < len(LETTERS) else str(position + 1)


def order_fraction(submitted: Sequence[int], correct: Sequence[int]) -> float:
    """The fraction of pairs that `submitted` puts in the same relative order as `correct`.

    `submitted` must hold every id of `correct` exactly once (ValueError otherwise).
    A single item is trivially in order (1.0).
    """
    if len(set(correct)) != len(correct):
        raise ValueError("The correct order repeats an id.")
    if len(submitted) != len(correct) or set(submitted) != set(correct):
        raise ValueError("An order answer must list every choice exactly once.")
    if len(correct) < 2:
        return 1.0
    position = {item: i for i, item in enumerate(submitted)}
    pairs = list(combinations(correct, 2))
    in_order = sum(1 for earlier, later in pairs if position[earlier] < position[later])
    return in_order / len(pairs)


def year_closeness(guess: int, year: int) -> float:
    """1 for the exact year, falling linearly to 0 at 10 years off."""
    return max(0.0, 1 - abs(guess - year) / YEAR_GUESS_SPAN)


def _lettered(
    choices: Sequence[Mapping[str, Any]], counts: Mapping[Any, int], right: Callable[[Any], bool]
) -> list[Tally]:
    """A report line per choice, lettered in the order given; `right(id)` marks it."""
    return [
        Tally(
            label=_letter(position),
            text=str(choice.get("text", "")),
            count=counts.get(choice.get("id"), 0),
            correct=right(choice.get("id")),
        )
        for position, choice in enumerate(choices)
    ]


def _in_right_place(correct: Sequence[int], values: Iterable[Any]) -> Counter[int]:
    """Per choice id, the answers that put it where the right order has it."""
    counts: Counter[int] = Counter()
    for value in values:
        if not isinstance(value, list | tuple):
            continue
        for position, choice_id in enumerate(value):
            if position < len(correct) and correct[position] == choice_id:
                counts[choice_id] += 1
    return counts


class Kind:
    """What every kind declares (see the module docstring); the defaults are those of
    a kind answered with one choice id."""

    name: ClassVar[str]
    # The teacher's name for the kind (the admin, the report).
    label: ClassVar[str]
    dealer: ClassVar[Dealer] = staticmethod(deal_shuffled)
    # False: an answer scores nothing and leaves the streak as it was (a poll).
    scored: ClassVar[bool] = True
    # False: no answer is right or wrong (a poll); the question is left out of every
    # accuracy figure (the report's, the class's) instead of counting as all wrong.
    judged: ClassVar[bool] = True
    # True: asked after every other question of the game on its event (a vote on an
    # event comes once the class has learnt what happened, and its reveal, which gives
    # the event's title, date and verdict, answers nothing still to come).
    asked_last_on_its_event: ClassVar[bool] = False
    # The report's headings over a question's summary, whether it marks a row, and the
    # word it marks it with.
    report_columns: ClassVar[tuple[str, str]] = (gettext_noop("Choice"), gettext_noop("Answers"))
    report_marks_correct: ClassVar[bool] = True
    report_mark: ClassVar[str] = gettext_noop("correct")

    def authored(
        self, written: Sequence[AuthoredChoice], *, event: Mapping[str, Any] | None
    ) -> list[AuthoredChoice]:
        """The choices a game deals: by default those the editor wrote. `event` is the
        question's event as the snapshot keeps it (quizzes/snapshot.py), or None."""
        return list(written)

    def deal(
        self, authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
    ) -> DealtChoices:
        return type(self).dealer(authored, rng, taken)

    def key_fields(
        self,
        *,
        answer_year: int | None,
        period: tuple[int, int] | None,
        rng: random.Random,
        dealt: DealtChoices = NOTHING,
    ) -> dict[str, Any]:
        """Snapshot fields beyond the choices: {} or values for `answer_year`,
        `year_min` and `year_max` (stored as None otherwise), or a key kept elsewhere
        than `correct_choice_ids` (which it may then set: a poll has none)."""
        return {}

    def public_fields(self, question: Question) -> dict[str, Any]:
        """Question-frame fields beyond prompt and choices. Never anything of the key."""
        return {}

    def reveal_fields(self, question: Question) -> dict[str, Any]:
        """Reveal fields beyond `correct_choice_ids`."""
        return {}

    def check(self, question: Question, sent: Sent) -> Any:
        if sent.choice_id is None:
            raise Refused("bad_field", "choice_id is missing.")
        if sent.choice_id not in {c["id"] for c in question["choices"]}:
            raise Refused("unknown_choice", "That is not one of this question's choices.")
        return sent.choice_id

    def columns(self, value: Any) -> tuple[int | None, Any]:
        """(Answer.choice_id, Answer.value) of a checked answer."""
        return value, None

    def value(self, choice_id: int | None, stored: Any) -> Any:
        """The answer of an Answer row, in the kind's shape."""
        return choice_id

    def credit(
        self, answer: Any, *, correct_choice_ids: Sequence[int], correct_year: int | None
    ) -> Credit:
        if not _is_int(answer):
            raise ValueError(f"A {self.name} answer is one choice id, not {answer!r}.")
        if len(correct_choice_ids) != 1:
            raise ValueError(f"A {self.name} question has exactly one correct choice.")
        right = answer == correct_choice_ids[0]
        return Credit(1.0 if right else 0.0, right)

    def distribution(self, question: Question, values: Iterable[Any]) -> dict[str, int]:
        """The projector's reveal `distribution` (docs/protocol.md, "Question kinds")."""
        counts = {str(c["id"]): 0 for c in question["choices"]}
        for value in values:
            if value is not None and str(value) in counts:
                counts[str(value)] += 1
        return counts

    def echo(self, value: Any) -> dict[str, Any]:
        """The answer as a phone's snapshot repeats it (`your_answer`, less question_id)."""
        return {"choice_id": value}

    def your_fields(self, value: Any) -> dict[str, Any]:
        """The reveal's `your_*` fields for `value` (None: no answer)."""
        return {"your_choice_id": value}

    def report(self, question: Question, values: Iterable[Any]) -> list[Tally]:
        """The teacher's summary of the class's answers to `question`."""
        counts = Counter(value for value in values if value is not None)
        correct = question["correct_choice_ids"]
        return _lettered(question["choices"], counts, lambda choice_id: choice_id in correct)


class Choice(Kind):
    name = "choice"
    label = gettext_noop("Multiple choice")


class TrueFalse(Kind):
    name = "true_false"
    label = gettext_noop("True or false")
    dealer = staticmethod(deal_true_first)


class Order(Kind):
    """Put the choices in order, earliest first: credit for every pair in the right
    relative order; correct only when all are."""

    name = "order"
    label = gettext_noop("Put in order")
    dealer = staticmethod(deal_never_in_order)
    report_columns = (gettext_noop("Choice"), gettext_noop("In the right place"))
    # Every row is a place in the right order: none is "the" right one.
    report_marks_correct = False

    def check(self, question: Question, sent: Sent) -> Any:
        if sent.choice_ids is None:
            raise Refused("bad_field", "choice_ids is missing.")
        choice_ids = {c["id"] for c in question["choices"]}
        if len(sent.choice_ids) != len(choice_ids) or set(sent.choice_ids) != choice_ids:
            raise Refused(
                "unknown_choice", "Put every choice of this question in order, each once."
            )
        return list(sent.choice_ids)

    def columns(self, value: Any) -> tuple[int | None, Any]:
        return None, value

    def value(self, choice_id: int | None, stored: Any) -> Any:
        return list(stored) if isinstance(stored, list | tuple) else []

    def credit(
        self, answer: Any, *, correct_choice_ids: Sequence[int], correct_year: int | None
    ) -> Credit:
        if not isinstance(answer, list | tuple) or not all(_is_int(i) for i in answer):
            raise ValueError(f"An order answer is a list of choice ids, not {answer!r}.")
        fraction = order_fraction(list(answer), list(correct_choice_ids))
        return Credit(fraction, list(answer) == list(correct_choice_ids))

    def distribution(self, question: Question, values: Iterable[Any]) -> dict[str, int]:
        # Per choice: the players who put it in its right place.
        counts = {str(c["id"]): 0 for c in question["choices"]}
        for choice_id, count in _in_right_place(question["correct_choice_ids"], values).items():
            counts[str(choice_id)] = counts.get(str(choice_id), 0) + count
        return counts

    def echo(self, value: Any) -> dict[str, Any]:
        return {"choice_id": None, "choice_ids": list(value or [])}

    def your_fields(self, value: Any) -> dict[str, Any]:
        return {"your_choice_id": None, "your_choice_ids": list(value) if value else None}

    def report(self, question: Question, values: Iterable[Any]) -> list[Tally]:
        # As on the projector: per choice, the players who put it in its right place,
        # listed in the right order (the players saw them shuffled).
        right = list(question["correct_choice_ids"])
        choices = question["choices"]
        by_id = {c.get("id"): c for c in choices}
        listed = [by_id[i] for i in right if i in by_id] + [
            c for c in choices if c.get("id") not in right
        ]
        return _lettered(listed, _in_right_place(right, values), lambda _choice_id: True)


class YearGuess(Kind):
    """Type the year: credit falls linearly to nothing at YEAR_GUESS_SPAN years off;
    correct only for the exact year."""

    name = "year_guess"
    label = gettext_noop("Guess the year")
    dealer = staticmethod(deal_nothing)
    report_columns = (gettext_noop("Year"), gettext_noop("Answers"))

    def key_fields(
        self,
        *,
        answer_year: int | None,
        period: tuple[int, int] | None,
        rng: random.Random,
        dealt: DealtChoices = NOTHING,
    ) -> dict[str, Any]:
        year = int(answer_year)  # type: ignore[arg-type]
        if period is not None:
            low, high = min(period[0], year), max(period[1], year)
        else:
            # No period to show: an uneven window, so its middle does not give it away.
            low, high = year - rng.randint(10, 30), year + rng.randint(10, 30)
        return {"answer_year": answer_year, "year_min": low, "year_max": high}

    def public_fields(self, question: Question) -> dict[str, Any]:
        return {"year_min": question.get("year_min"), "year_max": question.get("year_max")}

    def reveal_fields(self, question: Question) -> dict[str, Any]:
        return {"correct_year": question.get("answer_year")}

    def check(self, question: Question, sent: Sent) -> Any:
        year = sent.year
        if year is None:
            raise Refused("bad_field", "year is missing.")
        low, high = question.get("year_min"), question.get("year_max")
        if low is None or high is None:
            # A snapshot from before year ranges: the declared bounds of any year.
            low, high = YEAR_MIN, YEAR_MAX
        if not _is_int(year) or not low <= year <= high:
            raise Refused("bad_field", f"year must be a whole number from {low} to {high}.")
        return year

    def columns(self, value: Any) -> tuple[int | None, Any]:
        return None, value

    def value(self, choice_id: int | None, stored: Any) -> Any:
        return stored

    def credit(
        self, answer: Any, *, correct_choice_ids: Sequence[int], correct_year: int | None
    ) -> Credit:
        if not _is_int(answer):
            raise ValueError(f"A year_guess answer is a whole year, not {answer!r}.")
        if correct_year is None:
            raise ValueError("A year_guess question needs its correct year.")
        return Credit(year_closeness(answer, correct_year), answer == correct_year)

    def distribution(self, question: Question, values: Iterable[Any]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for value in values:
            if value is not None:
                counts[str(value)] = counts.get(str(value), 0) + 1
        return dict(sorted(counts.items()))

    def echo(self, value: Any) -> dict[str, Any]:
        return {"choice_id": None, "year": value}

    def your_fields(self, value: Any) -> dict[str, Any]:
        return {"your_choice_id": None, "your_year": value}

    def report(self, question: Question, values: Iterable[Any]) -> list[Tally]:
        years = Counter(value for value in values if isinstance(value, int))
        right = question.get("answer_year")
        return [
            Tally(label=str(year), text=str(year), count=count, correct=year == right)
            for year, count in sorted(years.items())
        ]


@dataclass(frozen=True)
class VerdictCount:
    """The class's votes on one verdict question beside the source's verdict."""

    success: int
    failure: int
    # The source's verdict: "success", "failure", or "" when it gives none.
    source: str

    @property
    def voted(self) -> int:
        return self.success + self.failure

    @property
    def agreed(self) -> int:
        """Votes that match the source's verdict (0 when it gives none)."""
        return {"success": self.success, "failure": self.failure}.get(self.source, 0)

    @property
    def majority(self) -> str:
        """The class's verdict: "success", "failure", "split" (a tie) or "" (no votes)."""
        if not self.voted:
            return ""
        if self.success == self.failure:
            return "split"
        return "success" if self.success > self.failure else "failure"


class Verdict(Kind):
    """The class judges one event: Success or Failure, always in that order. A poll:
    no answer is right or wrong before the reveal, none scores and the streak stays as
    it was. The choices are the kind's own, keyed by the event's verdict (the source's,
    i.e. the model answer's); the reveal gives that verdict with its reason beside the
    class's vote, and `correct_choice_ids` stays empty."""

    name = "verdict"
    label = gettext_noop("Verdict: success or failure")
    dealer = staticmethod(deal_as_written)
    scored = False
    judged = False
    asked_last_on_its_event = True
    report_columns = (gettext_noop("Verdict"), gettext_noop("Votes"))
    report_mark = gettext_noop("model answer")

    def authored(
        self, written: Sequence[AuthoredChoice], *, event: Mapping[str, Any] | None
    ) -> list[AuthoredChoice]:
        # Whatever the editor wrote (nothing, or Success and Failure), the pair is the
        # kind's and the key is the event's: an edited event verdict follows through.
        verdict = (event or {}).get("verdict")
        return [
            AuthoredChoice(text=text, is_correct=VERDICT_OF_CHOICE[text] == verdict)
            for text in VERDICT_CHOICES
        ]

    def key_fields(
        self,
        *,
        answer_year: int | None,
        period: tuple[int, int] | None,
        rng: random.Random,
        dealt: DealtChoices = NOTHING,
    ) -> dict[str, Any]:
        source = dealt.correct_choice_ids
        # Nothing is "correct" in a poll: the source's choice is kept apart, for the
        # reveal alone. None when the event gives no verdict (edited since authoring).
        return {"correct_choice_ids": [], "verdict_choice_id": source[0] if source else None}

    def reveal_fields(self, question: Question) -> dict[str, Any]:
        event = question.get("event")
        return {
            "verdict": {
                "choice_id": question.get("verdict_choice_id"),
                "reason": str(question.get("explanation") or ""),
                "event": (
                    {"title": event.get("title"), "date": event.get("date_label")}
                    if isinstance(event, Mapping)
                    else None
                ),
            }
        }

    def credit(
        self, answer: Any, *, correct_choice_ids: Sequence[int], correct_year: int | None
    ) -> Credit:
        if not _is_int(answer):
            raise ValueError(f"A verdict answer is one choice id, not {answer!r}.")
        return Credit(0.0, False)

    def count(self, question: Question, values: Iterable[Any]) -> VerdictCount:
        """The class's votes on `question` and the source's verdict."""
        texts = {c.get("id"): c.get("text") for c in question.get("choices") or []}
        votes = Counter(VERDICT_OF_CHOICE.get(texts.get(value)) for value in values)
        source = VERDICT_OF_CHOICE.get(texts.get(question.get("verdict_choice_id")), "")
        return VerdictCount(success=votes["success"], failure=votes["failure"], source=source)

    def report(self, question: Question, values: Iterable[Any]) -> list[Tally]:
        counts = Counter(value for value in values if value is not None)
        source = question.get("verdict_choice_id")
        return _lettered(question["choices"], counts, lambda choice_id: choice_id == source)


# The verdict kind itself: the report and the answer page count its votes.
VERDICT = Verdict()

KINDS: dict[str, Kind] = {
    kind.name: kind for kind in (Choice(), TrueFalse(), Order(), YearGuess(), VERDICT)
}


def get(name: str) -> Kind:
    """The kind called `name`; UnknownKind (a ValueError) for any other name."""
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise UnknownKind(f"Unknown question kind: {name!r}.") from None


def label(name: str) -> str:
    """The teacher's name for kind `name` (the name itself for a kind not declared)."""
    kind = KINDS.get(name)
    return kind.label if kind is not None else name

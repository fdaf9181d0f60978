"""The order the class sees a question's choices in, and the ids they travel under.

Editors write the key first (the YAML and the admin make that natural) and the
database numbers choices in the order they were written, so authoring order and
database ids both tell the answer. A game therefore deals every question afresh when
it is created (docs/protocol.md, "Choice order and ids"). Each question kind picks
one of the dealers below (quizzes/kinds.py):

- `deal_shuffled` (`choice`): a random order, new for each game and question.
- `deal_true_first` (`true_false`): True, then False, whatever order they were written
  in (the phone's two buttons must not move between questions).
- `deal_never_in_order` (`order`): a random order that is never the right one.
- `deal_nothing` (`year_guess`): no choices.
- `deal_as_written` (`verdict`): the order given, always (Success, then Failure).

Every choice gets an opaque id: a random whole number drawn for this game, unique
within it. Ids are drawn independently of the shown order, of which choice is right
and of the right order, so neither their numeric order nor any other property of an
id tells anything. (Not "never sorted like the key": a rule like that would itself be
a clue.) They stay JSON integers so every client keeps working, and below 2**31 so any
client may keep them in a 32-bit integer.

The dealt question is stored in the game's snapshot (`Game.questions`), so a `sync`, a
resume or a server restart shows the same order and ids again.

Pure: stdlib only.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

# Ids are drawn from [ID_MIN, ID_MAX]: wide enough that guessing one is hopeless, small
# enough for a 32-bit signed integer. Nine or ten digits, so their length says nothing.
ID_MIN = 100_000_000
ID_MAX = 2**31 - 1


@dataclass(frozen=True)
class AuthoredChoice:
    """A choice as the editor wrote it (authoring order is the order of the list)."""

    text: str
    is_correct: bool = False


@dataclass(frozen=True)
class DealtChoices:
    """What a game stores for one question: the choices in the order shown, each
    {"id", "text"}, and the correct ids (for `order`, in the right order)."""

    choices: list[dict[str, object]]
    correct_choice_ids: list[int]


NOTHING = DealtChoices(choices=[], correct_choice_ids=[])


def new_id(rng: random.Random, taken: set[int]) -> int:
    """A fresh opaque choice id, not yet in `taken` (which it is added to)."""
    while True:
        candidate = rng.randint(ID_MIN, ID_MAX)
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _with_ids(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> list[tuple[int, AuthoredChoice]]:
    # Ids first, in authoring order: they are random, so drawing them before the
    # shuffle links them to nothing.
    return list(zip([new_id(rng, taken) for _ in authored], authored, strict=True))


def _shown(items: Sequence[tuple[int, AuthoredChoice]]) -> list[dict[str, object]]:
    return [{"id": i, "text": c.text} for i, c in items]


def _dealt(shown: Sequence[tuple[int, AuthoredChoice]]) -> DealtChoices:
    return DealtChoices(
        choices=_shown(shown), correct_choice_ids=[i for i, c in shown if c.is_correct]
    )


def deal_nothing(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> DealtChoices:
    """No choices to deal (a question answered without them)."""
    return NOTHING


def deal_shuffled(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> DealtChoices:
    """The choices in a random order. `taken` holds the game's ids so far (added to)."""
    if not authored:
        return NOTHING
    shown = _with_ids(authored, rng, taken)
    rng.shuffle(shown)
    return _dealt(shown)


def _is_true(choice: AuthoredChoice) -> bool:
    return choice.text.strip().casefold() == "true"


def deal_true_first(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> DealtChoices:
    """True first, False second; anything else keeps its place (a stable sort)."""
    if not authored:
        return NOTHING
    items = _with_ids(authored, rng, taken)
    return _dealt(sorted(items, key=lambda item: 0 if _is_true(item[1]) else 1))


def deal_as_written(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> DealtChoices:
    """The choices in the order given, never moved: a fixed pair the phone's buttons
    keep from question to question (Success, then Failure). The ids are still random."""
    if not authored:
        return NOTHING
    return _dealt(_with_ids(authored, rng, taken))


def deal_never_in_order(
    authored: Sequence[AuthoredChoice], rng: random.Random, taken: set[int]
) -> DealtChoices:
    """`authored` is the right order: shown in a random order that is never it; the
    correct ids are the right order."""
    if not authored:
        return NOTHING
    items = _with_ids(authored, rng, taken)
    right = [i for i, _ in items]
    shown = list(items)
    if len(shown) > 1:
        while [i for i, _ in shown] == right:
            rng.shuffle(shown)
    return DealtChoices(choices=_shown(shown), correct_choice_ids=right)

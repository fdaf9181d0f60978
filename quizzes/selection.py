"""Which of a quiz's questions a game asks, in which order, and why the others are not.

Pure: no Django. `quizzes/snapshot.py` turns a quiz's rows into `Candidate`s and a
`Selection` into the game's stored questions; `classroom/services/phases.py`
(`game_create`) asks for a selection with the teacher's setup.

The rules (docs/teaching.md explains them to a teacher):

- A question belongs to its event's period (`quizzes/periods.py`, `period_of`). A
  question without an event, or whose event falls in no period (an "order" question
  across decades, the overall verdict), belongs to no single period: it is asked only
  in a game on every period.
- From the questions of the chosen periods the game takes `count` (all by default),
  spread fairly: each chosen period gets a share in proportion to how many different
  events the quiz asks about in it (at least one each when the count allows), and two
  questions on the same event are taken only when the count cannot be reached
  otherwise. Within a period, the kinds least used so far in the game come first.
- Timeline order is the order of the questions' events in time; a question without an
  event keeps its place after the question written just before it; questions on the
  same date keep the quiz's order. Shuffled is a random order.
- The same setup on the same quiz picks the same questions in the same order: the
  randomness is seeded from the quiz and the setup (`seed_for`), never from the clock.
  Shuffling does not change which questions are picked, only their order.
- In either order, a question whose kind is asked last on its event (a verdict vote,
  `quizzes/kinds.py`) comes after every other question of the game on that event.
  (The answer choices are still dealt with the operating system's randomness, per game:
  quizzes/choice_order.py.)
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quizzes import kinds

ORDERS = ("timeline", "shuffled")

# Why a question of the quiz is not in the game: the code stored with the game, and the
# words the report shows (`reason_text`).
NOT_IN_PERIODS = "not_in_periods"
NO_SINGLE_PERIOD = "no_single_period"
OVER_THE_LIMIT = "over_the_limit"


def gettext_noop(message: str) -> str:
    """Marks `message` for makemessages without importing Django: the teacher's pages
    translate it when they show it (docs/translating.md)."""
    return message


def reason_text(code: str, *, limit: int | None = None) -> str:
    """The report's words for a reason code."""
    if code == NOT_IN_PERIODS:
        return gettext_noop("not in the chosen periods")
    if code == NO_SINGLE_PERIOD:
        return gettext_noop("not tied to one period: asked only in games on every period")
    if code == OVER_THE_LIMIT:
        if limit is None:
            return gettext_noop("the game was limited to fewer questions")
        return f"the game was limited to {limit} question{'' if limit == 1 else 's'}"
    return code


@dataclass(frozen=True)
class Candidate:
    """One question of the quiz, as the selection sees it."""

    id: int
    # The quiz's own order (its running order in the admin and the YAML).
    position: int
    kind: str
    # The slug of the question's event, or None.
    event: str | None
    # The event's date for timeline order: (year, month or 0, day or 0), or None.
    date: tuple[int, int, int] | None
    # The slug of the event's period, or None (see the module docstring).
    period: str | None


@dataclass(frozen=True)
class Selection:
    # The ids of the questions the game asks, in the order it asks them.
    chosen: tuple[int, ...]
    # (id, reason code) of every other question of the quiz, in the quiz's order.
    left_out: tuple[tuple[int, str], ...]
    # How many questions the chosen periods held before the count was applied.
    eligible: int


def seed_for(*, quiz: str, count: int | None, periods: Iterable[str]) -> int:
    """The selection's seed: the quiz's slug and what the setup says about which
    questions (not the order, the time scale, the teams or the clock)."""
    key = "|".join([quiz, "all" if count is None else str(count), ",".join(sorted(periods))])
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big")


def timeline_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The candidates in timeline order (see the module docstring)."""
    keyed = []
    anchor: tuple[int, int, int] = (0, 0, 0)
    for candidate in sorted(candidates, key=lambda c: (c.position, c.id)):
        if candidate.date is not None:
            anchor = candidate.date
        keyed.append(((candidate.date or anchor), candidate.position, candidate.id, candidate))
    keyed.sort(key=lambda item: item[:3])
    return [item[3] for item in keyed]


def select(
    candidates: Sequence[Candidate],
    *,
    count: int | None,
    chosen_periods: Iterable[str],
    all_periods: Sequence[str],
    order: str,
    seed: int,
) -> Selection:
    """The questions a game of `candidates` asks (see the module docstring).

    `chosen_periods` empty means every period; `all_periods` are the timeline's
    periods in order (none: every question is eligible).
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}")
    if count is not None and count < 1:
        raise ValueError("count must be at least 1")
    chosen = set(chosen_periods) or set(all_periods)
    unknown = chosen - set(all_periods)
    if unknown:
        raise ValueError(f"no such period: {', '.join(sorted(unknown))}")
    every_period = chosen == set(all_periods)
    rng = random.Random(seed)
    in_quiz_order = sorted(candidates, key=lambda c: (c.position, c.id))

    eligible: list[Candidate] = []
    left_out: dict[int, str] = {}
    for candidate in in_quiz_order:
        if not all_periods or candidate.period in chosen:
            eligible.append(candidate)
        elif candidate.period is None:
            if every_period:
                eligible.append(candidate)
            else:
                left_out[candidate.id] = NO_SINGLE_PERIOD
        else:
            left_out[candidate.id] = NOT_IN_PERIODS

    wanted = len(eligible) if count is None else min(count, len(eligible))
    groups: dict[str | None, list[Candidate]] = defaultdict(list)
    for candidate in eligible:
        groups[candidate.period if candidate.period in chosen else None].append(candidate)
    # Periods in timeline order, then the questions that belong to none.
    keys = [slug for slug in all_periods if slug in groups]
    if None in groups:
        keys.append(None)
    picked = _spread({key: groups[key] for key in keys}, wanted, rng)
    taken = {candidate.id for candidate in picked}
    for candidate in eligible:
        if candidate.id not in taken:
            left_out[candidate.id] = OVER_THE_LIMIT

    ordered = timeline_order(picked)
    if order == "shuffled":
        # Its own stream: shuffling must not change which questions were picked.
        random.Random(f"{seed}:shuffled").shuffle(ordered)
    ordered = last_on_their_event(ordered)
    return Selection(
        chosen=tuple(candidate.id for candidate in ordered),
        left_out=tuple((c.id, left_out[c.id]) for c in in_quiz_order if c.id in left_out),
        eligible=len(eligible),
    )


def last_on_their_event(ordered: Sequence[Candidate]) -> list[Candidate]:
    """`ordered`, with each question whose kind is asked last on its event moved just
    after the last other question on that event (the others keep their order)."""
    result = list(ordered)
    for candidate in [c for c in ordered if kinds.get(c.kind).asked_last_on_its_event]:
        if candidate.event is None:
            continue
        same_event = [
            at
            for at, other in enumerate(result)
            if other.event == candidate.event and other.id != candidate.id
        ]
        if not same_event or result.index(candidate) > max(same_event):
            continue
        result.remove(candidate)
        last = max(at for at, other in enumerate(result) if other.event == candidate.event)
        result.insert(last + 1, candidate)
    return result


def _event_key(candidate: Candidate) -> str:
    # A question without an event is an event of its own: it repeats nothing.
    return candidate.event if candidate.event is not None else f"#{candidate.id}"


def _spread(
    groups: Mapping[str | None, list[Candidate]], wanted: int, rng: random.Random
) -> list[Candidate]:
    """`wanted` candidates spread over the groups (module docstring)."""
    if wanted >= sum(len(members) for members in groups.values()):
        return [c for members in groups.values() for c in members]
    distinct = {key: len({_event_key(c) for c in members}) for key, members in groups.items()}
    # First one question per different event, shared by the number of events each
    # group has; only then a second question on an event, shared by what is left.
    first = min(wanted, sum(distinct.values()))
    periods = [key for key in groups if key is not None]
    quotas = _apportion(distinct, first, rng, at_least_one=periods)
    rest = {key: len(groups[key]) - quotas[key] for key in groups}
    for key, extra in _apportion(rest, wanted - first, rng, at_least_one=[]).items():
        quotas[key] += extra

    # Within a group, in a shuffled order: a new event first, then the least used kind.
    pools = {key: list(members) for key, members in groups.items()}
    for members in pools.values():
        rng.shuffle(members)
    used_events: set[str] = set()
    kinds: Counter[str] = Counter()
    picked: list[Candidate] = []
    remaining = dict(quotas)
    while any(remaining.values()):
        for key in groups:
            if not remaining[key]:
                continue
            pool = pools[key]
            best = min(
                range(len(pool)),
                key=lambda i: (_event_key(pool[i]) in used_events, kinds[pool[i].kind], i),
            )
            candidate = pool.pop(best)
            used_events.add(_event_key(candidate))
            kinds[candidate.kind] += 1
            picked.append(candidate)
            remaining[key] -= 1
    return picked


def _apportion(
    weights: Mapping[Any, int], total: int, rng: random.Random, *, at_least_one: Sequence[Any]
) -> dict[Any, int]:
    """Share `total` among the keys in proportion to `weights` (largest remainders; a
    tie goes to a key drawn from `rng`), never more than a key's weight; each key of
    `at_least_one` with a weight gets one first when `total` allows."""
    shares = dict.fromkeys(weights, 0)
    floor_keys = [key for key in at_least_one if weights[key] > 0]
    if floor_keys and total >= len(floor_keys):
        for key in floor_keys:
            shares[key] = 1
        total -= len(floor_keys)
    room = {key: weights[key] - shares[key] for key in weights}
    whole = sum(room.values())
    if total <= 0 or whole <= 0:
        return shares
    exact = {key: total * room[key] / whole for key in weights}
    for key in weights:
        shares[key] += int(exact[key])
    left = total - sum(int(value) for value in exact.values())
    keys = list(weights)
    rng.shuffle(keys)
    keys.sort(key=lambda key: -(exact[key] - int(exact[key])))
    for key in keys[:left]:
        shares[key] += 1
    return shares


def conceal_later_events(questions: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The game's questions (snapshot dicts, in the order asked) with nothing at a
    reveal that gives away a later question's answer.

    A reveal shows the question's event and its neighbours on the timeline (their
    dates, titles, verdicts). A neighbour that a later question of this game asks about
    is not shown (`neighbours.prev`/`next` None). When a later question asks about the
    question's own event, the event is not shown at this reveal at all
    (`event_shown` False, neighbours None): it is shown at the last question on it.
    """
    result = []
    for index, question in enumerate(questions):
        later = {
            event["slug"]
            for following in questions[index + 1 :]
            if isinstance(event := following.get("event"), Mapping)
        }
        own = question.get("event")
        shown = not (isinstance(own, Mapping) and own.get("slug") in later)
        neighbours = dict(question.get("neighbours") or {"prev": None, "next": None})
        for side in ("prev", "next"):
            neighbour = neighbours.get(side)
            if not shown or (isinstance(neighbour, Mapping) and neighbour.get("slug") in later):
                neighbours[side] = None
        result.append({**question, "event_shown": shown, "neighbours": neighbours})
    return result

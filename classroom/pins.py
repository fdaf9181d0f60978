"""Which game a PIN opens, and whose games a user may see: the one rule, and the
per-process memory that keeps a class (or a PIN guesser) from asking the database
at every socket.

The rule. PINs are reused once a game has ended, so one PIN can name several games,
and at most one of them is running (a database constraint). The game a PIN opens is
the running one, else the latest that ended. Since a PIN is only free again once its
game has ended, the games of one PIN never overlap: the most recently created is the
running one if there is one, else the latest to end, so "running first, else the
latest ended" is one ordering (`_latest`). A phone may open any game; a teacher only
their own, a superuser any (`visible_to`), and someone else's game is refused as such
(`NotYours`), an unknown PIN as unknown (`NoSuchGame`). The projector page, the report
pages and the projector's socket all ask `game_for_teacher`; phones `game_for_phone`.

The memory (docs/security.md, "PIN guessing"). A class opening the same PIN within
seconds shares one lookup (`phone_game`); an address past its budget of unknown PINs
gets no query of its own, only the PINs of the running games this process read at
most once a second (`RunningPins`).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from django.db.models import QuerySet

from classroom.db import db_call
from classroom.models import Game
from classroom.questions_cache import with_questions
from classroom.ratelimit import KeyedBudget
from classroom.shared_lookup import SharedLookup


class NoSuchGame(Exception):
    """No game has this PIN."""


class NotYours(Exception):
    """Games have this PIN, but none the user may see."""


def _latest(games: QuerySet[Game]) -> QuerySet[Game]:
    """`games` in the order the rule reads them: running first, else the latest ended."""
    return games.order_by("-created_at", "-id")


def _may_host_any(user: Any) -> bool:
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
    )


def user_may_host(*, user: Any, game: Game) -> bool:
    """Host rights: the game's host, or a superuser. Staff who edit quiz content do
    not control other teachers' games (protocol 1.1, "Fair play")."""
    return _may_host_any(user) and bool(user.is_superuser or user.id == game.host_id)


def visible_to(games: QuerySet[Game], user: Any) -> QuerySet[Game]:
    """The games of `games` that `user` may host (`user_may_host`, as a query)."""
    if not _may_host_any(user):
        return games.none()
    return games if user.is_superuser else games.filter(host_id=user.id)


def game_for_teacher(*, pin: str, user: Any, games: QuerySet[Game] | None = None) -> Game:
    """The game `user` means by `pin` (the rule above); NoSuchGame or NotYours.

    `games` narrows or extends the query (e.g. `select_related`); the questions come
    from the per-process cache either way.
    """
    with_pin = (games if games is not None else Game.objects.all()).filter(pin=pin)
    game = _latest(visible_to(with_pin, user)).defer("questions").first()
    if game is not None:
        return with_questions(game)
    if with_pin.exists():
        raise NotYours(pin)
    raise NoSuchGame(pin)


def game_for_phone(pin: str) -> tuple[int, bool] | None:
    """(id, ended) of the game a phone opens by PIN (the rule above), or None. A phone
    may open an ended game: it resumes into it to see its result."""
    found = _latest(Game.objects.filter(pin=pin)).values_list("id", "ended_at").first()
    return (found[0], found[1] is not None) if found is not None else None


# --- the memory --------------------------------------------------------------------------------

# A class opening the same PIN within seconds need not ask the database each time.
# Only running games are remembered, briefly: an ended game's PIN may be reused, and a
# join to a game that ended meanwhile is refused by players_join anyway.
PIN_CACHE_S = 5.0
phone_game: SharedLookup[str, tuple[int, bool] | None] = SharedLookup(
    lambda pin: game_for_phone(pin),
    ttl_s=PIN_CACHE_S,
    keep=lambda found: found is not None and not found[1],
)

# A school shares one address: generous per IP, and one try per socket (its PIN is in
# its path, so an unknown PIN closes it).
# 600 a minute: see docs/security.md, "PIN guessing" (a 2,000-student assembly behind
# one NAT with pessimistic typo rates stays well under it).
UNKNOWN_PIN_PER_IP = 600
UNKNOWN_PIN_WINDOW_S = 60.0
_unknown_pin_budget = KeyedBudget(limit=UNKNOWN_PIN_PER_IP, window_s=UNKNOWN_PIN_WINDOW_S)


def unknown_pin_budget() -> KeyedBudget:
    return _unknown_pin_budget


# An address over its unknown-PIN budget may still open a running game (a guesser
# sharing a school's address must not lock the class out), but finding out must not
# cost a database query per socket, or PIN guessing would still load the database.
# Such addresses are answered from this list of the running games' PINs, which one
# query re-reads at most once a second for all of them together: however many
# guesses arrive, they cost at most that one query a second between them.
RUNNING_PINS_MAX_AGE_S = 1.0


def _running_game_pins() -> dict[str, int]:
    return dict(Game.objects.filter(ended_at__isnull=True).values_list("pin", "id"))


class RunningPins:
    """PIN -> id of every running game, as one query read it at `read_at`."""

    def __init__(self) -> None:
        self.pins: dict[str, int] = {}
        self.read_at = float("-inf")
        self.reading: asyncio.Task[None] | None = None

    async def find(self, pin: str) -> int | None:
        """The id of the running game with `pin`, or None; no query of its own."""
        cached = phone_game.cached(pin)
        if cached is not None:
            return cached[0]
        if time.monotonic() - self.read_at >= RUNNING_PINS_MAX_AGE_S:
            loop = asyncio.get_running_loop()
            task = self.reading
            if task is None or task.done() or task.get_loop() is not loop:
                task = self.reading = loop.create_task(self._read())
            # Shielded: a socket that leaves must not cancel the read others wait for.
            await asyncio.shield(task)
        return self.pins.get(pin)

    async def _read(self) -> None:
        started = time.monotonic()
        self.pins = await db_call(_running_game_pins)()
        self.read_at = started

    def forget(self) -> None:
        self.pins, self.read_at, self.reading = {}, float("-inf"), None


running_pins = RunningPins()


def forget() -> None:
    """Forget every PIN this process remembers (tests: a test's games die with it)."""
    phone_game.forget()
    running_pins.forget()

"""The join gate of a game, as the server keeps it (the shapes themselves: classroom/gate.py).

A game with the `join_gate` option asks every joining phone for the shapes the
projector shows now. Each process derives the same shapes from the game's key (the
server's secret and the game id), so nothing is stored or broadcast when they change.
A phone's join is checked here (`check`) before it reaches the join group; wrong shapes
cost its address from a budget of its own.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

from classroom import gate
from classroom.errors import ClientError
from classroom.models import Game
from classroom.ratelimit import KeyedBudget
from classroom.shared_lookup import SharedLookup


def key(game_id: int) -> bytes:
    """The game's key for its shapes (never leaves the server)."""
    return gate.game_key(settings.SECRET_KEY, game_id)


def shown(game: Game, *, now_ms: int | None = None) -> dict[str, Any] | None:
    """What the projector shows of the join gate now (`shapes`, `changes_in_ms`), or
    None when the game has no gate. Host frames only: never in a phone's frame."""
    if not game.options.get("join_gate") or game.is_ended:
        return None
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    return gate.shown(key(game.pk), now_ms)


# --- checking a join ---------------------------------------------------------------------

# Wrong shape sequences per client address, budgeted like unknown PINs but apart from
# them: see docs/security.md, "Outsiders with a leaked PIN", for why 10 a minute.
WRONG_GATE_PER_IP = 10
WRONG_GATE_WINDOW_S = 60.0
_wrong_gate_budget = KeyedBudget(limit=WRONG_GATE_PER_IP, window_s=WRONG_GATE_WINDOW_S)
# Whether a game has the gate on, remembered this long per process: a class joining at
# once asks once, and a teacher switching the gate on waits at most this long.
GATE_STATE_CACHE_S = 1.0

GATE_MISSING = gettext_noop("This game asks for the shapes on the big screen. Tap them to join.")
GATE_WRONG = gettext_noop(
    "Those are not the shapes on the big screen. Look again and tap them in order."
)


def wrong_gate_budget() -> KeyedBudget:
    return _wrong_gate_budget


def _gate_on(game_id: int) -> bool:
    options = Game.objects.filter(pk=game_id).values_list("options", flat=True).first()
    return bool((options or {}).get("join_gate"))


gate_states: SharedLookup[int, bool] = SharedLookup(
    lambda game_id: _gate_on(game_id), ttl_s=GATE_STATE_CACHE_S
)


async def check(game_id: int, sent: tuple[str, ...] | None, client: str) -> None:
    """Refuse a join whose shapes are not the projector's (`gate_wrong`, socket open).

    A missing gate costs nothing (a phone learns the game has one this way). A wrong
    one costs its address one of WRONG_GATE_PER_IP a minute; once they are spent the
    address gets `rate_limited` (4429) before its shapes are even compared, so a
    guesser cannot go on guessing on new sockets.
    """
    if not await gate_states.get(game_id):
        return
    if sent is None:
        raise ClientError("gate_wrong", GATE_MISSING)
    now = time.monotonic()
    budget = wrong_gate_budget()
    if budget.remaining(client, now) == 0:
        raise ClientError(
            "rate_limited",
            gettext_noop("Too many wrong shapes from this network. Wait a minute."),
            close_code=4429,
        )
    if gate.accepts(key(game_id), sent, int(time.time() * 1000)):
        return
    budget.hit(client, now)
    raise ClientError("gate_wrong", GATE_WRONG)


def shown_now(game_id: int) -> dict[str, Any] | None:
    """`shown` for the game `game_id` as stored now (a projector's rotation)."""
    return shown(Game.objects.defer("questions").get(pk=game_id))


def forget() -> None:
    """Forget the gate states and wrong shapes this process remembers (tests)."""
    global _wrong_gate_budget
    gate_states.forget()
    _wrong_gate_budget = KeyedBudget(limit=WRONG_GATE_PER_IP, window_s=WRONG_GATE_WINDOW_S)

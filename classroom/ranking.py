"""Competition ranking ("1224") and the scoreboard / podium entries built on it.

Decisions where docs/protocol.md is silent:

- Ranks are computed over every standing passed in, then cut to the top N: a player
  shown 5th on a board of 30 has their rank among all 30.
- Equal scores share a rank; on screen they are listed by nickname (casefolded), then
  by player id, so the order is stable from one board to the next.
- `previous_rank` is the competition rank by `previous_score`. It is None when every
  previous score is equal (before the first question everyone has 0): a movement
  arrow from "everyone tied" would say nothing.
- The podium is the first `top` entries in that order, ties included as they fall: it
  never grows past `top` places on the screen.

Pure: stdlib only.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)


def competition_ranks(scores: Mapping[K, int]) -> dict[K, int]:
    """Rank 1 for the highest score; equal scores share a rank; the next rank skips."""
    ordered = sorted(scores.values(), reverse=True)
    first_at: dict[int, int] = {}
    for position, score in enumerate(ordered, start=1):
        first_at.setdefault(score, position)
    return {key: first_at[score] for key, score in scores.items()}


@dataclass(frozen=True)
class Standing:
    player_id: int
    nickname: str
    score: int
    # The score before the last question.
    previous_score: int


def _ordered(standings: Iterable[Standing]) -> list[Standing]:
    return sorted(standings, key=lambda s: (-s.score, s.nickname.casefold(), s.player_id))


def _entries(standings: Iterable[Standing], top: int) -> list[dict[str, Any]]:
    if top < 0:
        raise ValueError("top cannot be negative.")
    everyone = _ordered(standings)
    ids = [s.player_id for s in everyone]
    if len(set(ids)) != len(ids):
        raise ValueError("A player appears twice in the standings.")
    ranks = competition_ranks({s.player_id: s.score for s in everyone})
    previous = {s.player_id: s.previous_score for s in everyone}
    previous_ranks: dict[int, int] | None = (
        competition_ranks(previous) if len(set(previous.values())) > 1 else None
    )
    return [
        {
            "player_id": s.player_id,
            "nickname": s.nickname,
            "score": s.score,
            "rank": ranks[s.player_id],
            "delta": s.score - s.previous_score,
            "previous_rank": None if previous_ranks is None else previous_ranks[s.player_id],
        }
        for s in everyone[:top]
    ]


def scoreboard(standings: Iterable[Standing], *, top: int = 5) -> list[dict[str, Any]]:
    """The host's `scoreboard.top`: the first `top` players with rank and movement.

    Each entry: player_id, nickname, score, rank, delta (points won on the last
    question), previous_rank (None when it would carry no information, see above).
    """
    return _entries(standings, top)


def podium(standings: Iterable[Standing], *, top: int = 3) -> list[dict[str, Any]]:
    """The `finished.podium`: the first `top` entries, same shape as `scoreboard`."""
    return _entries(standings, top)


def rank_of(scores: Mapping[K, int], key: K) -> int:
    """One player's competition rank (KeyError if they are not in `scores`)."""
    score = scores[key]
    return 1 + sum(1 for other in scores.values() if other > score)

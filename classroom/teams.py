"""Teams (docs/protocol.md, "Teams"): who is in which team, the teams' standings, and
their names and colours.

Decisions where the protocol is silent:

- **Assignment** at `start`: the players (by id) are shuffled with a seed (the game's
  id: the same game always deals the same teams) and dealt round the teams in turn,
  so the teams' sizes are within one of each other and friends who joined together
  are not put together by their joining order. A phone never chooses its team.
- **Late joiners** go to the smallest team (the lowest team id among equals), which
  keeps the sizes within one.
- **Who counts**: a player who leaves (closes the page, loses the network) stays in
  their team with the points they earned: a team does not lose points because a
  phone's battery died. A kicked player is out of the game: out of their team's size
  and score, as they are out of every standing.
- **Team score** is the mean of the members' scores, rounded half up, so a team of 3
  is not beaten by a team of 4 only for being smaller. A team with no member (fewer
  players than teams, or all its members kicked) is left out of the standings.
- **Ranks** are competition ranks ("1224", classroom/ranking.py) of the team scores;
  `previous_rank` (movement) is the rank by the members' scores before the last
  question, None when every team was level (as for players).
- **Names and colours** are neutral (colours, named for what they look like: no word
  that could be rude in a class's language), each dark enough for white text on it
  (WCAG AA, 4.5:1: tests/classroom/test_teams.py measures it).

Pure: stdlib only.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classroom.ranking import competition_ranks


def gettext_noop(text: str) -> str:
    """Marks a team name for translation (makemessages finds this name); the name is
    translated where a frame is built for a reader (classroom/selectors.py)."""
    return text


# The text drawn on a team's colour.
TEXT_COLOUR = "#ffffff"


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    # Background colour (#rrggbb); white text on it reads at 4.5:1 or more.
    colour: str


# At most 8 teams (classroom/game_setup.py, TEAMS_MAX): one entry each, ids from 1.
TEAMS: tuple[Team, ...] = (
    Team(1, gettext_noop("Blue"), "#1d4ed8"),
    Team(2, gettext_noop("Orange"), "#b54708"),
    Team(3, gettext_noop("Green"), "#15803d"),
    Team(4, gettext_noop("Purple"), "#7e22ce"),
    Team(5, gettext_noop("Red"), "#b91c1c"),
    Team(6, gettext_noop("Teal"), "#0f766e"),
    Team(7, gettext_noop("Pink"), "#be185d"),
    Team(8, gettext_noop("Brown"), "#7c4a1e"),
)


def team(team_id: int) -> Team:
    """The team with id `team_id` (KeyError for an id no team has)."""
    if not 1 <= team_id <= len(TEAMS):
        raise KeyError(team_id)
    return TEAMS[team_id - 1]


def assign(player_ids: Iterable[int], *, teams: int, seed: int) -> dict[int, int]:
    """Each player's team id (1..`teams`): shuffled with `seed`, dealt in turn."""
    if not 2 <= teams <= len(TEAMS):
        raise ValueError(f"teams must be from 2 to {len(TEAMS)}")
    order = sorted(set(player_ids))
    random.Random(seed).shuffle(order)
    return {player_id: at % teams + 1 for at, player_id in enumerate(order)}


def smallest(sizes: Mapping[int, int], *, teams: int) -> int:
    """The team a late joiner goes to: the fewest members, then the lowest id.
    `sizes`: members per team id (a team missing from it has none)."""
    if not 2 <= teams <= len(TEAMS):
        raise ValueError(f"teams must be from 2 to {len(TEAMS)}")
    return min(range(1, teams + 1), key=lambda team_id: (sizes.get(team_id, 0), team_id))


def mean(scores: Sequence[int]) -> int:
    """The mean of `scores`, rounded half up (0 for none)."""
    if not scores:
        return 0
    count = len(scores)
    return (2 * sum(scores) + count) // (2 * count)


@dataclass(frozen=True)
class Member:
    team_id: int
    score: int
    # The score before the last question (for movement).
    previous_score: int


def standings(members: Iterable[Member]) -> list[dict[str, Any]]:
    """The teams with members, best first: id, name, colour, score (the members'
    mean), rank, members (how many), delta and previous_rank (movement).

    Equal scores share a rank and are listed by team id.
    """
    scores: dict[int, list[int]] = {}
    previous: dict[int, list[int]] = {}
    for member in members:
        scores.setdefault(member.team_id, []).append(member.score)
        previous.setdefault(member.team_id, []).append(member.previous_score)
    now = {team_id: mean(values) for team_id, values in scores.items()}
    before = {team_id: mean(values) for team_id, values in previous.items()}
    ranks = competition_ranks(now)
    previous_ranks = competition_ranks(before) if len(set(before.values())) > 1 else None
    ordered = sorted(now, key=lambda team_id: (-now[team_id], team_id))
    return [
        {
            "id": team_id,
            "name": team(team_id).name,
            "colour": team(team_id).colour,
            "score": now[team_id],
            "rank": ranks[team_id],
            "members": len(scores[team_id]),
            "delta": now[team_id] - before[team_id],
            "previous_rank": None if previous_ranks is None else previous_ranks[team_id],
        }
        for team_id in ordered
    ]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[at : at + 2], 16) / 255 for at in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)

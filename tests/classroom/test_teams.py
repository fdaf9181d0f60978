"""classroom/teams.py: assignment, late joiners, team standings, names and colours.
Pure: no database."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom import teams
from classroom.teams import Member


@given(
    player_ids=st.sets(st.integers(min_value=1, max_value=10_000), max_size=200),
    count=st.integers(min_value=2, max_value=8),
    seed=st.integers(),
)
def test_assignment_puts_everyone_in_a_team_with_sizes_within_one(player_ids, count, seed):
    assigned = teams.assign(player_ids, teams=count, seed=seed)
    assert set(assigned) == player_ids
    assert set(assigned.values()) <= set(range(1, count + 1))
    sizes = [Counter(assigned.values()).get(team_id, 0) for team_id in range(1, count + 1)]
    assert max(sizes) - min(sizes) <= 1


def test_assignment_is_the_same_for_the_same_seed_whatever_the_order_given():
    ids = list(range(1, 31))
    first = teams.assign(ids, teams=4, seed=42)
    assert teams.assign(list(reversed(ids)), teams=4, seed=42) == first
    # Another game (seed) deals other teams.
    assert teams.assign(ids, teams=4, seed=43) != first


def test_assignment_does_not_follow_the_joining_order():
    """Players who joined one after another (friends at one desk) are not dealt into
    teams in turn by their ids."""
    assigned = teams.assign(range(1, 41), teams=2, seed=7)
    in_turn = {pid: (pid - 1) % 2 + 1 for pid in range(1, 41)}
    assert assigned != in_turn


@pytest.mark.parametrize("count", [0, 1, 9])
def test_assignment_refuses_a_number_of_teams_outside_2_to_8(count):
    with pytest.raises(ValueError):
        teams.assign([1, 2, 3], teams=count, seed=1)


def test_a_late_joiner_goes_to_the_smallest_team_the_lowest_id_among_equals():
    assert teams.smallest({1: 3, 2: 2, 3: 3}, teams=3) == 2
    assert teams.smallest({1: 3, 2: 3, 3: 3}, teams=3) == 1
    # A team nobody is in yet is the smallest.
    assert teams.smallest({1: 1, 2: 1}, teams=4) == 3


@given(
    count=st.integers(min_value=2, max_value=8),
    at_start=st.integers(min_value=0, max_value=40),
    joiners=st.integers(min_value=0, max_value=30),
)
def test_late_joiners_keep_sizes_within_one_of_each_other(count, at_start, joiners):
    sizes = Counter(teams.assign(range(at_start), teams=count, seed=1).values())
    for _ in range(joiners):
        sizes[teams.smallest(sizes, teams=count)] += 1
        every = [sizes.get(team_id, 0) for team_id in range(1, count + 1)]
        assert max(every) - min(every) <= 1


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([], 0), ([1000], 1000), ([1000, 0], 500), ([1, 2], 2), ([1, 1, 2], 1), ([0, 0, 1], 0)],
)
def test_team_score_is_the_mean_rounded_half_up(scores, expected):
    assert teams.mean(scores) == expected


def test_standings_rank_teams_by_mean_so_a_smaller_team_is_not_beaten_for_its_size():
    members = [
        # Blue: 3 players of 900 (mean 900, total 2700).
        *(Member(1, 900, 0) for _ in range(3)),
        # Orange: 4 players of 700 (mean 700, total 2800).
        *(Member(2, 700, 0) for _ in range(4)),
    ]
    [first, second] = teams.standings(members)
    assert (first["id"], first["score"], first["rank"], first["members"]) == (1, 900, 1, 3)
    assert (second["id"], second["score"], second["rank"], second["members"]) == (2, 700, 2, 4)
    assert first["name"] == "Blue" and first["colour"] == teams.team(1).colour


def test_standings_share_a_rank_on_equal_scores_and_leave_out_teams_without_members():
    members = [Member(1, 500, 0), Member(2, 500, 0), Member(3, 100, 0)]
    board = teams.standings(members)
    assert [(t["id"], t["rank"]) for t in board] == [(1, 1), (2, 1), (3, 3)]
    assert 4 not in {t["id"] for t in board}


def test_standings_carry_movement_from_the_scores_before_the_last_question():
    members = [Member(1, 1500, 1000), Member(2, 1200, 400), Member(3, 1800, 900)]
    by_id = {t["id"]: t for t in teams.standings(members)}
    assert by_id[3]["rank"] == 1 and by_id[3]["previous_rank"] == 2
    assert by_id[1]["rank"] == 2 and by_id[1]["previous_rank"] == 1
    assert by_id[2]["delta"] == 800


def test_no_movement_before_anyone_scored():
    board = teams.standings([Member(1, 0, 0), Member(2, 0, 0)])
    assert [t["previous_rank"] for t in board] == [None, None]


@pytest.mark.parametrize("team", teams.TEAMS, ids=lambda t: t.name)
def test_every_team_colour_reads_with_white_text_at_wcag_aa(team):
    assert teams.contrast_ratio(teams.TEXT_COLOUR, team.colour) >= 4.5


def test_eight_teams_with_distinct_names_and_colours_ids_from_one():
    assert [t.id for t in teams.TEAMS] == list(range(1, 9))
    assert len({t.name for t in teams.TEAMS}) == len({t.colour for t in teams.TEAMS}) == 8


def test_contrast_ratio_of_black_on_white_is_21():
    assert teams.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)


def test_an_unknown_team_id_is_a_key_error():
    with pytest.raises(KeyError):
        teams.team(9)

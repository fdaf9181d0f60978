import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom.ranking import Standing, competition_ranks, podium, rank_of, scoreboard


def test_ties_share_a_rank_and_the_next_rank_skips_1224():
    ranks = competition_ranks({"a": 900, "b": 700, "c": 700, "d": 100})
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_everyone_tied_is_everyone_first():
    assert competition_ranks({1: 0, 2: 0, 3: 0}) == {1: 1, 2: 1, 3: 1}


def test_no_scores_no_ranks():
    assert competition_ranks({}) == {}


def test_rank_of_one_player_matches_the_full_ranking():
    scores = {1: 50, 2: 80, 3: 80, 4: 10}
    assert [rank_of(scores, k) for k in scores] == [3, 1, 1, 4]


@given(st.dictionaries(st.integers(), st.integers(-5, 5000), max_size=40))
def test_competition_ranks_are_consistent_with_scores(scores):
    ranks = competition_ranks(scores)
    assert ranks.keys() == scores.keys()
    for a in scores:
        # A rank is one more than the number of strictly better scores.
        assert ranks[a] == 1 + sum(1 for s in scores.values() if s > scores[a])
        for b in scores:
            if scores[a] > scores[b]:
                assert ranks[a] < ranks[b]
            elif scores[a] == scores[b]:
                assert ranks[a] == ranks[b]
    if scores:
        assert min(ranks.values()) == 1


STANDINGS = [
    Standing(player_id=1, nickname="zara", score=1500, previous_score=600),
    Standing(player_id=2, nickname="Ali", score=1500, previous_score=900),
    Standing(player_id=3, nickname="bilal", score=2000, previous_score=1000),
    Standing(player_id=4, nickname="Chen", score=100, previous_score=100),
    Standing(player_id=5, nickname="dana", score=900, previous_score=0),
    Standing(player_id=6, nickname="Eve", score=50, previous_score=50),
]


def test_scoreboard_lists_the_top_five_with_rank_delta_and_previous_rank():
    top = scoreboard(STANDINGS)
    assert [e["player_id"] for e in top] == [3, 2, 1, 5, 4]
    assert top[0] == {
        "player_id": 3,
        "nickname": "bilal",
        "score": 2000,
        "rank": 1,
        "delta": 1000,
        "previous_rank": 1,
    }
    assert [e["rank"] for e in top] == [1, 2, 2, 4, 5]
    assert [e["delta"] for e in top] == [1000, 600, 900, 900, 0]
    assert [e["previous_rank"] for e in top] == [1, 2, 3, 6, 4]


def test_tied_players_are_listed_by_nickname_ignoring_case_then_id():
    standings = [
        Standing(player_id=9, nickname="amy", score=10, previous_score=0),
        Standing(player_id=3, nickname="Bob", score=10, previous_score=0),
        Standing(player_id=2, nickname="AMY", score=10, previous_score=0),
    ]
    assert [e["player_id"] for e in scoreboard(standings)] == [2, 9, 3]


def test_ranks_count_players_below_the_cut():
    entries = scoreboard(STANDINGS, top=2)
    assert len(entries) == 2
    assert entries[1]["rank"] == 2


def test_previous_rank_is_none_before_anyone_had_points():
    first = [
        Standing(player_id=1, nickname="a", score=900, previous_score=0),
        Standing(player_id=2, nickname="b", score=0, previous_score=0),
    ]
    assert [e["previous_rank"] for e in scoreboard(first)] == [None, None]


def test_podium_is_the_top_three_in_scoreboard_shape():
    assert podium(STANDINGS) == scoreboard(STANDINGS, top=3)
    assert [e["nickname"] for e in podium(STANDINGS)] == ["bilal", "Ali", "zara"]


def test_an_empty_game_has_an_empty_scoreboard():
    assert scoreboard([]) == [] and podium([]) == []


def test_a_player_listed_twice_is_refused():
    with pytest.raises(ValueError, match="twice"):
        scoreboard([*STANDINGS, STANDINGS[0]])

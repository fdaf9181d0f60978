"""The many-games schedule and the merging of games' results (no server, no event loop)."""

import random

import pytest

from bench.loadgen import (
    LoadConfig,
    LoadResult,
    RoundResult,
    _Shared,
    game_pace,
    merge_results,
)


def _config(**changes):
    values = {"servers": ["http://127.0.0.1:8000"], "players": 30, "floor": True}
    return LoadConfig(**{**values, **changes})


def test_one_game_without_stagger_or_jitter_keeps_its_exact_pace():
    config = _config(answer_window_s=1.0, gap_s=2.0)
    pace = game_pace(config, 0)
    assert pace.start_offset_s == 0.0
    assert pace.answer_window_s == 1.0
    shared = _Shared(config=config, result=LoadResult(pin="1", players=30), rng=random.Random(1))
    assert [shared.next_gap() for _ in range(5)] == [2.0] * 5


def test_several_games_start_within_the_stagger_and_each_keeps_its_own_pace():
    config = _config(games=20, stagger_s=3.0, pace_jitter=0.5, answer_window_s=1.0, gap_s=2.0)
    paces = [game_pace(config, number) for number in range(20)]
    offsets = [pace.start_offset_s for pace in paces]
    windows = [pace.answer_window_s for pace in paces]
    assert all(0.0 <= offset <= 3.0 for offset in offsets)
    assert all(0.5 <= window <= 1.5 for window in windows)
    # Out of step: no two classes start together or answer over the same window.
    assert len(set(offsets)) == 20 and len(set(windows)) == 20
    gaps = [paces[0].gaps.uniform(0.5, 1.5) * 2.0 for _ in range(10)]
    assert all(1.0 <= gap <= 3.0 for gap in gaps) and len(set(gaps)) == 10


def test_the_floor_and_the_server_get_the_same_schedule_from_the_same_seed():
    teacher = {"floor": False, "username": "t", "password": "p"}
    server = _config(games=5, stagger_s=3.0, pace_jitter=0.5, **teacher)
    floor = _config(games=5, stagger_s=3.0, pace_jitter=0.5)
    for number in range(5):
        a, b = game_pace(server, number), game_pace(floor, number)
        assert (a.start_offset_s, a.answer_window_s) == (b.start_offset_s, b.answer_window_s)
        assert a.gaps.random() == b.gaps.random()
    other_seed = game_pace(_config(games=5, stagger_s=3.0, pace_jitter=0.5, seed=2), 0)
    assert other_seed.start_offset_s != game_pace(floor, 0).start_offset_s


def test_jittered_gaps_stay_within_the_jitter_around_the_gap():
    config = _config(games=2, pace_jitter=0.25, gap_s=2.0)
    shared = _Shared(
        config=config,
        result=LoadResult(pin="1", players=30),
        rng=random.Random(1),
        pace=game_pace(config, 1).gaps,
    )
    gaps = [shared.next_gap() for _ in range(50)]
    assert all(1.5 <= gap <= 2.5 for gap in gaps)
    assert len(set(gaps)) == 50


@pytest.mark.parametrize(
    "changes",
    [{"games": 0}, {"stagger_s": -1.0}, {"pace_jitter": 1.0}, {"pace_jitter": -0.1}],
)
def test_a_config_out_of_bounds_is_refused(changes):
    with pytest.raises(ValueError):
        _config(**changes)


def _game(pin, *, fanout, acks, question_id=7, joined=3, failure=""):
    result = LoadResult(pin=pin, players=3, joined=joined, failure=failure)
    result.rounds = [
        RoundResult(index=0, question_id=question_id, sent_at=0.0, latencies=fanout, expected=3)
    ]
    result.ack_latencies = [acked - sent for sent, acked in acks]
    result.ack_samples = [(question_id, sent, acked) for sent, acked in acks]
    result.answers_sent = result.answers_acked = len(acks)
    result.refused["http_403"] = 3 - joined
    result.join_duration_s = float(len(pin))
    return result


def test_merging_pools_every_sample_and_adds_every_count():
    a = _game("111111", fanout=[0.01, 0.02, 0.03], acks=[(0.0, 0.05)] * 3)
    b = _game("22222", fanout=[0.5, 0.6], acks=[(0.0, 0.9)] * 2, joined=2, failure="stalled")
    merged = merge_results([a, b])
    assert merged.players == 6 and merged.joined == 5
    assert merged.refused == {"http_403": 1}
    assert sorted(merged.fanout_latencies) == [0.01, 0.02, 0.03, 0.5, 0.6]
    assert merged.answers_acked == 5 and len(merged.ack_latencies) == 5
    assert merged.join_duration_s == 6.0  # the slower game's joins
    assert merged.failure == "game 22222: stalled"
    # One round per game per question: CPU per round is CPU per game per question.
    assert [r.game for r in merged.rounds] == [0, 1]


def test_merged_rounds_keep_two_games_of_the_same_question_apart():
    a = _game("111111", fanout=[0.01], acks=[(0.0, 0.01)] * 3)
    b = _game("222222", fanout=[0.5], acks=[(0.0, 0.8)] * 3)
    merged = merge_results([a, b])
    assert [r.question_id for r in merged.rounds] == ["0:7", "1:7"]
    rounds = merged.as_dict()["rounds"]
    assert [r["ack_p99_ms"] for r in rounds] == ["10", "800"]
    # The games' own results are untouched.
    assert a.rounds[0].question_id == 7 and a.rounds[0].game == 0


def test_merging_one_game_is_that_game():
    only = _game("111111", fanout=[0.01], acks=[])
    assert merge_results([only]) is only

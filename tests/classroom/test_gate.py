"""The join gate's shapes (classroom/gate.py): derived, rotating, kind at the boundary."""

from collections import Counter

import pytest

from classroom import gate, inbound
from classroom.errors import ClientError

KEY = gate.game_key("a-secret-key-for-tests", 7)
START = 1_700_000_000_000 - 1_700_000_000_000 % gate.WINDOW_MS  # a window's first ms


def test_a_sequence_is_four_of_the_four_answer_shapes():
    shapes = gate.sequence(KEY, 42)
    assert len(shapes) == gate.LENGTH == 4
    assert set(shapes) <= {"triangle", "diamond", "circle", "square"}


def test_every_process_derives_the_same_sequence_from_the_secret_and_the_game():
    assert gate.sequence(gate.game_key("a-secret-key-for-tests", 7), 42) == gate.sequence(KEY, 42)
    assert gate.shown(KEY, START + 5) == gate.shown(KEY, START + 5)


def test_another_game_or_another_secret_has_other_sequences():
    windows = range(100)
    mine = [gate.sequence(KEY, w) for w in windows]
    assert mine != [gate.sequence(gate.game_key("a-secret-key-for-tests", 8), w) for w in windows]
    assert mine != [gate.sequence(gate.game_key("another-secret", 7), w) for w in windows]


def test_the_shapes_change_every_window_and_say_when():
    first = gate.shown(KEY, START)
    assert first["changes_in_ms"] == gate.WINDOW_MS
    assert gate.shown(KEY, START + gate.WINDOW_MS - 1)["shapes"] == first["shapes"]
    assert gate.shown(KEY, START + gate.WINDOW_MS - 1)["changes_in_ms"] == 1
    later = [gate.shown(KEY, START + n * gate.WINDOW_MS)["shapes"] for n in range(1, 30)]
    assert sum(shapes != first["shapes"] for shapes in later) >= 25


def test_shapes_and_sequences_are_evenly_spread():
    # 4,096 windows: each shape should be a quarter of the 16,384 shapes drawn.
    counts = Counter(shape for w in range(4096) for shape in gate.sequence(KEY, w))
    assert set(counts) == set(gate.SHAPES)
    for count in counts.values():
        assert abs(count - 4096) < 300  # more than 5 standard deviations
    distinct = {gate.sequence(KEY, w) for w in range(4096)}
    assert len(distinct) == 256  # every sequence of four occurs


def test_the_current_sequence_is_accepted_and_others_are_not():
    now = START + 12_000
    current = gate.sequence(KEY, gate.window_of(now))
    assert gate.accepts(KEY, current, now)
    wrong = tuple(gate.SHAPES[(gate.SHAPES.index(s) + 1) % 4] for s in current)
    assert not gate.accepts(KEY, wrong, now)
    assert not gate.accepts(KEY, current[:3], now)
    assert not gate.accepts(KEY, [*current, "circle"], now)
    assert not gate.accepts(KEY, [], now)


def test_the_previous_sequence_is_kind_for_the_grace_and_no_longer():
    previous = gate.sequence(KEY, gate.window_of(START) - 1)
    assert previous != gate.sequence(KEY, gate.window_of(START))
    assert gate.accepts(KEY, previous, START)
    assert gate.accepts(KEY, previous, START + gate.GRACE_MS - 1)
    assert not gate.accepts(KEY, previous, START + gate.GRACE_MS)


def test_the_next_sequence_is_not_accepted_early():
    upcoming = gate.sequence(KEY, gate.window_of(START) + 1)
    if upcoming != gate.sequence(KEY, gate.window_of(START)):
        assert not gate.accepts(KEY, upcoming, START + gate.WINDOW_MS - 1)


@pytest.mark.parametrize(
    "value",
    [["triangle"], ["square"] * 8, ["circle", "diamond", "triangle", "square"]],
)
def test_declared_gate_values_are_valid(value):
    frame = inbound.phone_frame({"type": "join", "nickname": "Ali", "gate": value})
    assert frame.gate == value


@pytest.mark.parametrize(
    "value",
    [
        "triangle",
        [],
        ["square"] * 9,
        ["hexagon"],
        ["Triangle"],
        [0, 1, 2, 3],
        [["triangle"]],
        {"shapes": ["triangle"]},
        None,
        [None],
    ],
)
def test_anything_else_is_not_a_gate(value):
    if value is None:
        # null is no gate at all, as if absent: the join gets gate_wrong, not bad_field.
        assert inbound.phone_frame({"type": "join", "nickname": "Ali", "gate": None}).gate is None
        return
    with pytest.raises(ClientError) as refused:
        inbound.phone_frame({"type": "join", "nickname": "Ali", "gate": value})
    assert refused.value.code == "bad_field"

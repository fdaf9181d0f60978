"""The join gate over the wire (docs/protocol.md, "Join gate"): only a phone that sends
the projector's shapes joins; the shapes reach the projector and never a phone."""

import asyncio
import itertools
import json
import time
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async

from classroom import gate, join_gate
from classroom.models import Game, Player
from classroom.ratelimit import KeyedBudget
from classroom.services import phases
from tests.classroom.conftest import host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def gated(game):
    phases.game_set_options(game_id=game.pk, join_gate=True)
    return Game.objects.get(pk=game.pk)


def shapes_now(game):
    return list(gate.sequence(join_gate.key(game.pk), gate.window_of(time.time() * 1000)))


def wrong_shapes(game):
    """A sequence no window near now has: the previous one is let in for a grace and the
    next may begin during the test, so a shift of the current one is right 1 in 256."""
    key = join_gate.key(game.pk)
    now = gate.window_of(time.time() * 1000)
    near = {gate.sequence(key, now + step) for step in (-1, 0, 1)}
    return list(next(s for s in itertools.product(gate.SHAPES, repeat=4) if s not in near))


async def players(game):
    return await database_sync_to_async(
        lambda: list(Player.objects.filter(game=game).values_list("nickname", flat=True))
    )()


async def test_without_the_gate_a_join_needs_no_shapes(game):
    _phone, joined = await join(game.pin, "Ayesha")
    assert joined["player"]["nickname"] == "Ayesha"
    # Shapes sent to a game without the gate are ignored.
    other = await player_socket(game.pin, ip="10.0.0.2")
    await other.send({"type": "join", "nickname": "Bilal", "gate": ["circle"]})
    assert (await other.expect("joined"))["player"]["nickname"] == "Bilal"


async def test_a_join_without_shapes_gets_gate_wrong_and_the_socket_stays_open(gated):
    phone = await player_socket(gated.pin)
    await phone.send({"type": "join", "nickname": "Ayesha"})
    error = await phone.expect("error")
    assert error["code"] == "gate_wrong"
    assert "shapes" in error["message"]
    assert await players(gated) == []
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    joined = await phone.expect("joined")
    assert joined["player"]["nickname"] == "Ayesha"
    assert await players(gated) == ["Ayesha"]


async def test_wrong_shapes_get_gate_wrong_then_the_right_ones_join(gated):
    phone = await player_socket(gated.pin)
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": wrong_shapes(gated)})
    error = await phone.expect("error")
    assert error["code"] == "gate_wrong"
    assert "not the shapes" in error["message"]
    assert await players(gated) == []
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    assert (await phone.expect("joined"))["player"]["nickname"] == "Ayesha"


async def test_a_phone_never_receives_the_shapes(gated):
    phone = await player_socket(gated.pin)
    await phone.send({"type": "join", "nickname": "Ayesha"})
    await phone.expect("error")
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": wrong_shapes(gated)})
    await phone.expect("error")
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    await phone.expect("joined")
    await phone.send({"type": "sync"})
    await phone.expect("state")
    text = json.dumps(phone.frames)
    assert "join_gate" not in text
    for shape in gate.SHAPES:
        assert shape not in text, shape


async def test_the_projector_gets_the_shapes_in_lobby_and_state(gated, teacher):
    host = await host_socket(gated, teacher)
    lobby = await host.expect("lobby")
    state = await host.expect("state")
    for frame in (lobby, state):
        assert frame["join_gate"]["shapes"] == shapes_now(gated)
        assert 0 < frame["join_gate"]["changes_in_ms"] <= gate.WINDOW_MS
    assert state["options"]["join_gate"] is True


async def test_without_the_gate_the_projectors_frames_say_so(game, teacher):
    host = await host_socket(game, teacher)
    assert (await host.expect("lobby"))["join_gate"] is None
    state = await host.expect("state")
    assert state["join_gate"] is None and state["options"]["join_gate"] is False


async def test_the_host_switches_the_gate_on_and_off_in_the_lobby(game, teacher):
    host = await host_socket(game, teacher)
    await host.until("state")
    await host.send({"type": "set_options", "join_gate": True})
    options = await host.until("options")
    assert options["options"]["join_gate"] is True
    assert options["join_gate"]["shapes"] == shapes_now(game)
    phone = await player_socket(game.pin)
    await asyncio.sleep(join_gate.GATE_STATE_CACHE_S)
    await phone.send({"type": "join", "nickname": "Ayesha"})
    assert (await phone.expect("error"))["code"] == "gate_wrong"
    await host.send({"type": "set_options", "join_gate": False})
    options = await host.until("options")
    assert options["options"]["join_gate"] is False and options["join_gate"] is None
    await asyncio.sleep(join_gate.GATE_STATE_CACHE_S)
    await phone.send({"type": "join", "nickname": "Ayesha"})
    assert (await phone.expect("joined"))["player"]["nickname"] == "Ayesha"


async def test_a_non_boolean_join_gate_option_is_bad_field(game, teacher):
    host = await host_socket(game, teacher)
    await host.until("state")
    await host.send({"type": "set_options", "join_gate": "yes"})
    assert (await host.until("error"))["code"] == "bad_field"


async def test_the_projector_is_told_the_new_shapes_when_they_change(gated, teacher, monkeypatch):
    monkeypatch.setattr(gate, "WINDOW_MS", 1_000)
    monkeypatch.setattr(gate, "GRACE_MS", 300)
    host = await host_socket(gated, teacher)
    await host.until("state")
    turned = await host.until("join_gate", timeout=3)
    assert turned["shapes"] == shapes_now(gated)
    assert 0 < turned["changes_in_ms"] <= 1_000
    assert "seq" in turned
    again = await host.until("join_gate", timeout=3)
    assert again["changes_in_ms"] > 500  # sent just after the turn, not before it


async def test_the_previous_shapes_still_join_during_the_grace_only(gated, monkeypatch):
    key = join_gate.key(gated.pk)
    # The server's clock is set, not waited for: to a window whose shapes differ from
    # the window before (two windows in a row repeat one time in 256).
    window = next(
        w
        for w in itertools.count(gate.window_of(time.time() * 1000))
        if gate.sequence(key, w - 1) != gate.sequence(key, w)
    )
    previous = list(gate.sequence(key, window - 1))
    clock_ms = [window * gate.WINDOW_MS + gate.GRACE_MS - 100]
    monkeypatch.setattr(
        join_gate,
        "time",
        SimpleNamespace(time=lambda: clock_ms[0] / 1000, monotonic=time.monotonic),
    )
    early = await player_socket(gated.pin)
    await early.send({"type": "join", "nickname": "Early", "gate": previous})
    assert (await early.expect("joined"))["player"]["nickname"] == "Early"
    clock_ms[0] = window * gate.WINDOW_MS + gate.GRACE_MS
    late = await player_socket(gated.pin, ip="10.0.0.2")
    await late.send({"type": "join", "nickname": "Late", "gate": previous})
    assert (await late.expect("error"))["code"] == "gate_wrong"


async def test_wrong_shapes_are_budgeted_per_address_then_rate_limited_4429(gated, monkeypatch):
    monkeypatch.setattr(join_gate, "_wrong_gate_budget", KeyedBudget(limit=2, window_s=60))
    phone = await player_socket(gated.pin, ip="10.9.9.9")
    # Asking without shapes costs nothing: that is how a phone learns of the gate.
    for _ in range(3):
        await phone.send({"type": "join", "nickname": "Guesser"})
        assert (await phone.expect("error"))["code"] == "gate_wrong"
    for _ in range(2):
        await phone.send({"type": "join", "nickname": "Guesser", "gate": wrong_shapes(gated)})
        assert (await phone.expect("error"))["code"] == "gate_wrong"
    # Over the budget, even the right shapes are refused: guessing stops here.
    await phone.send({"type": "join", "nickname": "Guesser", "gate": shapes_now(gated)})
    assert (await phone.expect("error"))["code"] == "rate_limited"
    assert await phone.expect_close() == 4429
    again = await player_socket(gated.pin, ip="10.9.9.9")
    await again.send({"type": "join", "nickname": "Guesser", "gate": shapes_now(gated)})
    assert (await again.expect("error"))["code"] == "rate_limited"
    # Another address (the class in the room) is not affected.
    other = await player_socket(gated.pin, ip="10.1.1.1")
    await other.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    assert (await other.expect("joined"))["player"]["nickname"] == "Ayesha"
    assert await players(gated) == ["Ayesha"]


async def test_resume_needs_no_shapes(gated):
    phone = await player_socket(gated.pin)
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    token = (await phone.expect("joined"))["token"]
    await phone.disconnect()
    back = await player_socket(gated.pin)
    await back.send({"type": "resume", "token": token})
    resumed = await back.expect("joined")
    assert resumed["resumed"] is True and resumed["player"]["nickname"] == "Ayesha"


@pytest.mark.parametrize(
    "value",
    ["triangle", [], ["square"] * 9, ["hexagon"], [1, 2, 3, 4], [["triangle"]], {"a": 1}],
)
async def test_a_gate_of_the_wrong_type_is_bad_field_and_changes_nothing(gated, value):
    phone = await player_socket(gated.pin)
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": value})
    assert (await phone.expect("error"))["code"] == "bad_field"
    await phone.send({"type": "join", "nickname": "Ayesha", "gate": shapes_now(gated)})
    assert (await phone.expect("joined"))["player"]["nickname"] == "Ayesha"


async def test_a_class_joining_at_once_asks_the_database_about_the_gate_once(gated, monkeypatch):
    asked = []
    real = join_gate._gate_on

    def counting(game_id):
        asked.append(game_id)
        return real(game_id)

    monkeypatch.setattr(join_gate, "_gate_on", counting)
    phones = [await player_socket(gated.pin, ip=f"10.0.1.{n}") for n in range(12)]
    shapes = shapes_now(gated)
    for n, phone in enumerate(phones):
        await phone.send({"type": "join", "nickname": f"Student {n}", "gate": shapes})
    joined = [await phone.expect("joined") for phone in phones]
    assert len({frame["player"]["id"] for frame in joined}) == 12
    assert asked == [gated.pk]

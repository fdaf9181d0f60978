"""Join floods, PIN guessing and frame floods: a school behind one address gets in,
a guessing or flooding socket is cut off, and the others keep being served."""

import asyncio
import contextlib
import random

import pytest
from channels.db import database_sync_to_async
from django.db.backends.utils import CursorWrapper

from classroom import pins
from classroom.models import Answer, Player
from classroom.ratelimit import KeyedBudget
from tests.classroom.conftest import correct_choice, host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)

SCHOOL_IP = "203.0.113.7"


def _assembly_wrong_pins(*, students: int, typo_rate: float, seed: int) -> list[float]:
    """When a hall of students behind one address type a PIN that is not a game.

    Each student arrives at a uniform moment in the first minute; each attempt is
    mistyped with `typo_rate` (a 6-digit typo almost never hits another running game),
    and a student who sees "no game with that PIN" retypes 3-15 s later.
    """
    rng = random.Random(seed)
    wrong: list[float] = []
    for _ in range(students):
        at = rng.uniform(0, 60)
        while rng.random() < typo_rate:
            wrong.append(at)
            at += rng.uniform(3, 15)
    return sorted(wrong)


@pytest.mark.parametrize("typo_rate", [0.10, 0.15, 0.20])
def test_a_2000_student_assembly_behind_one_address_is_never_rate_limited(typo_rate):
    # docs/security.md: the per-IP budget is sized for this, with room to spare.
    for seed in range(20):
        budget = KeyedBudget(limit=pins.UNKNOWN_PIN_PER_IP, window_s=pins.UNKNOWN_PIN_WINDOW_S)
        wrong = _assembly_wrong_pins(students=2000, typo_rate=typo_rate, seed=seed)
        refused = [t for t in wrong if not budget.hit(SCHOOL_IP, t)]
        assert not refused, f"seed {seed}: {len(refused)} of {len(wrong)} typos refused"


def test_a_pin_enumerating_address_gets_at_most_the_budget_a_minute():
    budget = KeyedBudget(limit=pins.UNKNOWN_PIN_PER_IP, window_s=pins.UNKNOWN_PIN_WINDOW_S)
    # A bot trying 100 PINs a second for ten minutes.
    allowed = sum(budget.hit("198.51.100.66", n / 100) for n in range(60_000))
    assert allowed <= pins.UNKNOWN_PIN_PER_IP * 10
    assert pins.UNKNOWN_PIN_WINDOW_S == 60
    # The whole 6-digit PIN space takes that address more than a day.
    assert 1_000_000 / pins.UNKNOWN_PIN_PER_IP / 60 > 24


def _missing_pin(game) -> str:
    return "000000" if game.pin != "000000" else "000001"


async def test_forty_players_behind_one_address_all_join_the_real_game(game, teacher):
    budget = pins.unknown_pin_budget()
    budget.reset(SCHOOL_IP)
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    phones = []
    for n in range(40):
        phone, joined = await join(game.pin, f"Student {n}", ip=SCHOOL_IP)
        assert joined["player"]["nickname"] == f"Student {n}"
        phones.append(phone)
    assert await database_sync_to_async(Player.objects.filter(game=game).count)() == 40
    # Joining a real game spends none of the address's unknown-PIN budget.
    assert budget.remaining(SCHOOL_IP, asyncio.get_running_loop().time()) == budget.limit
    for phone in [host, *phones]:
        await phone.disconnect()


async def test_a_pin_guessing_socket_gets_one_guess_and_is_closed(game):
    guesser = await player_socket(_missing_pin(game), ip=SCHOOL_IP)
    assert (await guesser.expect("error"))["code"] == "game_not_found"
    assert await guesser.expect_close() == 4404
    # The socket is gone: whatever it sends next is never answered.
    await guesser.send({"type": "join", "nickname": "Bot"})
    assert await guesser.nothing(0.3)
    assert await database_sync_to_async(Player.objects.count)() == 0


async def test_a_guesser_on_the_school_address_does_not_lock_classmates_out_of_a_real_game(
    game, monkeypatch
):
    monkeypatch.setattr(pins, "_unknown_pin_budget", KeyedBudget(limit=5, window_s=60))
    codes = []
    for _ in range(8):
        guesser = await player_socket(_missing_pin(game), ip=SCHOOL_IP)
        codes.append(await guesser.expect_close())
        if codes[-1] == 4429:
            assert guesser.frames[-1]["code"] == "rate_limited"
    assert codes == [4404] * 5 + [4429] * 3
    # The budget only counts unknown PINs: the real game still takes the whole class.
    phones = []
    for n in range(40):
        phone, _joined = await join(game.pin, f"Classmate {n}", ip=SCHOOL_IP)
        phones.append(phone)
    assert await database_sync_to_async(Player.objects.filter(game=game).count)() == 40
    for phone in phones:
        await phone.disconnect()


async def test_a_flooding_socket_is_cut_off_while_another_players_answer_is_acknowledged(
    game, teacher
):
    host = await host_socket(game, teacher)
    flooder, _ = await join(game.pin, "Flooder")
    ayesha, _ = await join(game.pin, "Ayesha")
    await host.send({"type": "start"})
    question = await host.until("question")
    await flooder.until("question")
    await ayesha.until("question")
    right = await database_sync_to_async(correct_choice)(game, 0)

    for ref in range(200):
        await flooder.send({"type": "ping", "ref": ref})
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )

    ack = await ayesha.until("answer_received", timeout=10)
    assert ack["question_id"] == question["question_id"] and ack["choice_id"] == right
    assert await flooder.expect_close(timeout=10) == 4429
    errors = [f for f in flooder.frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate_limited"]
    pongs = [f for f in flooder.frames if f["type"] == "pong"]
    assert len(pongs) < 200
    stored = await database_sync_to_async(list)(Answer.objects.values_list("player__nickname"))
    assert stored == [("Ayesha",)]
    # Ayesha's socket is still open and served.
    await ayesha.send({"type": "ping", "ref": "after"})
    assert (await ayesha.until("pong"))["ref"] == "after"
    for socket in (host, ayesha):
        await socket.disconnect()


async def test_a_flood_of_answers_stores_at_most_one_and_is_cut_off(game, teacher):
    host = await host_socket(game, teacher)
    flooder, _ = await join(game.pin, "Flooder")
    await host.send({"type": "start"})
    question = await host.until("question")
    await flooder.until("question")
    right = await database_sync_to_async(correct_choice)(game, 0)
    for _ in range(100):
        await flooder.send(
            {"type": "answer", "question_id": question["question_id"], "choice_id": right}
        )
    assert await flooder.expect_close(timeout=10) == 4429
    # The answers before the cut-off are stored in a batch a few ms later.
    count = database_sync_to_async(Answer.objects.count)
    for _ in range(100):
        if await count():
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    assert await count() == 1
    await host.disconnect()


@contextlib.contextmanager
def every_database_query():
    """Record the SQL of every query any thread runs (the sockets' queries run in the
    process's database thread, where a per-connection capture would not see them)."""
    seen: list[str] = []
    original = CursorWrapper._execute
    original_many = CursorWrapper._executemany

    def execute(self, sql, *args, **kwargs):
        seen.append(sql)
        return original(self, sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        seen.append(sql)
        return original_many(self, sql, *args, **kwargs)

    CursorWrapper._execute, CursorWrapper._executemany = execute, executemany
    try:
        yield seen
    finally:
        CursorWrapper._execute, CursorWrapper._executemany = original, original_many


def _unknown_pins(game, count: int) -> list[str]:
    return [pin for pin in (f"{n:06d}" for n in range(count + 1)) if pin != game.pin][:count]


async def _guess(pin: str, ip: str) -> int | None:
    guesser = await player_socket(pin, ip=ip)
    return await guesser.expect_close()


async def test_an_address_over_its_unknown_pin_budget_costs_no_database_query(game, monkeypatch):
    monkeypatch.setattr(pins, "_unknown_pin_budget", KeyedBudget(limit=3, window_s=60))
    monkeypatch.setattr(pins, "RUNNING_PINS_MAX_AGE_S", 3600.0)
    missing = _missing_pin(game)
    assert [await _guess(missing, "198.51.100.66") for _ in range(3)] == [4404] * 3
    # The first socket past the budget has the running games' PINs read (once, for
    # every address); from then on guessing is answered from memory.
    assert await _guess(missing, "198.51.100.66") == 4429
    with every_database_query() as queries:
        codes = [await _guess(pin, "198.51.100.66") for pin in _unknown_pins(game, 40)]
    assert queries == []
    assert set(codes) == {4429}
    # The address's real game still opens: a classmate behind it joins.
    phone, joined = await join(game.pin, "Classmate", ip="198.51.100.66")
    assert joined["player"]["nickname"] == "Classmate"
    await phone.disconnect()


async def test_a_burst_of_guesses_past_the_budget_shares_one_read_of_the_running_games(
    game, monkeypatch
):
    monkeypatch.setattr(pins, "_unknown_pin_budget", KeyedBudget(limit=2, window_s=60))
    missing = _missing_pin(game)
    for ip in ("198.51.100.1", "198.51.100.2"):
        assert [await _guess(missing, ip) for _ in range(2)] == [4404, 4404]
    with every_database_query() as queries:
        codes = await asyncio.gather(
            *(
                _guess(pin, f"198.51.100.{1 + n % 2}")
                for n, pin in enumerate(_unknown_pins(game, 100))
            )
        )
    assert set(codes) == {4429}
    assert len(queries) == 1 and "classroom_game" in queries[0]

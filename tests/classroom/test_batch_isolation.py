"""One frame never spoils a group: answers and joins stored together succeed or fail one
by one. Over the real sockets, with each group made to hold every phone's frame."""

import asyncio

import pytest
from channels.db import database_sync_to_async

from classroom import scoring
from classroom.models import Answer, Player
from classroom.runtime import runtime
from classroom.services import answers, phases, players
from tests.classroom.conftest import build_quiz, host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ("Ayesha", "Bilal", "Chen", "Dana")


def one_group(monkeypatch, batcher) -> list[int]:
    """Make `batcher` wait long enough to take every phone's frame in one group; the
    returned list gets the size of each group stored."""
    batcher.window_s = 0.3
    sizes: list[int] = []
    for module, name in ((answers, "answers_store"), (players, "players_join")):
        real = getattr(module, name)

        def counting(*args, _real=real, **kwargs):
            sizes.append(len(kwargs.get("submissions") or kwargs.get("nicknames")))
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, counting)
    return sizes


async def _year_question(teacher):
    quiz = await database_sync_to_async(build_quiz)(slug="years", kinds=("year_guess",))
    game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher)
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in NAMES]
    await host.send({"type": "start"})
    question = await host.until("question")
    for phone in phones:
        await phone.until("question")
    return game, host, phones, question


async def _answer_together(phones, question, years) -> list[dict]:
    for phone, year in zip(phones, years, strict=True):
        text = f'{{"type": "answer", "question_id": {question["question_id"]}, "year": {year}}}'
        await phone.send(text)
    return [await phone.until_any(("answer_received", "error")) for phone in phones]


@pytest.fixture(autouse=True)
def _until_any(monkeypatch):
    from tests.classroom import conftest

    async def until_any(socket, kinds, timeout=3.0):
        while True:
            frame = await socket.recv(timeout)
            if frame["type"] in kinds:
                return frame

    monkeypatch.setattr(conftest.Socket, "until_any", until_any, raising=False)


async def _stored_years() -> dict[int, int]:
    return await database_sync_to_async(
        lambda: dict(Answer.objects.values_list("player__nickname", "value"))
    )()


async def test_a_400_digit_year_costs_the_other_phones_of_its_group_nothing(teacher, monkeypatch):
    _game, host, phones, question = await _year_question(teacher)
    sizes = one_group(monkeypatch, runtime().answers)
    replies = await _answer_together(phones, question, [1966, 10**400, 1970, 1966])
    assert [r["type"] for r in replies] == [
        "answer_received",
        "error",
        "answer_received",
        "answer_received",
    ]
    assert replies[1]["code"] == "bad_field"
    assert await _stored_years() == {"Ayesha": 1966, "Chen": 1970, "Dana": 1966}
    assert sizes == [3]
    for socket in (host, *phones):
        await socket.disconnect()


async def test_an_answer_whose_scoring_fails_is_refused_alone(teacher, monkeypatch):
    _game, host, phones, question = await _year_question(teacher)
    sizes = one_group(monkeypatch, runtime().answers)
    real_score = scoring.score_answer

    def scoring_bug(**kwargs):
        if kwargs["answer"] == 1951:
            raise ZeroDivisionError("a bug only year 1951 meets")
        return real_score(**kwargs)

    monkeypatch.setattr(scoring, "score_answer", scoring_bug)
    replies = await _answer_together(phones, question, [1966, 1951, 1970, 1966])
    assert [r["type"] for r in replies] == [
        "answer_received",
        "error",
        "answer_received",
        "answer_received",
    ]
    assert replies[1]["code"] == "server_error"
    assert await _stored_years() == {"Ayesha": 1966, "Chen": 1970, "Dana": 1966}
    assert sizes == [4]
    for socket in (host, *phones):
        await socket.disconnect()


async def test_an_answer_that_breaks_a_constraint_at_insert_is_refused_alone(teacher, monkeypatch):
    game, host, phones, question = await _year_question(teacher)
    sizes = one_group(monkeypatch, runtime().answers)
    bilal = await database_sync_to_async(Player.objects.get)(nickname="Bilal")
    real_insert_rows = answers._insert_rows

    def another_writer_first(rows, errors):
        # What a second writer slipping past the game lock would leave: Bilal's answer
        # is in the table after this group checked, so the group's INSERT breaks the
        # one-answer-per-question constraint.
        Answer.objects.create(
            game_id=game.pk,
            player=bilal,
            question_index=rows[0][1].question_index,
            question_id=question["question_id"],
            value=1980,
            elapsed_ms=1,
        )
        return real_insert_rows(rows, errors)

    monkeypatch.setattr(answers, "_insert_rows", another_writer_first)
    replies = await _answer_together(phones, question, [1966, 1951, 1970, 1966])
    assert [r["type"] for r in replies] == [
        "answer_received",
        "error",
        "answer_received",
        "answer_received",
    ]
    assert replies[1]["code"] == "already_answered"
    assert await _stored_years() == {"Ayesha": 1966, "Bilal": 1980, "Chen": 1970, "Dana": 1966}
    assert sizes == [4]
    for socket in (host, *phones):
        await socket.disconnect()


async def test_a_join_that_breaks_a_constraint_at_insert_is_refused_alone(game, monkeypatch):
    sizes = one_group(monkeypatch, runtime().joins)
    first = await player_socket(game.pin)
    await first.send({"type": "join", "nickname": "Early"})
    early_token = (await first.expect("joined"))["token"]
    sizes.clear()
    tokens = iter(["fresh-1", early_token, "fresh-2", "fresh-3", "fresh-4"])
    monkeypatch.setattr(players.secrets, "token_urlsafe", lambda n: next(tokens))
    sockets = [await player_socket(game.pin) for _ in NAMES]
    for socket, name in zip(sockets, NAMES, strict=True):
        await socket.send({"type": "join", "nickname": name})
    replies = [await socket.until_any(("joined", "error")) for socket in sockets]
    # The second name stored drew a token another player holds (its unique constraint).
    refused = [at for at, reply in enumerate(replies) if reply["type"] == "error"]
    assert len(refused) == 1 and replies[refused[0]]["code"] == "try_again"
    joined = sorted(r["player"]["nickname"] for r in replies if r["type"] == "joined")
    assert len(joined) == 3
    stored = await database_sync_to_async(
        lambda: sorted(Player.objects.values_list("nickname", flat=True))
    )()
    assert stored == sorted([*joined, "Early"])
    assert sizes == [4]
    # That phone may join again (a fresh token this time).
    again = sockets[refused[0]]
    await again.send({"type": "join", "nickname": NAMES[refused[0]]})
    assert (await again.expect("joined"))["player"]["nickname"] == NAMES[refused[0]]
    for socket in (first, *sockets):
        await socket.disconnect()


async def test_a_join_whose_naming_fails_is_refused_alone(game, monkeypatch):
    sizes = one_group(monkeypatch, runtime().joins)
    real = players.is_offensive

    def naming_bug(name):
        if name == "Bilal":
            raise RuntimeError("a bug only Bilal meets")
        return real(name)

    monkeypatch.setattr(players, "is_offensive", naming_bug)
    sockets = [await player_socket(game.pin) for _ in NAMES]
    for socket, name in zip(sockets, NAMES, strict=True):
        await socket.send({"type": "join", "nickname": name})
    replies = await asyncio.gather(*(s.until_any(("joined", "error")) for s in sockets))
    assert [r["type"] for r in replies] == ["joined", "error", "joined", "joined"]
    assert replies[1]["code"] == "server_error"
    assert sizes == [4]
    stored = await database_sync_to_async(
        lambda: sorted(Player.objects.values_list("nickname", flat=True))
    )()
    assert stored == ["Ayesha", "Chen", "Dana"]
    for socket in sockets:
        await socket.disconnect()


async def test_a_failing_game_costs_the_other_games_of_a_cross_game_group_nothing(
    teacher, monkeypatch
):
    # Every game's answers of a window are stored in one transaction; the first game's
    # part fails (a bug in its scoring rule), the second game's is stored and acked.
    quiz = await database_sync_to_async(build_quiz)(slug="two-games", kinds=("year_guess",))
    games, hosts, phones = [], [], []
    for at in range(2):
        game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher)
        hosts.append(await host_socket(game, teacher))
        phones.append([(await join(game.pin, f"{name}{at}"))[0] for name in NAMES[:2]])
        games.append(game)
    runtime().answers.window_s = 0.3
    groups: list[list[int]] = []
    real_store_games = answers.answers_store_games

    def counting(**kwargs):
        groups.append(sorted(kwargs["groups"]))
        return real_store_games(**kwargs)

    monkeypatch.setattr(answers, "answers_store_games", counting)
    failing = games[0].pk
    real_judge = answers._judge

    def bug_in_the_first_game(game, *args):
        if game.pk == failing:
            raise ZeroDivisionError("a bug only the first game meets")
        return real_judge(game, *args)

    monkeypatch.setattr(answers, "_judge", bug_in_the_first_game)
    questions = []
    for host in hosts:
        await host.send({"type": "start"})
        questions.append(await host.until("question"))
    for game_phones in phones:
        for phone in game_phones:
            await phone.until("question")
    for game_phones, question in zip(phones, questions, strict=True):
        for phone in game_phones:
            text = f'{{"type": "answer", "question_id": {question["question_id"]}, "year": 1966}}'
            await phone.send(text)
    replies = [[await p.until_any(("answer_received", "error")) for p in ps] for ps in phones]
    assert groups == [sorted(g.pk for g in games)]
    assert [r["code"] for r in replies[0]] == ["try_again", "try_again"]
    assert [r["type"] for r in replies[1]] == ["answer_received", "answer_received"]
    stored = await database_sync_to_async(
        lambda: sorted(Answer.objects.values_list("game_id", flat=True))
    )()
    assert stored == [games[1].pk, games[1].pk]
    # Everyone of the second game answered: its question closes; the first stays open.
    await hosts[1].until("reveal")
    assert await hosts[0].nothing(0.3)
    for socket in (*hosts, *phones[0], *phones[1]):
        await socket.disconnect()

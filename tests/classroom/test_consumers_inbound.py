"""Declared inbound frames at the socket boundary: a frame outside its declaration is
`bad_field` for that frame alone, reaches no service and no group, and the socket
stays open; a `year` outside the question's range is `bad_field` too."""

import json

import pytest
from channels.db import database_sync_to_async

from classroom import batching
from classroom.models import Answer, Game, Player
from classroom.services import phases
from tests.classroom.conftest import build_quiz, correct_choice, host_socket, join

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = 10**400


class Calls:
    """Counts the calls that reach the answer group and the services behind a socket."""

    def __init__(self, monkeypatch) -> None:
        self.submitted = 0
        real_submit = batching.AnswerBatcher.submit

        def submit(batcher, *args, **kwargs):
            self.submitted += 1
            return real_submit(batcher, *args, **kwargs)

        monkeypatch.setattr(batching.AnswerBatcher, "submit", submit)


async def _started(game, teacher, names=("Ayesha", "Bilal")):
    host = await host_socket(game, teacher)
    phones = [(await join(game.pin, name))[0] for name in names]
    await host.send({"type": "start"})
    question = await host.until("question")
    for phone in phones:
        await phone.until("question")
    return host, phones, question


async def _close(*sockets):
    for socket in sockets:
        await socket.disconnect()


async def _still_open(socket) -> None:
    await socket.send({"type": "ping", "ref": "still-here"})
    assert (await socket.expect("pong"))["ref"] == "still-here"


BAD_ANSWERS = [
    ('{"type": "answer", "question_id": %(q)s, "choice_id": %(huge)s}', "choice_id"),
    ('{"type": "answer", "question_id": %(huge)s, "choice_id": %(c)s}', "question_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_id": %(c)s.0}', "choice_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_id": 1e400}', "choice_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_id": true}', "choice_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_id": "%(c)s"}', "choice_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_id": {"id": %(c)s}}', "choice_id"),
    ('{"type": "answer", "question_id": [%(q)s], "choice_id": %(c)s}', "question_id"),
    ('{"type": "answer", "question_id": %(q)s, "choice_ids": [%(c)s, %(c)s.5]}', "choice_ids"),
    ('{"type": "answer", "question_id": %(q)s, "choice_ids": [%(many)s]}', "choice_ids"),
]


@pytest.mark.parametrize(("template", "field"), BAD_ANSWERS)
async def test_an_answer_outside_its_declaration_is_bad_field_and_reaches_no_group(
    game, teacher, monkeypatch, template, field
):
    calls = Calls(monkeypatch)
    host, (ayesha, bilal), question = await _started(game, teacher)
    right = await database_sync_to_async(correct_choice)(game, 0)
    text = template % {
        "q": question["question_id"],
        "c": right,
        "huge": HUGE,
        "many": ", ".join(["1"] * 500),
    }
    await ayesha.send(text)
    error = await ayesha.expect("error")
    assert error["code"] == "bad_field" and field in error["message"]
    assert calls.submitted == 0
    assert await database_sync_to_async(Answer.objects.count)() == 0
    # The socket stays open and its next, good answer counts.
    await _still_open(ayesha)
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    assert (await ayesha.expect("answer_received"))["choice_id"] == right
    await _close(host, ayesha, bilal)


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "answer", "question_id": 1, "choice_id": NaN}',
        '{"type": "ping", "ref": Infinity}',
        '{"type": "ping", "ref": -Infinity}',
        "[" * 2000 + "]" * 2000,
        '{"type": "ping", "ref": ' + "[" * 1500 + "]" * 1500 + "}",
    ],
)
async def test_nan_infinity_and_nesting_past_the_parser_are_bad_json(game, text):
    phone, _ = await join(game.pin, "Ayesha")
    await phone.send(text)
    assert (await phone.expect("error"))["code"] == "bad_json"
    await _still_open(phone)
    await phone.disconnect()


async def test_a_nested_value_where_a_scalar_belongs_is_bad_field(game):
    phone, _ = await join(game.pin, "Ayesha")
    deep = json.dumps({"type": "ping", "ref": json.loads("[" * 200 + "]" * 200)})
    await phone.send(deep)
    error = await phone.expect("error")
    assert (error["code"], error["message"]) == (
        "bad_field",
        "ref must be a whole number, text of at most 64 characters, or null.",
    )
    await _still_open(phone)
    await phone.disconnect()


async def test_a_year_outside_the_questions_range_is_bad_field_and_stores_nothing(teacher):
    quiz = await database_sync_to_async(build_quiz)(slug="years", kinds=("year_guess",))
    game = await database_sync_to_async(phases.game_create)(quiz=quiz, host=teacher)
    host, (ayesha, bilal), question = await _started(game, teacher)
    assert (question["year_min"], question["year_max"]) == (1947, 1988)
    for year in (1946, 1989, -5, 9999, HUGE):
        await ayesha.send({"type": "answer", "question_id": question["question_id"], "year": year})
        error = await ayesha.expect("error")
        assert error["code"] == "bad_field" and "year" in error["message"]
    assert await database_sync_to_async(Answer.objects.count)() == 0
    await ayesha.send({"type": "answer", "question_id": question["question_id"], "year": 1947})
    assert (await ayesha.expect("answer_received"))["year"] == 1947
    await _close(host, ayesha, bilal)


async def test_a_join_outside_its_declaration_is_bad_field_and_the_socket_may_join_after(game):
    from tests.classroom.conftest import player_socket

    phone = await player_socket(game.pin)
    for frame in (
        {"type": "join", "nickname": {"first": "Ayesha"}},
        {"type": "join", "nickname": ["Ayesha"]},
        {"type": "join", "nickname": 7},
        {"type": "join", "nickname": "Ayesha", "gate": ["hexagon"]},
        {"type": "resume", "token": HUGE},
    ):
        await phone.send(frame)
        assert (await phone.expect("error"))["code"] == "bad_field"
    assert await database_sync_to_async(Player.objects.count)() == 0
    await phone.send({"type": "join", "nickname": "Ayesha"})
    assert (await phone.expect("joined"))["player"]["nickname"] == "Ayesha"
    await phone.disconnect()


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"type": "kick", "player_id": HUGE}, "player_id"),
        ({"type": "kick", "player_id": 1.0}, "player_id"),
        ({"type": "kick", "player_id": "1"}, "player_id"),
        ({"type": "extra_time", "player_id": 1, "seconds": 30.5}, "seconds"),
        ({"type": "extra_time", "player_id": 1, "seconds": HUGE}, "seconds"),
        ({"type": "extra_time", "player_id": True, "seconds": 30}, "player_id"),
        ({"type": "set_options", "accuracy_only": "yes"}, "accuracy_only"),
        ({"type": "set_options", "accuracy_only": 1}, "accuracy_only"),
        ({"type": "set_options", "generated_names_only": {"on": True}}, "generated_names_only"),
    ],
)
async def test_a_host_command_outside_its_declaration_is_bad_field_and_changes_nothing(
    game, teacher, frame, field
):
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    before = await host.expect("state")
    ayesha, _ = await join(game.pin, "Ayesha")
    await host.until("player_joined")
    await host.send(frame)
    error = await host.expect("error")
    assert error["code"] == "bad_field" and error["message"].startswith(field)
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.options == game.options and stored.seq == before["seq"] + 1
    player = await database_sync_to_async(Player.objects.get)()
    assert (player.kicked, player.extra_time_s) == (False, 0)
    await _still_open(host)
    await host.disconnect()
    await ayesha.disconnect()

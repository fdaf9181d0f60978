"""Hypothesis drives both game sockets with random frames, types and sequences.

Each example is a fresh game played over in-process websockets (the real ASGI
application: origin check, session auth, hub, answer batcher, question timers) by a
projector that sends commands, a projector that only watches, and up to four phones.
The operations are random: open (good, foreign or missing Origin; real or unknown
PIN), join (any text or JSON value as nickname), resume (own, someone else's or a junk
token), answer (valid and invalid question and choice ids, any JSON in any field),
host commands from the projector and from phones, sync, ping, raw garbage (any JSON
value, non-JSON text, bytes, a frame over 4 KB), every client frame type with any of
the declared fields set to anything, disconnect, and waiting for a short question
timer to run out. Values include huge integers (10**400), floats, NaN and Infinity
(as JSON literals and as strings), lists longer than any declared, and nesting deeper
than the JSON parser goes. A burst sends one frame from every phone at once (so they
share an answer group): well-formed answers from joined phones mixed with any of the
above.

The properties:
- no exception escapes: no consumer crashes, nothing is logged at ERROR, and the
  server closes sockets only with the protocol's codes;
- every frame the server sends is a JSON object with a documented `type` and a `seq`,
  and every `error` has a documented `code` and a `message`;
- at most one stored answer per player and question;
- no frame carries correctness (correct ids, year, points, distribution) outside a
  `reveal`, and a reveal only ever arrives once its question is closed;
- every player's score, streak and correct count equal a recomputation from the
  stored answers (classroom.scoring.replay_scores);
- a well-formed answer from a joined phone is never hurt by what the others send with
  it: it is acknowledged, or refused for itself (already answered, question closed),
  never `try_again`, `bad_field` or a server error.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db.models import Count
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from classroom import inbound, pins
from classroom.game_setup import SELF_PACED, GameSetup
from classroom.models import Answer, Game, Player
from classroom.ratelimit import KeyedBudget
from classroom.services import phases
from tests.classroom.conftest import build_quiz, session_cookie
from tests.classroom.helpers import replayed_totals

pytestmark = pytest.mark.django_db(transaction=True)

# Every server frame type of docs/protocol.md (parts 1 and 2).
FRAME_TYPES = frozenset(
    {
        "error",
        "joined",
        "state",
        "question",
        "answer_received",
        "reveal",
        "scoreboard",
        "finished",
        "pong",
        "host_status",
        "lobby",
        "player_joined",
        "player_left",
        "answer_count",
        "options",
        "extra_time",
        "team",
        "join_gate",
        "progress",
    }
)
# Every error code of docs/protocol.md.
ERROR_CODES = frozenset(
    {
        "bad_json",
        "unknown_type",
        "bad_field",
        "game_not_found",
        "nickname_taken",
        "nickname_invalid",
        "game_locked",
        "not_host",
        "question_closed",
        "already_answered",
        "unknown_choice",
        "rate_limited",
        "kicked",
        "try_again",
        "not_joined",
        "frame_too_large",
        "forbidden",
        "game_full",
        "wrong_phase",
        "bad_token",
        "replaced",
        "too_early",
    }
)
CLOSE_CODES = frozenset({4400, 4403, 4404, 4429})
# Keys that tell which answer is right or what it earned: only inside a reveal.
CORRECTNESS_KEYS = frozenset(
    {
        "correct_choice_ids",
        "correct_year",
        "correct",
        "is_correct",
        "answer_year",
        "correct_count",
        "distribution",
        "points",
    }
)
HOST_COMMANDS = (
    "start",
    "next",
    "close_question",
    "scoreboard",
    "kick",
    "lock",
    "unlock",
    "end",
    "set_options",
    "extra_time",
)
GOOD_ORIGIN = b"http://localhost"
IP = "192.0.2.77"

# --- strategies ------------------------------------------------------------------------

huge_integers = st.sampled_from([10**400, -(10**400), 2**53, 2**63, 2**64, -1, 0])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | huge_integers
    | st.floats()
    | st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "12", "1966"])
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8), children, max_size=3)
        | st.lists(st.integers(min_value=0, max_value=2**31), min_size=11, max_size=200)
    ),
    max_leaves=8,
)
# Every type a client may send, and every field any of them declares.
CLIENT_TYPES = sorted(set(inbound.PHONE_FRAMES) | set(inbound.HOST_FRAMES))
CLIENT_FIELDS = sorted(
    {
        name
        for model in (*inbound.PHONE_FRAMES.values(), *inbound.HOST_FRAMES.values())
        for name in model.model_fields
    }
    - {"type"}
)
typed_frames = st.builds(
    lambda kind, fields: json.dumps({**fields, "type": kind}),
    st.sampled_from(CLIENT_TYPES),
    st.dictionaries(st.sampled_from(CLIENT_FIELDS), json_values, max_size=4),
)


def _nested(depth: int, field: str) -> str:
    # Past ~1,000 levels the JSON parser gives up (bad_json); below, a nested value
    # stands where a scalar or a flat list belongs (bad_field).
    return f'{{"type": "answer", "question_id": 1, "{field}": {"[" * depth}{"]" * depth}}}'


deep_frames = st.builds(
    _nested, st.integers(min_value=2, max_value=2000), st.sampled_from(["choice_ids", "year"])
)
nicknames = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "Ayesha",
            "AYESHA",
            "<img src=x onerror=alert(1)>",
            "A\u200bnn",
            "Ann\u202e",
            "\u0410nn",
            "ｆｕｌｌ",
            "x" * 121,
            "   ",
        ]
    ),
    json_values,
)
slots = st.integers(min_value=0, max_value=3)
raw_frames = st.one_of(
    json_values.map(json.dumps),
    st.text(max_size=30),
    st.binary(max_size=16),
    st.just(json.dumps({"type": "ping", "ref": "x" * 5000})),
    st.just('{"type": "answer", "question_id": 1, "year": NaN}'),
    st.just('{"type": "ping", "ref": Infinity}'),
    typed_frames,
    typed_frames,
    deep_frames,
    st.builds(
        lambda kind, extra: json.dumps({"type": kind, **extra}),
        st.one_of(st.sampled_from(sorted(FRAME_TYPES | {"join", "resume", "answer"})), st.text()),
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    ),
)
host_args = st.dictionaries(
    st.sampled_from(
        ["player_id", "seconds", "accuracy_only", "generated_names_only", "nickname", "token"]
    ),
    json_values,
    max_size=3,
)

operations = st.one_of(
    st.tuples(
        st.just("open"),
        slots,
        st.sampled_from(["good", "good", "good", "evil", "none"]),
        st.sampled_from(["real", "real", "real", "unknown"]),
    ),
    st.tuples(st.just("join"), slots, nicknames),
    st.tuples(st.just("join"), slots, st.sampled_from(["Ayesha", "Bilal", "Chen", "Dana"])),
    st.tuples(st.just("resume"), slots, st.sampled_from(["own", "other"]), st.integers(0, 9)),
    st.tuples(st.just("resume"), slots, st.just("junk"), json_values),
    st.tuples(
        st.just("answer"),
        slots,
        st.sampled_from(["current", "other", "junk"]),
        st.sampled_from(["right", "wrong", "unknown", "junk"]),
        json_values,
    ),
    # Well-formed answers from the players the prelude joined, so that scores move.
    *[
        st.tuples(
            st.just("answer"),
            st.integers(min_value=0, max_value=1),
            st.just("current"),
            st.sampled_from(["right", "wrong"]),
            st.none(),
        )
    ]
    * 5,
    st.tuples(st.just("host"), st.sampled_from(["start", "next", "close_question"]), host_args),
    st.tuples(st.just("host"), st.sampled_from([*HOST_COMMANDS, "sync", "ping"]), host_args),
    st.tuples(st.just("kick"), slots, st.integers(0, 9)),
    st.tuples(st.just("player_sends_host_command"), slots, st.sampled_from(HOST_COMMANDS)),
    st.tuples(st.just("player_raw"), slots, raw_frames),
    st.tuples(st.just("host_raw"), raw_frames),
    st.tuples(st.just("sync_or_ping"), slots, st.sampled_from(["sync", "ping"])),
    st.tuples(st.just("disconnect"), slots),
    # Every phone at once, into one answer group: good answers among anything.
    st.tuples(
        st.just("burst"),
        st.lists(
            st.tuples(slots, st.one_of(st.just("good"), st.just("good"), raw_frames)),
            min_size=2,
            max_size=6,
        ),
    ),
    st.tuples(st.just("host_reopen")),
    st.tuples(st.just("wait")),
)

# --- the harness -----------------------------------------------------------------------


class ProtocolViolation(AssertionError):
    pass


@dataclass
class Conn:
    name: str
    comm: WebsocketCommunicator
    frames: list[dict[str, Any]] = field(default_factory=list)
    close_code: int | None = None
    finished: bool = False
    joined: bool = False
    player_id: int | None = None
    # question id -> (the loop's time it arrived, its answerable_in_ms): reading time.
    asked_at: dict[int, tuple[float, int]] = field(default_factory=dict)


@dataclass
class Play:
    game_id: int
    pin: str
    cookie: bytes
    questions: list[dict[str, Any]]
    application: Any
    slots: dict[int, Conn] = field(default_factory=dict)
    conns: list[Conn] = field(default_factory=list)
    host: Conn | None = None
    observer: Conn | None = None
    tokens: list[str] = field(default_factory=list)
    own_token: dict[int, str] = field(default_factory=dict)
    player_ids: list[int] = field(default_factory=list)
    current_question: dict[str, Any] | None = None
    revealed: set[int] = field(default_factory=set)
    counter: int = 0
    # A homework game: each player's own current question and every question they
    # were sent (the only ones whose reveal may reach them).
    homework: bool = False
    paced_question: dict[int, dict[str, Any]] = field(default_factory=dict)
    paced_sent: dict[int, set[int]] = field(default_factory=dict)
    # Well-formed answers sent during their question's reading time: (conn, frames
    # before, the player's answers stored before), each of which must get `too_early`
    # and store nothing.
    early: list[tuple[Conn, int, int]] = field(default_factory=list)
    early_checked: int = 0


def _check_frame(conn: Conn, frame: Any) -> None:
    if not isinstance(frame, dict) or frame.get("type") not in FRAME_TYPES:
        raise ProtocolViolation(f"{conn.name}: not a protocol frame: {frame!r}")
    seq = frame.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ProtocolViolation(f"{conn.name}: frame without a seq: {frame!r}")
    if frame["type"] == "error":
        if frame.get("code") not in ERROR_CODES:
            raise ProtocolViolation(f"{conn.name}: undocumented error code: {frame!r}")
        if not isinstance(frame.get("message"), str) or not frame["message"]:
            raise ProtocolViolation(f"{conn.name}: error without a message: {frame!r}")


def _reveals(frame: Any, *, inside_reveal: bool = False) -> list[dict[str, Any]]:
    """The reveal objects in `frame`; ProtocolViolation on correctness outside one."""
    found: list[dict[str, Any]] = []
    if isinstance(frame, dict):
        is_reveal = inside_reveal or frame.get("type") == "reveal"
        if is_reveal and not inside_reveal:
            found.append(frame)
        for key, value in frame.items():
            if key in CORRECTNESS_KEYS and not is_reveal:
                raise ProtocolViolation(f"{key!r} outside a reveal: {frame!r}")
            if key == "reveal" and isinstance(value, dict) and not is_reveal:
                found.append(value)
                found.extend(_reveals(value, inside_reveal=True))
            else:
                found.extend(_reveals(value, inside_reveal=is_reveal))
    elif isinstance(frame, list):
        for item in frame:
            found.extend(_reveals(item, inside_reveal=inside_reveal))
    return found


def _question_is_open(game_id: int, question_id: int) -> bool:
    game = Game.objects.get(pk=game_id)
    if game.phase != Game.Phase.QUESTION or game.question_index < 0:
        return False
    return game.questions[game.question_index]["id"] == question_id


async def _receive(play: Play, conn: Conn) -> bool:
    """Take every message waiting on `conn`; True if there was any."""
    got = False
    while not conn.finished and not conn.comm.output_queue.empty():
        got = True
        message = await conn.comm.receive_output(timeout=1)
        if message["type"] == "websocket.close":
            conn.close_code = message.get("code")
            if conn.close_code not in CLOSE_CODES:
                raise ProtocolViolation(f"{conn.name}: closed with {conn.close_code}")
            if not conn.frames or conn.frames[-1]["type"] != "error":
                raise ProtocolViolation(f"{conn.name}: closed without an error frame first")
            await _finish(conn)
            break
        if message["type"] != "websocket.send" or message.get("text") is None:
            raise ProtocolViolation(f"{conn.name}: unexpected message {message!r}")
        frame = json.loads(message["text"])
        _check_frame(conn, frame)
        conn.frames.append(frame)
        is_host = conn.name.startswith(("host", "observer"))
        if frame["type"] == "joined":
            conn.player_id = frame["player"]["id"]
            _note_paced_question(play, conn, (frame.get("state") or {}).get("question"))
        if frame["type"] == "progress" and not is_host:
            raise ProtocolViolation(f"{conn.name}: a phone got progress: {frame!r}")
        # A homework's teacher page is no projector: its `correct` is each player's count
        # of right answers, each already revealed to that player.
        reveals = [] if play.homework and is_host else _reveals(frame)
        for reveal in reveals:
            question_id = reveal.get("question_id")
            if play.homework:
                if not is_host:
                    await database_sync_to_async(_check_paced_reveal)(play, conn, question_id)
            elif await database_sync_to_async(_question_is_open)(play.game_id, question_id):
                raise ProtocolViolation(f"{conn.name}: reveal of an open question: {frame!r}")
            play.revealed.add(question_id)
        if frame["type"] == "question" and not is_host:
            conn.asked_at[frame["question_id"]] = (
                asyncio.get_running_loop().time(),
                int(frame.get("answerable_in_ms") or 0),
            )
            _note_paced_question(play, conn, frame)
        if frame["type"] == "joined":
            conn.joined = True
            play.tokens.append(frame["token"])
            if frame["player"]["id"] not in play.player_ids:
                play.player_ids.append(frame["player"]["id"])
            for slot, slot_conn in play.slots.items():
                if slot_conn is conn:
                    play.own_token[slot] = frame["token"]
        if frame["type"] == "question" and conn is play.observer:
            play.current_question = frame
    if conn.comm.future.done() and not conn.finished:
        # The application ended on its own: only a crash does that.
        conn.comm.future.result()
        raise ProtocolViolation(f"{conn.name}: the consumer stopped")
    return got


def _note_paced_question(play: Play, conn: Conn, question: Any) -> None:
    if play.homework and conn.player_id is not None and isinstance(question, dict):
        play.paced_question[conn.player_id] = question
        play.paced_sent.setdefault(conn.player_id, set()).add(question["question_id"])


def _check_paced_reveal(play: Play, conn: Conn, question_id: Any) -> None:
    """A homework reveal reaches a phone only for a question its own player was sent
    and has answered, or whose own time ran out (or once the homework is over)."""
    player = Player.objects.select_related("game").get(pk=conn.player_id)
    game = player.game
    ids = [q["id"] for q in game.questions]
    if question_id not in ids or question_id not in play.paced_sent.get(player.pk, set()):
        raise ProtocolViolation(f"{conn.name}: reveal of a question never sent: {question_id}")
    index = ids.index(question_id)
    answered = Answer.objects.filter(player=player, question_id=question_id).exists()
    timed_out = player.paced_deadline is not None and timezone.now() >= player.paced_deadline
    moved_on = player.paced_index > index
    if not (answered or moved_on or game.is_ended or (player.paced_index == index and timed_out)):
        raise ProtocolViolation(f"{conn.name}: reveal of an open own question: {question_id}")


async def _finish(conn: Conn) -> None:
    if conn.finished:
        return
    conn.finished = True
    # Raises whatever the consumer raised while handling the disconnect.
    await conn.comm.disconnect(code=1000, timeout=3)


async def _settle(play: Play) -> None:
    """Let the server answer: drain every socket until it has been quiet a while."""
    quiet = 0
    for _ in range(100):
        await asyncio.sleep(0.01)
        got = False
        for conn in list(play.conns):
            if not conn.finished:
                got = await _receive(play, conn) or got
        quiet = 0 if got else quiet + 1
        if quiet >= 3:
            return


async def _open(play: Play, name: str, path: str, origin: bytes | None, cookie: bool) -> Conn:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie:
        headers.append((b"cookie", play.cookie))
    comm = WebsocketCommunicator(play.application, path, headers=headers)
    play.counter += 1
    comm.scope["client"] = (IP, 40000 + play.counter)
    connected, _ = await comm.connect(timeout=3)
    assert connected, f"{name}: the handshake was refused"
    conn = Conn(name=f"{name}#{play.counter}", comm=comm)
    play.conns.append(conn)
    return conn


async def _send(conn: Conn, payload: Any) -> None:
    if conn.finished:
        return
    # send_input, not send_to: an empty text or binary frame is legal on the wire.
    if isinstance(payload, bytes):
        await conn.comm.send_input({"type": "websocket.receive", "bytes": payload})
    else:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        await conn.comm.send_input({"type": "websocket.receive", "text": text})


async def _phone(play: Play, slot: int) -> Conn:
    """The slot's socket; a closed one is reopened and, like the phone page does,
    resumes with the slot's token if it ever joined."""
    conn = play.slots.get(slot)
    if conn is None or conn.finished:
        conn = await _open(play, f"phone{slot}", f"/ws/play/{play.pin}/", GOOD_ORIGIN, False)
        play.slots[slot] = conn
        token = play.own_token.get(slot)
        if token is not None:
            await _send(conn, {"type": "resume", "token": token})
            await _settle(play)
    return conn


async def _host(play: Play) -> Conn:
    if play.host is None or play.host.finished:
        play.host = await _open(play, "host", f"/ws/host/{play.pin}/", GOOD_ORIGIN, True)
    return play.host


def _answer_frame(
    play: Play, which_question: str, which_value: str, junk: Any, conn: Conn | None = None
) -> dict:
    question = play.current_question
    if play.homework:
        # Each homework player answers their own question, sent to them alone.
        owner = conn.player_id if conn is not None else None
        question = play.paced_question.get(owner) if owner is not None else None
    snapshot = next(
        (q for q in play.questions if question and q["id"] == question["question_id"]),
        play.questions[0],
    )
    frame: dict[str, Any] = {"type": "answer"}
    if which_question == "current":
        frame["question_id"] = snapshot["id"]
    elif which_question == "other":
        others = [q["id"] for q in play.questions if q["id"] != snapshot["id"]]
        frame["question_id"] = others[0]
    else:
        frame["question_id"] = junk
    kind = snapshot["kind"]
    if kind in ("choice", "true_false"):
        right = snapshot["correct_choice_ids"][0]
        wrong = next(c["id"] for c in snapshot["choices"] if c["id"] != right)
        values = {"right": right, "wrong": wrong, "unknown": 10**9, "junk": junk}
        frame["choice_id"] = values[which_value]
    elif kind == "order":
        right = list(snapshot["correct_choice_ids"])
        values = {"right": right, "wrong": right[::-1], "unknown": [*right, 10**9], "junk": junk}
        frame["choice_ids"] = values[which_value]
    else:
        year = snapshot["answer_year"]
        values = {"right": year, "wrong": year + 3, "unknown": -(10**12), "junk": junk}
        frame["year"] = values[which_value]
    return frame


async def _apply(play: Play, op: tuple) -> None:
    kind = op[0]
    if kind == "open":
        _, slot, origin, pin = op
        old = play.slots.get(slot)
        if old is not None:
            await _finish(old)
        origins = {"good": GOOD_ORIGIN, "evil": b"https://evil.test", "none": None}
        path_pin = play.pin if pin == "real" else ("000000" if play.pin != "000000" else "000001")
        play.slots[slot] = await _open(
            play, f"phone{slot}", f"/ws/play/{path_pin}/", origins[origin], False
        )
        play.own_token.pop(slot, None)
    elif kind == "join":
        await _send(await _phone(play, op[1]), {"type": "join", "nickname": op[2]})
    elif kind == "resume":
        _, slot, which, pick = op
        if which == "own":
            token = play.own_token.get(slot) or (play.tokens[-1] if play.tokens else "nope")
        elif which == "other":
            token = play.tokens[pick % len(play.tokens)] if play.tokens else "nope"
        else:
            token = pick
        await _send(await _phone(play, slot), {"type": "resume", "token": token})
    elif kind == "answer":
        _, slot, which_question, which_value, junk = op
        conn = await _phone(play, slot)
        frame = _answer_frame(play, which_question, which_value, junk, conn)
        well_formed = which_question == "current" and which_value in ("right", "wrong")
        asked = conn.asked_at.get(frame["question_id"]) if well_formed else None
        if conn.player_id is not None:
            stored = await database_sync_to_async(_answers_of)(conn.player_id)
        # 150 ms short of the end of reading: the server's clock surely agrees.
        loop_now = asyncio.get_running_loop().time()
        if well_formed and conn.joined and asked and loop_now < asked[0] + asked[1] / 1000 - 0.15:
            play.early.append((conn, len(conn.frames), stored))
        await _send(conn, frame)
    elif kind == "next":
        _, slot, extra = op
        await _send(await _phone(play, slot), {**extra, "type": "next"})
    elif kind == "host":
        _, command, args = op
        await _send(await _host(play), {**args, "type": command})
    elif kind == "kick":
        _, _slot, pick = op
        player_id = play.player_ids[pick % len(play.player_ids)] if play.player_ids else 1
        await _send(await _host(play), {"type": "kick", "player_id": player_id})
    elif kind == "player_sends_host_command":
        await _send(await _phone(play, op[1]), {"type": op[2], "player_id": 1})
    elif kind == "player_raw":
        await _send(await _phone(play, op[1]), op[2])
    elif kind == "host_raw":
        await _send(await _host(play), op[1])
    elif kind == "sync_or_ping":
        await _send(await _phone(play, op[1]), {"type": op[2], "ref": op[1]})
    elif kind == "disconnect":
        conn = play.slots.pop(op[1], None)
        if conn is not None:
            await _receive(play, conn)
            await _finish(conn)
    elif kind == "burst":
        await _burst(play, op[1])
    elif kind == "host_reopen":
        if play.host is not None:
            await _finish(play.host)
        play.host = None
        await _host(play)
    elif kind == "wait":
        # Longer than a short question's limit (0.3 s) plus the timer's grace (0.25 s).
        await asyncio.sleep(0.6)
    await _settle(play)
    await _check_early_answers(play)


def _answers_of(player_id: int) -> int:
    return Answer.objects.filter(player_id=player_id).count()


async def _check_early_answers(play: Play) -> None:
    """An answer during reading is `too_early` and stores nothing."""
    for conn, before, stored in play.early:
        replies = [f for f in conn.frames[before:] if f["type"] in ("answer_received", "error")]
        if not replies and conn.finished:
            continue
        if not replies or replies[0].get("code") != "too_early":
            raise ProtocolViolation(f"{conn.name}: an answer during reading got {replies!r}")
        if await database_sync_to_async(_answers_of)(conn.player_id) != stored:
            raise ProtocolViolation(f"{conn.name}: an answer during reading was stored")
        play.early_checked += 1
    play.early.clear()


# What a well-formed answer of a joined phone may get: never a refusal caused by
# another phone's frame or a failure of the group.
# (`too_early`: sent during the question's reading time, refused for itself.)
GOOD_ANSWER_OUTCOMES = {"answer_received", "already_answered", "question_closed", "too_early"}


async def _burst(play: Play, sends: list[tuple[int, Any]]) -> None:
    frames: list[tuple[Conn, Any]] = []
    for slot, payload in sends:
        conn = await _phone(play, slot)
        if payload == "good":
            payload = _answer_frame(play, "current", "right", None, conn)
        frames.append((conn, payload))
    # Phones that sent only well-formed answers, joined: how many frames each had before.
    only_good = {
        id(conn): conn
        for conn, _ in frames
        if conn.joined
        and not conn.finished
        and all(isinstance(p, dict) for c, p in frames if c is conn)
    }
    before = {key: len(conn.frames) for key, conn in only_good.items()}
    await asyncio.gather(*(_send(conn, payload) for conn, payload in frames))
    await _settle(play)

    def replies_of(key: int) -> list[dict[str, Any]]:
        conn = only_good[key]
        return [f for f in conn.frames[before[key] :] if f["type"] in ("answer_received", "error")]

    # A busy machine may take longer than _settle's quiet spell to store a group.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5
    waiting = [k for k, c in only_good.items() if not replies_of(k) and not c.finished]
    while waiting and loop.time() < deadline:
        await asyncio.sleep(0.05)
        for key in waiting:
            await _receive(play, only_good[key])
        waiting = [k for k in waiting if not replies_of(k) and not only_good[k].finished]
    for key, conn in only_good.items():
        replies = replies_of(key)
        if not replies and not conn.finished:
            raise ProtocolViolation(f"{conn.name}: a good answer got no reply")
        for reply in replies:
            outcome = reply["code"] if reply["type"] == "error" else reply["type"]
            if outcome not in GOOD_ANSWER_OUTCOMES:
                raise ProtocolViolation(f"{conn.name}: a good answer got {reply!r}")


# Most examples start from a game in play, so answers, reveals and scores get fuzzed
# too, not only the refusals before anyone has joined.
PRELUDE = [
    ("join", 0, "Ayesha"),
    ("join", 1, "Bilal"),
    ("host", "start", {}),
]


async def _scenario(play: Play, ops: list[tuple], prelude: list[tuple]) -> None:
    play.observer = await _open(play, "observer", f"/ws/host/{play.pin}/", GOOD_ORIGIN, True)
    await _settle(play)
    try:
        for op in [*prelude, *ops]:
            await _apply(play, op)
    finally:
        await _settle(play)
        for conn in play.conns:
            if not conn.finished:
                await _receive(play, conn)
                await _finish(conn)


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# --- invariants on the stored game -----------------------------------------------------


def _check_stored_game(play: Play) -> None:
    game = Game.objects.get(pk=play.game_id)
    twice = (
        Answer.objects.filter(game=game)
        .values("player_id", "question_index")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists(), list(twice)
    if game.setup.get("teams") and game.question_index >= 0:
        # Dealt by the server alone: every player who took part has a team in range.
        for nickname, team in Player.objects.filter(game=game, kicked=False).values_list(
            "nickname", "team"
        ):
            assert team is not None and 1 <= team <= game.setup["teams"], (nickname, team)
    if play.homework:
        _check_paced_game(game)
        return
    asked = game.questions[: game.question_index + 1]
    for question in asked[:-1]:
        assert question["id"] in play.revealed, f"question {question['id']} never revealed"
    if game.phase == Game.Phase.QUESTION:
        # Scores change at the close (docs/protocol.md): the open question not yet.
        asked = asked[:-1]
    elif game.phase == Game.Phase.FINISHED and asked and asked[-1]["id"] not in play.revealed:
        # Ended while the question was open: it was never revealed, so never scored.
        # (In reveal or scoreboard the last question was closed, though its timer may
        # have fired after the sockets were gone, so no socket saw that reveal.)
        asked = asked[:-1]
    totals = replayed_totals(game=game, asked=asked)
    players = {p.id: p for p in Player.objects.filter(game=game)}
    for player in players.values():
        if player.kicked:
            # A kicked player leaves the standings; their totals stop where they were.
            continue
        expected = totals[player.id]
        assert (player.score, player.streak, player.correct_count) == (
            expected.score,
            expected.streak,
            expected.correct_count,
        ), f"{player.nickname}: stored totals differ from the recomputation"


def _check_paced_game(game: Game) -> None:
    """Homework: each player's answers are to questions they were sent, in their own
    order, and their totals equal a replay of those answers over the questions they
    reached."""
    for player in Player.objects.filter(game=game):
        for answer in Answer.objects.filter(player=player):
            assert answer.question_index <= player.paced_index, (player.nickname, answer)
            assert game.questions[answer.question_index]["id"] == answer.question_id
        if player.kicked:
            continue
        reached = game.questions[: player.paced_index + 1]
        expected = replayed_totals(game=game, asked=reached)[player.id]
        assert (player.score, player.correct_count) == (
            expected.score,
            expected.correct_count,
        ), f"{player.nickname}: stored totals differ from the recomputation"
        if player.paced_answered or player.paced_index < 0:
            # (An unanswered question breaks the streak at the player's next `next`.)
            assert player.streak == expected.streak, player.nickname


# --- the test --------------------------------------------------------------------------


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    ops=st.lists(operations, min_size=4, max_size=20),
    time_limit_ms=st.sampled_from([300, 20_000]),
    kinds=st.sampled_from([("choice", "true_false", "choice"), ("order", "year_guess", "choice")]),
    prelude=st.sampled_from([True, True, True, False]),
)
def test_random_frames_and_sequences_keep_the_protocol_and_its_invariants(
    teacher, monkeypatch, ops, time_limit_ms, kinds, prelude
):
    _play(teacher, monkeypatch, ops, time_limit_ms, kinds, PRELUDE if prelude else [])


# Four joined phones and a question open: then bursts from every phone at once.
BURST_PRELUDE = [
    *(("join", slot, name) for slot, name in enumerate(["Ayesha", "Bilal", "Chen", "Dana"])),
    ("host", "start", {}),
]
bursts = st.tuples(
    st.just("burst"),
    st.lists(
        st.tuples(
            slots,
            st.one_of(st.just("good"), st.just("good"), raw_frames, typed_frames, deep_frames),
        ),
        min_size=4,
        max_size=6,
    ),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(
    ops=st.lists(
        st.one_of(bursts, st.tuples(st.just("host"), st.just("next"), st.just({}))),
        min_size=1,
        max_size=4,
    ),
    kinds=st.sampled_from([("choice", "true_false", "choice"), ("order", "year_guess", "choice")]),
)
def test_bursts_from_every_phone_at_once_never_cost_a_good_answer(teacher, monkeypatch, ops, kinds):
    play = _play(teacher, monkeypatch, ops, 20_000, kinds, BURST_PRELUDE)
    # Every acknowledged answer is stored (the burst check saw each good one answered).
    acknowledged = set()
    for conn in play.conns:
        player_ids = [f["player"]["id"] for f in conn.frames if f["type"] == "joined"]
        for frame in conn.frames:
            if frame["type"] == "answer_received":
                acknowledged.add((player_ids[-1], frame["question_id"]))
    stored = set(
        Answer.objects.filter(game_id=play.game_id).values_list("player_id", "question_id")
    )
    assert acknowledged <= stored
    event(f"answers acknowledged in bursts: {min(len(acknowledged), 4)}")


def _play(teacher, monkeypatch, ops, time_limit_ms, kinds, prelude, setup=None) -> Play:
    from classroom.asgi import application

    quiz = build_quiz(slug=f"fuzz-{Game.objects.count()}-{'-'.join(kinds)}", kinds=kinds)
    game = phases.game_create(quiz=quiz, host=teacher, setup=setup)
    for question in game.questions:
        question["time_limit_ms"] = time_limit_ms
    game.save(update_fields=["questions"])
    play = Play(
        game_id=game.pk,
        pin=game.pin,
        cookie=session_cookie(teacher),
        questions=game.questions,
        application=application,
        homework=setup is not None and setup.mode == SELF_PACED,
    )
    # Fresh per example: the in-memory layer and the budget belong to one event loop.
    channel_layers.backends.clear()
    monkeypatch.setattr(pins, "_unknown_pin_budget", KeyedBudget(limit=2, window_s=60))
    errors = _ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        async_to_sync(_scenario)(play, ops, prelude)
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.records, [r.getMessage() for r in errors.records]
    _check_stored_game(play)
    # No acknowledged answer is lost (stored before `answer_received`, in every mode).
    acknowledged = {
        (conn.player_id, frame["question_id"])
        for conn in play.conns
        for frame in conn.frames
        if frame["type"] == "answer_received"
    }
    stored = set(
        Answer.objects.filter(game_id=play.game_id).values_list("player_id", "question_id")
    )
    assert acknowledged <= stored, acknowledged - stored
    # Shown by --hypothesis-show-statistics: how far the examples get.
    game = Game.objects.get(pk=play.game_id)
    event(f"phase {game.phase}")
    event(f"answers stored: {min(Answer.objects.filter(game=game).count(), 3)}")
    codes = {f.get("code") for c in play.conns for f in c.frames if f["type"] == "error"}
    for code in sorted(codes):
        event(f"error {code}")
    return play


# --- homework, teams and reading time -------------------------------------------------

# A homework player's own moves: `next` (with anything beside its type), and answers to
# their own current question, well-formed or not.
paced_operations = st.one_of(
    operations,
    *[st.tuples(st.just("next"), slots, st.just({}))] * 4,
    st.tuples(st.just("next"), slots, host_args),
    *[
        st.tuples(
            st.just("answer"),
            slots,
            st.just("current"),
            st.sampled_from(["right", "wrong"]),
            st.none(),
        )
    ]
    * 3,
)
HOMEWORK_PRELUDE = [
    ("join", 0, "Ayesha"),
    ("join", 1, "Bilal"),
    ("next", 0, {}),
    ("next", 1, {}),
]
FUZZ_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    # No "explain" phase: it replays a failure hundreds of times (minutes here).
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@FUZZ_SETTINGS
@given(
    ops=st.lists(paced_operations, min_size=4, max_size=20),
    time_limit_ms=st.sampled_from([300, 20_000]),
    kinds=st.sampled_from([("choice", "true_false", "choice"), ("order", "year_guess", "choice")]),
    timer=st.booleans(),
)
def test_a_homework_game_under_random_frames_keeps_each_players_answers_to_themselves(
    teacher, monkeypatch, ops, time_limit_ms, kinds, timer
):
    """Homework: `next`, answers against each player's own question (right, wrong, to
    another's or a future question, twice), resumes on other sockets and with other
    players' tokens, host commands: no reveal reaches a phone before its own player
    answered that question or ran out of time, `progress` reaches the teacher only,
    and every total equals a replay of the player's stored answers."""
    setup = GameSetup(
        mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1), accuracy_only=not timer
    )
    play = _play(teacher, monkeypatch, ops, time_limit_ms, kinds, HOMEWORK_PRELUDE, setup)
    sent = sum(len(ids) for ids in play.paced_sent.values())
    event(f"homework questions sent: {min(sent, 4)}")


# A phone names a team on any frame, as a modified page would.
team_picks = st.tuples(
    st.just("player_raw"),
    slots,
    st.builds(
        lambda kind, team: json.dumps(
            {"type": kind, "nickname": "Zed", "token": "x", "team": team}
        ),
        st.sampled_from(["join", "resume", "answer", "sync", "ping"]),
        json_values,
    ),
)


@FUZZ_SETTINGS
@given(
    ops=st.lists(st.one_of(operations, team_picks), min_size=4, max_size=16),
    time_limit_ms=st.sampled_from([300, 20_000]),
    kinds=st.sampled_from([("choice", "true_false", "choice"), ("order", "year_guess", "choice")]),
)
def test_a_team_game_under_random_frames_keeps_the_protocol_and_its_teams(
    teacher, monkeypatch, ops, time_limit_ms, kinds
):
    """Teams: a `team` field on any frame changes nothing; every player who took part
    has a team the server dealt, and the live game's invariants all hold."""
    _play(teacher, monkeypatch, ops, time_limit_ms, kinds, PRELUDE, GameSetup(teams=2))


@FUZZ_SETTINGS
@given(
    ops=st.lists(operations, min_size=2, max_size=12),
    kinds=st.sampled_from([("choice", "true_false", "choice"), ("order", "year_guess", "choice")]),
)
def test_answers_during_reading_time_are_too_early_and_change_nothing(
    teacher, monkeypatch, ops, kinds
):
    """Reading time: every well-formed answer sent while its question is still being
    read gets `too_early` and stores nothing, whatever else arrives with it."""
    play = _play(teacher, monkeypatch, ops, 20_000, kinds, PRELUDE, GameSetup(reading_s=1))
    event(f"answers refused during reading: {min(play.early_checked, 1)}")


def test_the_checks_catch_what_they_are_meant_to():
    # Guards the guards: a checker that never fires would let the fuzz pass vacuously.
    conn = Conn(name="phone", comm=None)  # type: ignore[arg-type]
    leak = {"type": "question", "seq": 3, "question_id": 1, "correct_choice_ids": [2]}
    with pytest.raises(ProtocolViolation):
        _reveals(leak)
    nested = {"type": "state", "seq": 3, "question": {"choices": [{"id": 2, "correct": True}]}}
    with pytest.raises(ProtocolViolation):
        _reveals(nested)
    early_points = {"type": "answer_received", "seq": 3, "question_id": 1, "points": 900}
    with pytest.raises(ProtocolViolation):
        _reveals(early_points)
    reveal = {"type": "reveal", "seq": 4, "question_id": 1, "correct_choice_ids": [2]}
    assert _reveals(reveal) == [reveal]
    state = {"type": "state", "seq": 4, "reveal": {"question_id": 1, "correct": False}}
    assert _reveals(state) == [state["reveal"]]
    for bad in (
        [1],
        {"type": "surprise", "seq": 1},
        {"type": "pong", "ref": 1},
        {"type": "error", "seq": 1, "code": "oops", "message": "x"},
        {"type": "error", "seq": 1, "code": "bad_json", "message": ""},
    ):
        with pytest.raises(ProtocolViolation):
            _check_frame(conn, bad)
    _check_frame(conn, {"type": "error", "seq": 0, "code": "bad_json", "message": "Bad."})


def test_the_homework_reveal_check_catches_a_reveal_before_its_time(quiz, teacher):
    # Guards the homework guard: a reveal of a question the player was never sent, or
    # of their own question still open, fails the run; once their time ran out it does not.
    from classroom.services import homework
    from tests.classroom.helpers import player_join

    setup = GameSetup(mode=SELF_PACED, closes_at=timezone.now() + timedelta(days=1))
    game = phases.game_create(quiz=quiz, host=teacher, setup=setup)
    player, _ = player_join(game_id=game.pk, nickname="Ayesha")
    [question], _ = homework.player_next(player_id=player.pk)
    play = Play(
        game_id=game.pk, pin=game.pin, cookie=b"", questions=game.questions, application=None
    )
    play.homework = True
    conn = Conn(name="phone", comm=None, player_id=player.pk)  # type: ignore[arg-type]
    with pytest.raises(ProtocolViolation):
        _check_paced_reveal(play, conn, question["question_id"])
    _note_paced_question(play, conn, question)
    with pytest.raises(ProtocolViolation):
        _check_paced_reveal(play, conn, question["question_id"])
    Player.objects.filter(pk=player.pk).update(paced_deadline=timezone.now())
    _check_paced_reveal(play, conn, question["question_id"])
    with pytest.raises(ProtocolViolation):
        _check_paced_reveal(play, conn, game.questions[1]["id"])

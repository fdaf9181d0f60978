"""Real processes for the resilience tests: Daphne as the project runs it, a throwaway
SQLite database, the teacher's HTTP login, websocket clients speaking docs/protocol.md,
and the database read back with sqlite3 (never through the server under test).

Every wait is bounded; every process this module starts is killed by `stop()`, which
the tests call in `finally`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench.loadgen import host_login_and_start
from classroom.scoring import PlayerTotals, QuestionRules, RecordedAnswer, replay_scores
from classroom.serve import daphne_command, server_env

BASE_DIR = Path(__file__).resolve().parent.parent.parent
TEACHER = "teacher"
QUIZ_SLUG = "resilience-quiz"
START_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 10.0

# Run in the child's environment (its settings, its database): a teacher and a quiz of
# `choice` questions whose time limits come from argv (seconds, comma list).
_SETUP = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
from quizzes.models import Choice, Question, Quiz
user, _ = get_user_model().objects.get_or_create(username=sys.argv[1])
user.set_password(sys.argv[2])
user.save()
quiz = Quiz.objects.create(slug=sys.argv[3], title="Resilience quiz")
for position, limit in enumerate(int(s) for s in sys.argv[4].split(",")):
    question = Question.objects.create(
        quiz=quiz, slug=f"q{position}", position=position, kind="choice",
        prompt=f"Question {position}?", explanation=f"Because {position}.",
        time_limit_s=limit,
    )
    for at, text in enumerate(["Right", "Wrong A", "Wrong B"]):
        Choice.objects.create(question=question, position=at, text=text, is_correct=at == 0)
"""

# Migrating a fresh SQLite file takes seconds on a busy machine: done once per test
# run into a template that every test copies.
_template: Path | None = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(db_path: Path, *, redis_url: str | None = None) -> dict[str, str]:
    """The server's environment: this machine's, minus any database or Redis it names."""
    return server_env(database_url=f"sqlite:///{db_path}", redis_url=redis_url or "")


def _run(env: dict[str, str], *args: str) -> None:
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]


def _migrated_template(env: dict[str, str]) -> Path:
    global _template
    if _template is None:
        directory = Path(tempfile.mkdtemp(prefix="resilience-db-"))
        atexit.register(shutil.rmtree, directory, True)
        path = directory / "template.sqlite3"
        _run({**env, "DATABASE_URL": f"sqlite:///{path}"}, "manage.py", "migrate", "--noinput")
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _template = path
    return _template


def prepare_database(env: dict[str, str], password: str, time_limits_s: list[int]) -> None:
    """A migrated database at env's DATABASE_URL with the teacher and the quiz."""
    db_path = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    shutil.copyfile(_migrated_template(env), db_path)
    limits = ",".join(str(s) for s in time_limits_s)
    _run(env, "-c", _SETUP, TEACHER, password, QUIZ_SLUG, limits)


class Server:
    """One Daphne process on `port`, started with the project's own command line."""

    def __init__(self, *, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        assert self.process is None or self.process.poll() is not None
        with self.log.open("ab") as out:
            out.write(f"\n--- start {datetime.now(UTC).isoformat()} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                daphne_command(host="127.0.0.1", port=self.port),
                cwd=BASE_DIR,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise AssertionError(f"daphne exited with {code}:\n{self.tail()}")
            with socket.socket() as probe:
                probe.settimeout(0.5)
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            await asyncio.sleep(0.1)
        raise AssertionError(f"daphne did not listen on {self.port} in time:\n{self.tail()}")

    def signal(self, signum: int, *, timeout: float = 20.0) -> int:
        """Send `signum` and wait for the process to end; its return code."""
        assert self.process is not None
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
            raise AssertionError(f"daphne ignored signal {signum} for {timeout}s") from None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def tail(self, lines: int = 40) -> str:
        if not self.log.is_file():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


# --- websocket clients -------------------------------------------------------------


# Frames that are not broadcasts: their seq never opens a gap (docs/protocol.md, Part 2).
NOT_BROADCASTS = frozenset({"state", "lobby", "joined", "error", "pong", "answer_received"})


class Client:
    """A websocket that records every frame; waits are bounded and say what they saw.

    Like the pages, it keeps the last `seq` and answers a gap with `sync` (and counts it).
    """

    def __init__(self, ws: ClientConnection, name: str) -> None:
        self.ws = ws
        self.name = name
        self.frames: list[dict[str, Any]] = []
        self.last_seq: int | None = None
        self.gaps = 0
        self.read_at = 0
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.arrived = asyncio.Event()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for text in self.ws:
                frame = json.loads(text)
                frame["_at"] = time.time()
                self.frames.append(frame)
                self.arrived.set()
                await self._track_seq(frame)
        except ConnectionClosed:
            pass
        finally:
            if not self.closed.done():
                self.closed.set_result(self.ws.close_code)
            self.arrived.set()

    async def _track_seq(self, frame: dict[str, Any]) -> None:
        seq = frame.get("seq")
        if not isinstance(seq, int):
            return
        if frame["type"] in ("state", "joined", "lobby"):
            self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)
        elif frame["type"] not in NOT_BROADCASTS:
            if self.last_seq is not None and seq > self.last_seq + 1:
                self.gaps += 1
                await self.ws.send(json.dumps({"type": "sync"}))
            self.last_seq = seq if self.last_seq is None else max(self.last_seq, seq)

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def next_matching(
        self, match: Callable[[dict[str, Any]], bool], *, timeout: float = FRAME_TIMEOUT_S
    ) -> dict[str, Any]:
        """The first frame not read yet that `match`es (earlier ones are skipped)."""
        end = time.monotonic() + timeout
        while True:
            while self.read_at < len(self.frames):
                frame = self.frames[self.read_at]
                self.read_at += 1
                if match(frame):
                    return frame
            left = end - time.monotonic()
            if left <= 0 or self.closed.done():
                seen = [f.get("type") for f in self.frames[-10:]]
                raise AssertionError(
                    f"{self.name}: no matching frame in {timeout}s (closed="
                    f"{self.closed.done()}, last frames {seen})"
                )
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), left)

    async def until(self, kind: str, *, timeout: float = FRAME_TIMEOUT_S) -> dict[str, Any]:
        return await self.next_matching(lambda f: f.get("type") == kind, timeout=timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 3)
        self.reader.cancel()
        with contextlib.suppress(BaseException):
            await self.reader


async def open_socket(base_url: str, path: str, name: str, cookie: str | None = None) -> Client:
    ws = await connect(
        base_url.replace("http://", "ws://") + path,
        origin=base_url,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie} if cookie else None,
        open_timeout=FRAME_TIMEOUT_S,
        close_timeout=2,
        ping_interval=None,
        proxy=None,
    )
    return Client(ws, name)


@dataclass
class Teacher:
    pin: str
    cookie: str

    async def connect(self, server: Server) -> Client:
        host = await open_socket(server.base_url, f"/ws/host/{self.pin}/", "host", self.cookie)
        await host.until("lobby")
        await host.until("state")
        return host


async def launch_game(server: Server, password: str) -> Teacher:
    """Log in with the CSRF flow and POST /host/start/, as a teacher does."""
    pin, cookies = await asyncio.to_thread(
        host_login_and_start,
        base_url=server.base_url,
        username=TEACHER,
        password=password,
        quiz=QUIZ_SLUG,
    )
    return Teacher(pin=pin, cookie="; ".join(f"{k}={v}" for k, v in cookies.items()))


@dataclass
class Phone:
    nickname: str
    player_id: int = 0
    token: str = ""
    client: Client | None = None
    # (question_id, choice_id) of every answer the server acknowledged (or said was
    # already stored): exactly these must be rows in the database.
    stored: dict[int, int] = field(default_factory=dict)

    @property
    def ws(self) -> Client:
        assert self.client is not None
        return self.client

    async def join(self, server: Server, pin: str) -> dict[str, Any]:
        self.client = await open_socket(server.base_url, f"/ws/play/{pin}/", self.nickname)
        await self.ws.send({"type": "join", "nickname": self.nickname})
        joined = await self.ws.until("joined")
        self.player_id = joined["player"]["id"]
        self.token = joined["token"]
        return joined

    async def resume(self, server: Server, pin: str) -> dict[str, Any]:
        self.client = await open_socket(server.base_url, f"/ws/play/{pin}/", self.nickname)
        await self.ws.send({"type": "resume", "token": self.token})
        return await self.ws.next_matching(lambda f: f.get("type") in ("joined", "error"))

    async def answer(self, question_id: int, choice_id: int) -> dict[str, Any]:
        """Send an answer and wait for its acknowledgement or its error."""
        await self.ws.send({"type": "answer", "question_id": question_id, "choice_id": choice_id})
        reply = await self.ws.next_matching(lambda f: f.get("type") in ("answer_received", "error"))
        if reply["type"] == "answer_received" or reply.get("code") == "already_answered":
            self.stored[question_id] = choice_id
        return reply


async def close_all(*clients: Client | None) -> None:
    await asyncio.gather(*(c.close() for c in clients if c is not None))


def right_choice(question: dict[str, Any]) -> int:
    # Found by its text: the server shows choices in its own order, under its own ids.
    return next(c["id"] for c in question["choices"] if c["text"] == "Right")


def wrong_choice(question: dict[str, Any]) -> int:
    return next(c["id"] for c in question["choices"] if c["text"] == "Wrong A")


# --- the database, read directly ---------------------------------------------------


class Database:
    """Reads the server's SQLite file (WAL mode: readers never block its writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(self.path, timeout=20)) as conn:
            return conn.execute(sql, args).fetchall()

    def game(self, pin: str) -> dict[str, Any]:
        ((game_id, phase, index, questions, deadline, options),) = self._query(
            "SELECT id, phase, question_index, questions, question_deadline, options "
            "FROM classroom_game WHERE pin = ? ORDER BY id DESC LIMIT 1",
            pin,
        )
        return {
            "id": game_id,
            "phase": phase,
            "question_index": index,
            "questions": json.loads(questions),
            "deadline": _parse_time(deadline) if deadline else None,
            "options": json.loads(options or "{}"),
        }

    def players(self, game_id: int) -> dict[int, dict[str, Any]]:
        rows = self._query(
            "SELECT id, nickname, score, streak, correct_count, extra_time_s "
            "FROM classroom_player WHERE game_id = ?",
            game_id,
        )
        keys = ("id", "nickname", "score", "streak", "correct_count", "extra_time_s")
        return {row[0]: dict(zip(keys, row, strict=True)) for row in rows}

    def answers(self, game_id: int) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT player_id, question_index, question_id, choice_id, elapsed_ms, points "
            "FROM classroom_answer WHERE game_id = ? ORDER BY id",
            game_id,
        )
        keys = ("player_id", "question_index", "question_id", "choice_id", "elapsed_ms", "points")
        return [dict(zip(keys, row, strict=True)) for row in rows]


def _parse_time(text: str) -> float:
    """A Django SQLite datetime (naive UTC text) as epoch seconds."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def recomputed_totals(db: Database, pin: str) -> dict[int, PlayerTotals]:
    """Every player's totals replayed from the stored answers of the closed questions."""
    game = db.game(pin)
    closed = game["question_index"] + (0 if game["phase"] == "question" else 1)
    questions = game["questions"][:closed]
    players = db.players(game["id"])
    rules = [
        QuestionRules(
            kind=q["kind"],
            correct_choice_ids=tuple(q["correct_choice_ids"]),
            time_limit_ms=q["time_limit_ms"],
            correct_year=q.get("answer_year"),
            multiplier=q.get("points_multiplier", 1),
        )
        for q in questions
    ]
    recorded = [
        RecordedAnswer(
            player_id=a["player_id"],
            question_index=a["question_index"],
            answer=a["choice_id"],
            elapsed_ms=a["elapsed_ms"],
            time_limit_ms=questions[a["question_index"]]["time_limit_ms"]
            + 1000 * players[a["player_id"]]["extra_time_s"],
        )
        for a in db.answers(game["id"])
        if a["question_index"] < closed
    ]
    return replay_scores(
        questions=rules,
        answers=recorded,
        player_ids=list(players),
        accuracy_only=bool(game["options"].get("accuracy_only")),
    )


def assert_scores_are_recomputed(db: Database, pin: str) -> None:
    game = db.game(pin)
    totals = recomputed_totals(db, pin)
    for player_id, player in db.players(game["id"]).items():
        total = totals[player_id]
        assert (player["score"], player["streak"], player["correct_count"]) == (
            total.score,
            total.streak,
            total.correct_count,
        ), f"player {player['nickname']} differs from the recomputation"


def assert_exactly_the_acknowledged_answers(db: Database, pin: str, phones: list[Phone]) -> None:
    """Every acknowledged answer is one row with its choice, and no row is unaccounted for."""
    game = db.game(pin)
    rows = db.answers(game["id"])
    stored = sorted((r["player_id"], r["question_id"], r["choice_id"]) for r in rows)
    expected = sorted(
        (phone.player_id, question_id, choice_id)
        for phone in phones
        for question_id, choice_id in phone.stored.items()
    )
    assert stored == expected


SIGNALS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM}


def reached(kind: str, question_id: int | None = None) -> Callable[[dict[str, Any]], bool]:
    """Matches the `kind` broadcast (question, reveal, finished) or a snapshot in that
    phase: what a client that lost the broadcast and synced on the gap redraws from."""

    def match(frame: dict[str, Any]) -> bool:
        if frame.get("type") == kind:
            return question_id is None or frame.get("question_id") == question_id
        state = frame.get("state") if frame.get("type") == "joined" else frame
        if state.get("type") not in ("state", "joined") or state.get("phase") != kind:
            return False
        if question_id is None:
            return True
        shown = state.get("question") or state.get("reveal") or {}
        return shown.get("question_id") == question_id

    return match

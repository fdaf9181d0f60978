"""Load generator: one teacher and N phones playing a live game, as in docs/protocol.md.

The host logs in over HTTP (Django's LoginView, CSRF), launches the quiz with
`POST /host/start/`, opens `/ws/host/<PIN>/` with its session cookie and drives the
game: `start`, then for each question waits for the `reveal` (the server closes a
question once every connected phone has answered) and sends `next`. N phones connect
to `/ws/play/<PIN>/` at a set rate (a join storm is a high rate), spread round-robin
over several server URLs when there are several processes, `join`, and answer every
question after a random delay within a window.

Measured, all on this process's monotonic clock (the host's send and the phones'
receipts happen in the same process, so no clock skew):

- fan-out latency: host's `start`/`next` sent -> each phone's `question` received;
- ack latency: a phone's `answer` sent -> its `answer_received`;
- join latency, refused joins (connect failure, HTTP refusal, `error` or close
  instead of `joined`), frames delivered against expected, `seq` gaps.

Client keepalive and compression are off (the server's own pings are still answered),
as the measurement method asks: a saturated client loop must not time out its own
sockets. The same code drives `bench.floor` (`floor=True`: no login, any PIN).

    python -m bench.loadgen --server http://127.0.0.1:8000 --username teacher \
        --password secret --players 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import http.client
import json
import random
import re
import sys
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame, Opcode

from bench.stats import Summary, summarise

DEFAULT_QUIZ = "pakistan-ussr-1947-1988"
# Frames that are not broadcasts: snapshots carry the seq of the state they describe
# and replies the seq of the socket's last broadcast (docs/protocol.md part 2), so
# neither can open a gap; every other frame is a broadcast and must be last_seq + 1.
NOT_BROADCASTS = frozenset({"state", "lobby", "joined", "error", "pong", "answer_received"})
MAX_ANSWER_RETRIES = 3

Hook = Callable[[], Awaitable[None]]


class LoadError(Exception):
    """The run could not go on (login refused, game not started, host socket lost)."""


@dataclass
class LoadConfig:
    servers: list[str]
    players: int
    questions: int = 0
    join_rate: float = 200.0
    answer_window_s: float = 1.0
    gap_s: float = 2.0
    quiz: str = DEFAULT_QUIZ
    username: str = ""
    password: str = ""
    floor: bool = False
    connect_timeout_s: float = 30.0
    reveal_timeout_s: float = 30.0
    sync_on_gap: bool = True
    seed: int = 1
    nickname_prefix: str = "Bench"
    # Pause between the last join and `start`, so join bookkeeping still queued in the
    # server shows up (or not) in the first question's latency.
    settle_s: float = 1.0
    # Many classes at once: `games` games of `players` phones each, played side by side
    # in this one client loop (`join_rate` is then the rate over all games). Each game
    # sends its first `start` after its own offset within `stagger_s` (after the
    # settle), and with `pace_jitter` > 0 its answer window, and every gap it waits
    # before `next`, are the configured values times a factor within 1 ± pace_jitter,
    # so no two classes move in step. Offsets and factors come from the seed alone, so
    # the floor and the server get the same schedule.
    games: int = 1
    stagger_s: float = 0.0
    pace_jitter: float = 0.0

    def __post_init__(self) -> None:
        if not self.servers:
            raise ValueError("at least one server URL is needed")
        for url in self.servers:
            parts = urlsplit(url)
            if parts.scheme != "http" or not parts.hostname or not parts.port:
                raise ValueError(f"server URL must look like http://127.0.0.1:8000, got {url!r}")
        if self.players < 1:
            raise ValueError("players must be at least 1")
        if self.questions < 0:
            raise ValueError("questions must be 0 (all) or more")
        if self.join_rate <= 0 or self.answer_window_s < 0 or self.gap_s < 0:
            raise ValueError("join_rate must be positive; answer_window_s and gap_s not negative")
        if not self.floor and not (self.username and self.password):
            raise ValueError("username and password of a teacher are needed (or floor=True)")
        if self.games < 1:
            raise ValueError("games must be at least 1")
        if self.stagger_s < 0 or not 0 <= self.pace_jitter < 1:
            raise ValueError("stagger_s must not be negative; pace_jitter must be within [0, 1)")


@dataclass
class RoundResult:
    index: int
    question_id: int | None
    sent_at: float
    latencies: list[float]
    expected: int
    # Command sent -> the projector's own `question`: the server's handling of the
    # command before (or while) it fans out; the phones' latencies minus this is the
    # fan-out proper.
    host_latency: float | None = None
    reveals: int = 0
    # Which game of a many-games run (0 in a one-game run).
    game: int = 0

    @property
    def delivered(self) -> int:
        return len(self.latencies)

    def summary(self) -> Summary:
        return summarise(self.latencies)


@dataclass
class LoadResult:
    pin: str
    players: int
    joined: int = 0
    refused: Counter = field(default_factory=Counter)
    refusal_details: Counter = field(default_factory=Counter)
    join_latencies: list[float] = field(default_factory=list)
    join_duration_s: float = 0.0
    rounds: list[RoundResult] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)
    # (question_id, answer sent at, ack read at), to see which answers wait.
    ack_samples: list[tuple[Any, float, float]] = field(default_factory=list)
    answers_sent: int = 0
    answers_acked: int = 0
    answer_errors: Counter = field(default_factory=Counter)
    try_again: int = 0
    finished: int = 0
    player_seq_gaps: int = 0
    player_stale: int = 0
    host_seq_gaps: int = 0
    # Broadcast seqs the projector never received at all, even late (a gap is only a
    # frame out of order; a missing seq is a frame lost).
    host_frames_missing: int = 0
    syncs: int = 0
    disconnects: Counter = field(default_factory=Counter)
    player_frames: Counter = field(default_factory=Counter)
    host_frames: Counter = field(default_factory=Counter)
    host_errors: list[dict[str, Any]] = field(default_factory=list)
    player_errors: Counter = field(default_factory=Counter)
    failure: str = ""

    @property
    def fanout_latencies(self) -> list[float]:
        return [latency for r in self.rounds for latency in r.latencies]

    @property
    def questions_delivered(self) -> int:
        return sum(r.delivered for r in self.rounds)

    @property
    def questions_expected(self) -> int:
        return sum(r.expected for r in self.rounds)

    def ack_split(self, question_id: Any, last_fraction: float = 0.02) -> dict[str, str]:
        """Ack p99 of one question's answers, and separately of the last ones sent.

        When the last answer closes the question, the server may acknowledge the
        final batch only after scoring everyone: this shows whether the ack tail is
        those answers or all of them.
        """
        samples = sorted(
            (sent, acked - sent) for qid, sent, acked in self.ack_samples if qid == question_id
        )
        cut = len(samples) - max(1, round(len(samples) * last_fraction)) if samples else 0
        early = [latency for _, latency in samples[:cut]]
        late = [latency for _, latency in samples[cut:]]
        return {
            "ack_p99_ms": summarise([latency for _, latency in samples]).ms("p99"),
            "ack_p99_first_98pc_ms": summarise(early).ms("p99"),
            "ack_p50_last_2pc_ms": summarise(late).ms("p50"),
        }

    def as_dict(self) -> dict[str, Any]:
        fan = summarise(self.fanout_latencies)
        ack = summarise(self.ack_latencies)
        join = summarise(self.join_latencies)
        return {
            "pin": self.pin,
            "players": self.players,
            "joined": self.joined,
            "refused": dict(self.refused),
            "refusal_details": dict(self.refusal_details),
            "join_duration_s": round(self.join_duration_s, 3),
            "join_ms": {"p50": join.ms("p50"), "p99": join.ms("p99"), "max": join.ms("max")},
            "fanout_ms": {"p50": fan.ms("p50"), "p99": fan.ms("p99"), "max": fan.ms("max")},
            "rounds": [
                {
                    "game": r.game,
                    "index": r.index,
                    "delivered": r.delivered,
                    "expected": r.expected,
                    "reveals": r.reveals,
                    "p50_ms": r.summary().ms("p50"),
                    "p99_ms": r.summary().ms("p99"),
                    "host_ms": None if r.host_latency is None else round(1000 * r.host_latency),
                    **self.ack_split(r.question_id),
                }
                for r in self.rounds
            ],
            "ack_ms": {"p50": ack.ms("p50"), "p99": ack.ms("p99"), "max": ack.ms("max")},
            "answers_sent": self.answers_sent,
            "answers_acked": self.answers_acked,
            "answer_errors": dict(self.answer_errors),
            "try_again": self.try_again,
            "finished": self.finished,
            "player_seq_gaps": self.player_seq_gaps,
            "player_stale": self.player_stale,
            "host_seq_gaps": self.host_seq_gaps,
            "host_frames_missing": self.host_frames_missing,
            "syncs": self.syncs,
            "disconnects": dict(self.disconnects),
            "player_frames": dict(self.player_frames),
            "host_frames": dict(self.host_frames),
            "host_errors": self.host_errors,
            "player_errors": dict(self.player_errors),
            "failure": self.failure,
        }


def merge_results(results: list[LoadResult]) -> LoadResult:
    """Several games' results as one: every sample pooled, every count added.

    Percentiles of the merged result are over every (phone, question) pair of every
    game. A round keeps its game number, and its question id becomes "game:id" (in the
    rounds and the ack samples alike), so per-round figures never mix two games that
    play the same question.
    """
    if len(results) == 1:
        return results[0]
    merged = LoadResult(pin=",".join(r.pin for r in results), players=0)
    counters = (
        "refused", "refusal_details", "answer_errors", "disconnects", "player_frames",
        "host_frames", "player_errors",
    )  # fmt: skip
    numbers = (
        "players", "joined", "answers_sent", "answers_acked", "try_again", "finished",
        "player_seq_gaps", "player_stale", "host_seq_gaps", "host_frames_missing", "syncs",
    )  # fmt: skip
    for game, result in enumerate(results):
        for name in counters:
            getattr(merged, name).update(getattr(result, name))
        for name in numbers:
            setattr(merged, name, getattr(merged, name) + getattr(result, name))
        merged.join_latencies += result.join_latencies
        merged.join_duration_s = max(merged.join_duration_s, result.join_duration_s)
        merged.ack_latencies += result.ack_latencies
        merged.ack_samples += [
            (f"{game}:{qid}", sent, acked) for qid, sent, acked in result.ack_samples
        ]
        merged.rounds += [
            dataclasses.replace(r, game=game, question_id=f"{game}:{r.question_id}")
            for r in result.rounds
        ]
        merged.host_errors += result.host_errors
        if result.failure:
            merged.failure += f"{'; ' if merged.failure else ''}game {result.pin}: {result.failure}"
    return merged


# --- HTTP: the teacher's login and the game launch --------------------------------


class _HttpSession:
    """A tiny cookie-keeping HTTP client for one server (stdlib only)."""

    def __init__(self, base_url: str, *, timeout: float = 15.0) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.origin = f"http://{self.host}:{self.port}"
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            headers = {"Origin": self.origin, "Referer": f"{self.origin}{path}"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if form is not None:
                body = urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                if "csrftoken" in self.cookies:
                    headers["X-CSRFToken"] = self.cookies["csrftoken"]
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            conn.close()


def host_login_and_start(
    *, base_url: str, username: str, password: str, quiz: str
) -> tuple[str, dict[str, str]]:
    """Log the teacher in and launch `quiz`; return (PIN, session cookies).

    Blocking (stdlib http.client): call it with asyncio.to_thread from async code.
    """
    pins, cookies = host_login_and_start_games(
        base_url=base_url, username=username, password=password, quiz=quiz, games=1
    )
    return pins[0], cookies


def host_login_and_start_games(
    *, base_url: str, username: str, password: str, quiz: str, games: int
) -> tuple[list[str], dict[str, str]]:
    """Log the teacher in once and launch `quiz` `games` times; return (PINs, cookies).

    One login for every game: a login is a deliberately slow password hash, which
    would otherwise be counted as server CPU per game. Every game is hosted by the
    same teacher, whose session then opens each game's projector socket.
    Blocking (stdlib http.client): call it with asyncio.to_thread from async code.
    """
    session = _HttpSession(base_url)
    status, _, page = session.request("GET", "/accounts/login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or match is None:
        raise LoadError(f"GET /accounts/login/ answered {status} without a CSRF form")
    status, headers, _ = session.request(
        "POST",
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
    )
    if status != 302 or "sessionid" not in session.cookies:
        raise LoadError(f"login as {username!r} refused (HTTP {status})")
    pins = []
    for _ in range(games):
        status, headers, body = session.request(
            "POST",
            "/host/start/",
            {"quiz": quiz, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
        )
        location = headers.get("location", "")
        pin = re.search(r"/host/(\d{6})/", location)
        if status != 302 or pin is None:
            raise LoadError(
                f"POST /host/start/ quiz={quiz!r} answered {status} {location!r}: {body[:200]!r}"
            )
        pins.append(pin.group(1))
    return pins, dict(session.cookies)


class StampedConnection(ClientConnection):
    """A client connection that notes when each message's bytes were read.

    The stamp is taken as the frame is parsed in `data_received`, before the reading
    task is woken: with 1,000 sockets in one client loop, the wake-up order would
    otherwise add the generator's own scheduling delay to the server's latency. One
    stamp per complete (unfragmented) data frame, popped once per message read.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stamps: deque[float] = deque()

    def process_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.fin and event.opcode in _DATA_OPCODES:
            self.stamps.append(time.perf_counter())
        super().process_event(event)

    def stamp(self) -> float:
        """The read time of the message just received (now, if none was noted)."""
        return self.stamps.popleft() if self.stamps else time.perf_counter()


_DATA_OPCODES = frozenset({Opcode.TEXT, Opcode.BINARY, Opcode.CONT})


def _ws_url(base_url: str, path: str) -> tuple[str, str]:
    parts = urlsplit(base_url)
    return f"ws://{parts.hostname}:{parts.port}{path}", f"http://{parts.hostname}:{parts.port}"


def _connect(
    url: str, origin: str, timeout: float, cookie: str | None = None, *, stamped: bool = False
) -> Any:
    return connect(
        url,
        create_connection=StampedConnection if stamped else None,
        origin=origin,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie} if cookie else None,
        compression=None,
        ping_interval=None,
        open_timeout=timeout,
        close_timeout=2,
        max_size=1 << 20,
        max_queue=None,
        proxy=None,
        user_agent_header="bench.loadgen",
    )


# --- the host ----------------------------------------------------------------------


class _Host:
    def missing_broadcasts(self) -> int:
        """Seqs after the first snapshot that never arrived as a broadcast."""
        if self.snapshot_seq is None or not self.broadcast_seqs:
            return 0
        expected = range(self.snapshot_seq + 1, max(self.broadcast_seqs) + 1)
        return sum(1 for seq in expected if seq not in self.broadcast_seqs)

    def __init__(self, ws: StampedConnection, result: LoadResult) -> None:
        self.ws = ws
        self.result = result
        self.frames: list[dict[str, Any]] = []
        self.snapshot_seq: int | None = None
        self.broadcast_seqs: set[int] = set()
        self.changed = asyncio.Event()
        self.last_seq: int | None = None
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = json.loads(raw)
                # Not part of the protocol: when this harness read the frame.
                frame["_received_at"] = self.ws.stamp()
                kind = frame.get("type")
                self.result.host_frames[kind] += 1
                seq = frame.get("seq")
                if isinstance(seq, int):
                    gap = self.last_seq is not None and seq > self.last_seq + 1
                    if kind not in NOT_BROADCASTS and gap:
                        self.result.host_seq_gaps += 1
                    if kind not in NOT_BROADCASTS:
                        self.broadcast_seqs.add(seq)
                    elif kind in ("lobby", "state") and self.snapshot_seq is None:
                        self.snapshot_seq = seq
                    if self.last_seq is None or seq > self.last_seq:
                        self.last_seq = seq
                if kind == "error":
                    self.result.host_errors.append(frame)
                self.frames.append(frame)
                self.changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.changed.set()

    async def send(self, frame: dict[str, Any]) -> float:
        sent_at = time.perf_counter()
        await self.ws.send(json.dumps(frame))
        return sent_at

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], *, start: int, timeout: float
    ) -> dict[str, Any] | None:
        """The first frame from index `start` on that matches, or None after `timeout`."""
        deadline = time.perf_counter() + timeout
        position = start
        while True:
            while position < len(self.frames):
                frame = self.frames[position]
                position += 1
                if predicate(frame):
                    return frame
            if self.reader.done():
                raise LoadError(f"host socket closed (errors: {self.result.host_errors[-3:]})")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                return None


# --- the phones --------------------------------------------------------------------


@dataclass
class _Shared:
    config: LoadConfig
    result: LoadResult
    rng: random.Random
    # Receipt time of each question (by index) per phone, collected for the rounds.
    question_receipts: dict[int, list[float]] = field(default_factory=dict)
    reveal_counts: Counter = field(default_factory=Counter)
    sockets: list[ClientConnection] = field(default_factory=list)
    tasks: set[asyncio.Task] = field(default_factory=set)
    all_finished: asyncio.Event = field(default_factory=asyncio.Event)
    # This game's own pace (gaps before `next`), apart from `rng`, whose draws depend
    # on the frames received: the floor and the server then get the same gaps.
    pace: random.Random = field(default_factory=random.Random)

    def next_gap(self) -> float:
        jitter = self.config.pace_jitter
        if not jitter:
            return self.config.gap_s
        return self.config.gap_s * self.pace.uniform(1 - jitter, 1 + jitter)


def _answer_frame(question: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": "answer", "question_id": question.get("question_id")}
    kind = question.get("kind", "choice")
    choice_ids = [c["id"] for c in question.get("choices") or []]
    if kind == "order":
        rng.shuffle(choice_ids)
        frame["choice_ids"] = choice_ids
    elif kind == "year_guess":
        low = int(question.get("year_min", 1947))
        high = int(question.get("year_max", low))
        frame["year"] = rng.randint(low, max(low, high))
    else:
        frame["choice_id"] = rng.choice(choice_ids) if choice_ids else None
    return frame


class _Phone:
    def __init__(self, number: int, base_url: str, pin: str, shared: _Shared) -> None:
        self.number = number
        self.base_url = base_url
        self.pin = pin
        self.shared = shared
        self.ws: StampedConnection | None = None
        self.last_seq: int | None = None
        self.pending: dict[Any, tuple[float, dict[str, Any], int]] = {}

    async def join(self, joined: asyncio.Future) -> None:
        """Connect and join; settle `joined` with True/False; then play until the end."""
        shared = self.shared
        result = shared.result
        url, origin = _ws_url(self.base_url, f"/ws/play/{self.pin}/")
        started = time.perf_counter()
        try:
            ws = await _connect(url, origin, shared.config.connect_timeout_s, stamped=True)
        except InvalidStatus as exc:
            result.refused[f"http_{exc.response.status_code}"] += 1
            joined.set_result(False)
            return
        except (OSError, TimeoutError) as exc:
            result.refused[f"connect_{type(exc).__name__}"] += 1
            joined.set_result(False)
            return
        except Exception as exc:  # handshake failures of every other kind
            result.refused[f"handshake_{type(exc).__name__}"] += 1
            cause = exc.__cause__ or exc.__context__
            detail = f"{type(exc).__name__}: {exc}"
            if cause is not None:
                detail += f" ({type(cause).__name__}: {cause})"
            result.refusal_details[detail[:160]] += 1
            joined.set_result(False)
            return
        self.ws = ws
        shared.sockets.append(ws)
        nickname = f"{shared.config.nickname_prefix} {self.number:05d}"
        try:
            await ws.send(json.dumps({"type": "join", "nickname": nickname}))
            raw = await asyncio.wait_for(ws.recv(), shared.config.connect_timeout_s)
            received_at = ws.stamp()
        except (ConnectionClosed, TimeoutError) as exc:
            code = getattr(getattr(exc, "rcvd", None), "code", None)
            result.refused[f"closed_{code}" if code else "no_reply"] += 1
            joined.set_result(False)
            return
        frame = json.loads(raw)
        if frame.get("type") != "joined":
            result.refused[f"{frame.get('type')}_{frame.get('code', '')}"] += 1
            joined.set_result(False)
            await ws.close()
            return
        result.join_latencies.append(received_at - started)
        result.player_frames["joined"] += 1
        state = frame.get("state") or {}
        seq = frame.get("seq", state.get("seq"))
        self.last_seq = seq if isinstance(seq, int) else None
        joined.set_result(True)
        await self._play(ws)

    async def _play(self, ws: StampedConnection) -> None:
        shared = self.shared
        result = shared.result
        try:
            async for raw in ws:
                now = ws.stamp()
                frame = json.loads(raw)
                kind = frame.get("type")
                result.player_frames[kind] += 1
                if kind not in NOT_BROADCASTS:
                    seq = frame.get("seq")
                    if isinstance(seq, int) and self.last_seq is not None:
                        if seq <= self.last_seq:
                            result.player_stale += 1
                        elif seq > self.last_seq + 1:
                            result.player_seq_gaps += 1
                            if shared.config.sync_on_gap:
                                result.syncs += 1
                                await ws.send('{"type":"sync"}')
                    if isinstance(seq, int):
                        self.last_seq = max(seq, self.last_seq or seq)
                if kind == "question":
                    shared.question_receipts.setdefault(int(frame["index"]), []).append(now)
                    self._schedule_answer(frame)
                elif kind == "answer_received":
                    pending = self.pending.pop(frame.get("question_id"), None)
                    if pending is not None:
                        result.ack_latencies.append(now - pending[0])
                        result.ack_samples.append((frame.get("question_id"), pending[0], now))
                        result.answers_acked += 1
                elif kind == "reveal":
                    shared.reveal_counts[frame.get("question_id")] += 1
                elif kind == "state":
                    seq = frame.get("seq")
                    if isinstance(seq, int):
                        self.last_seq = seq
                elif kind == "error":
                    await self._on_error(ws, frame)
                elif kind == "finished":
                    result.finished += 1
                    if result.finished >= result.joined:
                        shared.all_finished.set()
                    break
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else None
            result.disconnects[f"closed_{code}"] += 1

    async def _on_error(self, ws: ClientConnection, frame: dict[str, Any]) -> None:
        result = self.shared.result
        code = frame.get("code", "")
        result.player_errors[code] += 1
        if code == "try_again" and self.pending:
            # Nothing was stored: send the same answer again, as the phone page does.
            question_id, (sent_at, answer, tries) = next(iter(self.pending.items()))
            if tries < MAX_ANSWER_RETRIES:
                result.try_again += 1
                self.pending[question_id] = (sent_at, answer, tries + 1)
                await ws.send(json.dumps(answer))
                return
        if code in {"question_closed", "already_answered", "unknown_choice", "try_again"}:
            result.answer_errors[code] += 1
            self.pending.clear()

    def _schedule_answer(self, question: dict[str, Any]) -> None:
        shared = self.shared
        delay = shared.rng.uniform(0.0, shared.config.answer_window_s)
        answer = _answer_frame(question, shared.rng)
        task = asyncio.create_task(self._answer_later(delay, answer))
        shared.tasks.add(task)
        task.add_done_callback(shared.tasks.discard)

    async def _answer_later(self, delay: float, answer: dict[str, Any]) -> None:
        await asyncio.sleep(delay)
        if self.ws is None:
            return
        self.pending[answer["question_id"]] = (time.perf_counter(), answer, 0)
        self.shared.result.answers_sent += 1
        try:
            await self.ws.send(json.dumps(answer))
        except ConnectionClosed:
            self.pending.pop(answer["question_id"], None)


# --- the run -----------------------------------------------------------------------


@dataclass
class GamePace:
    """When a game starts and how its phones answer: the same in the floor and server."""

    start_offset_s: float
    answer_window_s: float
    gaps: random.Random


def game_pace(config: LoadConfig, number: int) -> GamePace:
    """Game `number`'s offset within `stagger_s` and its own answer window.

    Drawn from the seed and the game's number alone. With no stagger and no jitter
    (one game, as every run before `--games`) the offset is 0 and the window is
    `answer_window_s` exactly.
    """
    pace = random.Random(f"{config.seed}/pace/{number}")
    offset = pace.uniform(0.0, config.stagger_s)
    factor = pace.uniform(1 - config.pace_jitter, 1 + config.pace_jitter)
    return GamePace(offset, config.answer_window_s * factor, pace)


@dataclass
class _Game:
    """One game of a run: its PIN, its projector, its phones' shared state, its pace."""

    number: int
    pin: str
    base_url: str
    shared: _Shared
    start_offset_s: float
    host: _Host | None = None

    @property
    def result(self) -> LoadResult:
        return self.shared.result


async def run_load(
    config: LoadConfig,
    *,
    on_ready: Hook | None = None,
    on_all_joined: Hook | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> LoadResult:
    """Play one game with `config.players` phones; return what was measured.

    `on_ready` runs once the host is connected, before any phone; `on_all_joined` once
    every phone has joined or failed (the harness samples server memory in both). With
    `config.games` > 1, every game's result merged into one (`merge_results`).
    """
    results = await run_games(config, on_ready=on_ready, on_all_joined=on_all_joined, log=log)
    return merge_results(results)


async def run_games(
    config: LoadConfig,
    *,
    on_ready: Hook | None = None,
    on_all_joined: Hook | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> list[LoadResult]:
    """Play `config.games` games of `config.players` phones at once; a result per game.

    Every projector connects first (`on_ready` then runs, before any phone); the
    phones of all games join interleaved at `config.join_rate` in all (`on_all_joined`
    runs once every phone has joined or failed); after the settle each game plays on
    its own schedule (`game_pace`), all in this one event loop.
    """
    primary = config.servers[0]
    cookie = None
    if config.floor:
        pins = [f"{number:06d}" for number in range(config.games)]
    else:
        pins, cookies = await asyncio.to_thread(
            host_login_and_start_games,
            base_url=primary,
            username=config.username,
            password=config.password,
            quiz=config.quiz,
            games=config.games,
        )
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    games = []
    for number, pin in enumerate(pins):
        pace = game_pace(config, number)
        shared = _Shared(
            config=dataclasses.replace(config, answer_window_s=pace.answer_window_s),
            result=LoadResult(pin=pin, players=config.players),
            rng=random.Random(config.seed + number),
            pace=pace.gaps,
        )
        base_url = config.servers[number % len(config.servers)]
        games.append(_Game(number, pin, base_url, shared, pace.start_offset_s))
    try:
        await asyncio.gather(*(_open_projector(game, cookie) for game in games))
        if len(games) == 1:
            log(f"game {games[0].pin} ready; host connected")
        else:
            log(f"{len(games)} games ready; projectors connected")
        if on_ready is not None:
            await on_ready()
        await _join_all(config, games, log)
        if on_all_joined is not None:
            await on_all_joined()
        # Thousands of long-lived socket objects make the client's own full GC passes
        # long; freezing them keeps those pauses out of the measured latencies.
        gc.collect()
        gc.freeze()
        await asyncio.sleep(config.settle_s)
        await asyncio.gather(*(_play_game(game, log, alone=len(games) == 1) for game in games))
    finally:
        await asyncio.gather(*(_close_game(game) for game in games))
        gc.unfreeze()
    for game in games:
        result = game.result
        result.host_frames_missing = game.host.missing_broadcasts() if game.host else 0
        for round_result in result.rounds:
            round_result.game = game.number
            round_result.reveals = game.shared.reveal_counts.get(round_result.question_id, 0)
    return [game.result for game in games]


async def _open_projector(game: _Game, cookie: str | None) -> None:
    url, origin = _ws_url(game.base_url, f"/ws/host/{game.pin}/")
    timeout = game.shared.config.connect_timeout_s
    game.host = _Host(await _connect(url, origin, timeout, cookie, stamped=True), game.result)
    if await game.host.wait_for(lambda f: f.get("type") == "lobby", start=0, timeout=10) is None:
        raise LoadError(f"host of {game.pin} got no lobby frame: {game.host.frames[:3]}")


async def _play_game(game: _Game, log: Callable[[str], None], *, alone: bool) -> None:
    """Wait for this game's start offset, play its questions, wait for `finished`."""
    label = log if alone else (lambda message: log(f"game {game.pin}: {message}"))
    result = game.result
    await asyncio.sleep(game.start_offset_s)
    assert game.host is not None
    try:
        await _play_rounds(game.shared.config, game.host, game.shared, label)
    except LoadError as exc:
        # The game stalled (no question, no reveal): what was measured up to here
        # is still the result, with the reason beside it.
        result.failure = str(exc)
        label(f"game stopped: {exc}")
        return
    try:
        await asyncio.wait_for(game.shared.all_finished.wait(), 10)
    except TimeoutError:
        label(f"only {result.finished}/{result.joined} phones saw `finished`")


async def _join_all(config: LoadConfig, games: list[_Game], log: Callable) -> None:
    """Every game's phones, interleaved (one of each game in turn) at `join_rate` in all."""
    loop = asyncio.get_running_loop()
    futures: dict[int, list[asyncio.Future]] = {game.number: [] for game in games}
    order = [(game, number) for number in range(config.players) for game in games]
    started = time.perf_counter()
    for position, (game, number) in enumerate(order):
        due = started + position / config.join_rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        shared = game.shared
        phone = _Phone(number, config.servers[number % len(config.servers)], game.pin, shared)
        joined: asyncio.Future = loop.create_future()
        futures[game.number].append(joined)
        task = asyncio.create_task(phone.join(joined))
        shared.tasks.add(task)
        task.add_done_callback(shared.tasks.discard)
        task.add_done_callback(lambda t, f=joined: f.done() or f.set_result(False))

    async def settle(game: _Game) -> None:
        outcomes = await asyncio.gather(*futures[game.number])
        game.result.join_duration_s = time.perf_counter() - started
        game.result.joined = sum(1 for ok in outcomes if ok)

    await asyncio.wait_for(
        asyncio.gather(*(settle(game) for game in games)),
        config.connect_timeout_s * 2 + len(order) / config.join_rate,
    )
    joined = sum(game.result.joined for game in games)
    refused: Counter = Counter()
    for game in games:
        refused.update(game.result.refused)
    duration = max(game.result.join_duration_s for game in games)
    where = "" if len(games) == 1 else f" ({len(games)} games)"
    log(f"{joined}/{len(order)} joined{where} in {duration:.2f}s; refused: {dict(refused)}")


async def _play_rounds(config: LoadConfig, host: _Host, shared: _Shared, log: Callable) -> None:
    result = shared.result
    count: int | None = None
    index = 0
    while True:
        mark = len(host.frames)
        command = "start" if index == 0 else "next"
        if count is not None and index >= min(count, config.questions or count):
            break
        sent_at = await host.send({"type": command})
        question = await host.wait_for(
            lambda f: f.get("type") in ("question", "finished", "error"), start=mark, timeout=30
        )
        if question is None or question.get("type") == "error":
            raise LoadError(f"`{command}` got no question: {question or host.frames[-3:]}")
        if question["type"] == "finished":
            return
        count = int(question.get("count", 0))
        round_result = RoundResult(
            index=int(question["index"]),
            question_id=question.get("question_id"),
            sent_at=sent_at,
            latencies=[],
            expected=result.joined,
            host_latency=question["_received_at"] - sent_at,
        )
        result.rounds.append(round_result)
        question_id = question.get("question_id")

        def is_reveal(f: dict[str, Any], qid: Any = question_id) -> bool:
            return f.get("type") == "reveal" and f.get("question_id") == qid

        reveal = await host.wait_for(
            is_reveal, start=mark, timeout=config.answer_window_s + config.reveal_timeout_s
        )
        if reveal is None:
            log(f"question {index}: no reveal yet, closing it")
            await host.send({"type": "close_question"})
            if await host.wait_for(is_reveal, start=mark, timeout=15) is None:
                raise LoadError(f"question {index} never revealed")
        receipts = shared.question_receipts.get(round_result.index, [])
        round_result.latencies = [t - sent_at for t in receipts]
        summary = round_result.summary()
        log(
            f"question {round_result.index}: {round_result.delivered}/{round_result.expected} "
            f"delivered, fan-out p50 {summary.ms('p50')} ms p99 {summary.ms('p99')} ms, "
            f"projector {1000 * (round_result.host_latency or 0):.0f} ms"
        )
        index += 1
        await asyncio.sleep(shared.next_gap())
    # The quiz has more questions than this run plays: end the game instead.
    mark = len(host.frames)
    command = "next" if count is not None and index >= count else "end"
    await host.send({"type": command})
    if await host.wait_for(lambda f: f.get("type") == "finished", start=mark, timeout=30) is None:
        log(f"`{command}` after the last question got no `finished`")


async def _close_game(game: _Game) -> None:
    shared = game.shared
    for task in list(shared.tasks):
        task.cancel()
    closing = [ws.close() for ws in shared.sockets]
    if game.host is not None:
        closing.append(game.host.ws.close())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 30)
    if game.host is not None:
        game.host.reader.cancel()


def raise_fd_limit(needed: int) -> int:
    """Raise this process's open-file soft limit towards `needed` (capped by the hard
    limit); return the new soft limit. Loopback needs one fd per client socket here."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        return target
    return soft


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Drive a live game with N phones.")
    parser.add_argument("--server", action="append", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--players", type=int, default=100)
    parser.add_argument("--questions", type=int, default=3, help="0 = every question")
    parser.add_argument("--join-rate", type=float, default=200.0, help="joins per second")
    parser.add_argument("--answer-window", type=float, default=1.0, help="seconds")
    parser.add_argument("--gap", type=float, default=2.0, help="seconds after each reveal")
    parser.add_argument("--quiz", default=DEFAULT_QUIZ)
    parser.add_argument("--username", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--floor", action="store_true", help="the server is bench.floor")
    parser.add_argument("--games", type=int, default=1, help="games at once, --players each")
    parser.add_argument("--stagger", type=float, default=0.0, help="seconds over which games start")
    parser.add_argument("--pace-jitter", type=float, default=0.0, help="e.g. 0.5: gaps ±50%%")
    args = parser.parse_args(argv)
    config = LoadConfig(
        servers=args.server,
        players=args.players,
        questions=args.questions,
        join_rate=args.join_rate,
        answer_window_s=args.answer_window,
        gap_s=args.gap,
        quiz=args.quiz,
        username=args.username,
        password=args.password,
        floor=args.floor,
        games=args.games,
        stagger_s=args.stagger,
        pace_jitter=args.pace_jitter,
    )
    raise_fd_limit(args.games * args.players * 2 + 256)
    result = asyncio.run(run_load(config, log=lambda m: print(m, file=sys.stderr, flush=True)))
    print(json.dumps(result.as_dict(), indent=2))


if __name__ == "__main__":
    main()

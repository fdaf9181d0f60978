"""One command: measure the live game against its raw-websockets floor, same run, same machine.

    .venv/bin/python -m bench.run --players 1000 --processes 1
    .venv/bin/python -m bench.run --players 1000 --join-rate 1000          # join storm
    .venv/bin/python -m bench.run --players 500 1000 2000                   # one row each
    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python -m bench.run --players 1000 --processes 2           # scale-out

For each player count it: (1) runs `bench.floor` as a subprocess and plays the same
game against it (the floor); (2) starts `--processes` Daphne processes with the
project's own launch line (`classroom.serve.daphne_command`: listen backlog 2048,
64 KiB frame limit) and plays the game through the real login, `POST /host/start/`
and websockets; (3) counts the answers stored in the database; (4) prints one table
row. The working directory (SQLite database, secret key, server logs) is a fresh temp
dir, removed afterwards unless `--keep`. With one process and at least 2 CPUs the
server (and the floor) is pinned to CPU 0 and the load generator to CPU 1, so the two
do not steal each other's core; with more processes nothing is pinned.

Everything listens on 127.0.0.1. Subprocesses are killed on exit, Ctrl-C or error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from bench.loadgen import DEFAULT_QUIZ, LoadConfig, LoadResult, raise_fd_limit, run_load
from bench.stats import Summary, percentile, summarise
from classroom.serve import daphne_command, server_env

BASE_DIR = Path(__file__).resolve().parent.parent
TEACHER = "bench-teacher"

_CREATE_TEACHER = """
import sys, django
django.setup()
from django.contrib.auth import get_user_model
users = get_user_model()
user, _ = users.objects.get_or_create(username=sys.argv[1])
user.is_staff = True
user.is_superuser = True
user.set_password(sys.argv[2])
user.save()
"""

_COUNT_STORED = """
import json, sys, django
django.setup()
from classroom.models import Answer, Game, Player
game = Game.objects.filter(pin=sys.argv[1]).order_by("-created_at", "-id").first()
if game is None:
    print(json.dumps({"game": None}))
else:
    print(json.dumps({
        "game": game.id,
        "phase": game.phase,
        "players": Player.objects.filter(game=game).count(),
        "answers": Answer.objects.filter(game=game).count(),
        "answers_by_question": sorted(
            Answer.objects.filter(game=game).values_list("question_index", flat=True)
            .distinct()
        ),
    }))
"""


class BenchError(Exception):
    """The benchmark could not run (missing service, server did not start...)."""


@dataclass
class Row:
    """One line of the results table: the floor and the server at one player count."""

    players: int
    processes: int
    join_rate: float
    floor: LoadResult | None = None
    floor_samples: Samples | None = None
    server: LoadResult | None = None
    server_samples: Samples | None = None
    stored: dict[str, Any] = field(default_factory=dict)
    # 1-minute load average when the floor and the server runs began: other work on
    # the machine shows up as noise in both.
    load_at_floor: float | None = None
    load_at_server: float | None = None

    def fanout(self) -> Summary:
        return summarise(self.server.fanout_latencies if self.server else [])

    def floor_fanout(self) -> Summary:
        return summarise(self.floor.fanout_latencies if self.floor else [])

    def round_p99_median(self, *, floor: bool = False) -> float | None:
        """Median over the questions of each question's p99: one slow round (a GC
        pause, a neighbour's burst on a shared machine) moves it less than the pooled p99."""
        result = self.floor if floor else self.server
        if result is None:
            return None
        return percentile([p for r in result.rounds if (p := r.summary().p99) is not None], 0.5)

    def ratio_of_round_medians(self) -> float | None:
        server, floor = self.round_p99_median(), self.round_p99_median(floor=True)
        return server / floor if server is not None and floor else None

    def ratio(self) -> float | None:
        server, floor = self.fanout().p99, self.floor_fanout().p99
        if server is None or not floor:
            return None
        return server / floor

    def mem_per_player(self, *, floor: bool = False) -> float | None:
        result, samples = (
            (self.floor, self.floor_samples) if floor else (self.server, self.server_samples)
        )
        if result is None or samples is None:
            return None
        return samples.per_player_rss(result.joined)

    def cpu_ms(self, *, floor: bool = False) -> tuple[float | None, float | None]:
        """CPU ms of the server per join and per question played."""
        result, samples = (
            (self.floor, self.floor_samples) if floor else (self.server, self.server_samples)
        )
        if result is None or samples is None:
            return None, None
        return samples.cpu_ms_per_join(result.joined), samples.cpu_ms_per_question(
            len(result.rounds)
        )

    def as_dict(self) -> dict[str, Any]:
        server_cpu, floor_cpu = self.cpu_ms(), self.cpu_ms(floor=True)
        return {
            "players": self.players,
            "processes": self.processes,
            "join_rate": self.join_rate,
            "fanout_p99_over_floor_p99": self.ratio(),
            "round_p99_median_ms": _ms(self.round_p99_median()),
            "floor_round_p99_median_ms": _ms(self.round_p99_median(floor=True)),
            "round_p99_median_ratio": self.ratio_of_round_medians(),
            "server": self.server.as_dict() if self.server else None,
            "server_mem_per_player_kib": _kib(self.mem_per_player()),
            "server_samples": asdict(self.server_samples) if self.server_samples else None,
            "server_cpu_ms_per_join": server_cpu[0],
            "server_cpu_ms_per_question": server_cpu[1],
            "stored": self.stored,
            "floor": self.floor.as_dict() if self.floor else None,
            "floor_mem_per_player_kib": _kib(self.mem_per_player(floor=True)),
            "floor_cpu_ms_per_join": floor_cpu[0],
            "floor_cpu_ms_per_question": floor_cpu[1],
            "load_average_at_floor": self.load_at_floor,
            "load_average_at_server": self.load_at_server,
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def _kib(value: float | None) -> float | None:
    return None if value is None else round(value / 1024, 1)


# --- subprocesses ------------------------------------------------------------------


class Processes:
    """Subprocesses this run started; every one is killed when the run ends."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.workdir / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.running.append((process, log))
        return process

    def stop(self, process: subprocess.Popen) -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.running = [(p, log) for p, log in self.running if p is not process]

    def stop_all(self) -> None:
        for process, _ in list(self.running):
            self.stop(process)

    def log_tail(self, process: subprocess.Popen, lines: int = 30) -> str:
        for candidate, log in self.running:
            if candidate is process and log.is_file():
                return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, *, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"process on port {port} exited with {process.returncode}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise BenchError(f"nothing listened on 127.0.0.1:{port} within {timeout:.0f}s")


def pin_to(pid: int, cpus: set[int] | None) -> None:
    if cpus is not None:
        os.sched_setaffinity(pid, cpus)


def rss(pids: list[int]) -> int:
    return sum(psutil.Process(pid).memory_info().rss for pid in pids)


def start_profilers(
    args: argparse.Namespace, players: int, daphnes: list[subprocess.Popen]
) -> list[subprocess.Popen]:
    """With --profile DIR: sample each Daphne process with py-spy for the whole game.

    The output is py-spy's "raw" format (one collapsed stack and its sample count per
    line), which `python -m bench.profile FILE` summarises.
    """
    if args.profile is None:
        return []
    args.profile.mkdir(parents=True, exist_ok=True)
    profilers = []
    for number, daphne in enumerate(daphnes):
        output = args.profile / f"daphne-{players}p-{args.processes}x-{number}.txt"
        command = [args.py_spy, "record", "--pid", str(daphne.pid), "--format", "raw"]
        command += ["--rate", "200", "--nonblocking", "--output", str(output)]
        profilers.append(
            subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
    return profilers


def stop_profilers(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)
    for profiler in profilers:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()
            profiler.wait(5)


def django_env(workdir: Path, args: argparse.Namespace, players: int) -> dict[str, str]:
    env = server_env(
        database_url=args.database_url or f"sqlite:///{workdir / 'db.sqlite3'}",
        redis_url=args.redis_url or "",
        GAME_MAX_PLAYERS=str(max(2500, players + 100)),
    )
    if args.settings_file is not None:
        # A tuning experiment: the file (typically `from classroom.settings import *`
        # plus changes) becomes the settings module of every server process.
        shutil.copyfile(args.settings_file, workdir / "bench_settings.py")
        for extra in args.settings_file.parent.glob("bench_asgi*.py"):
            shutil.copyfile(extra, workdir / extra.name)
        env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
        env["PYTHONPATH"] = os.pathsep.join(
            [str(workdir), str(BASE_DIR), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    return env


def manage(env: dict[str, str], *command: str, timeout: float = 300) -> str:
    completed = subprocess.run(
        [sys.executable, *command],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"{' '.join(command[:3])} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout


def prepare_database(env: dict[str, str], password: str) -> None:
    manage(env, "manage.py", "migrate", "--noinput")
    manage(env, "manage.py", "load_seeds")
    manage(env, "-c", _CREATE_TEACHER, TEACHER, password)


def count_stored(env: dict[str, str], pin: str) -> dict[str, Any]:
    return json.loads(manage(env, "-c", _COUNT_STORED, pin).strip().splitlines()[-1])


# --- one row -----------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _load_config(
    args: argparse.Namespace,
    players: int,
    servers: list[str],
    *,
    floor: bool = False,
    password: str = "",
) -> LoadConfig:
    return LoadConfig(
        floor=floor,
        username=TEACHER if password else "",
        password=password,
        servers=servers,
        players=players,
        questions=args.questions,
        join_rate=args.join_rate,
        answer_window_s=args.answer_window,
        gap_s=args.gap,
        quiz=args.quiz,
        seed=args.seed,
        connect_timeout_s=args.join_timeout,
        settle_s=args.settle,
    )


@dataclass
class Samples:
    """Server-side RSS and CPU time (user + system, seconds) around one game.

    CPU seconds per join and per question do not depend much on what else the machine
    is doing, unlike latencies, so they are the numbers to tune against on a busy box.
    """

    rss_before: int = 0
    rss_after: int = 0
    cpu_before: float = 0.0
    cpu_joined: float = 0.0
    cpu_end: float = 0.0

    def per_player_rss(self, joined: int) -> float | None:
        return (self.rss_after - self.rss_before) / joined if joined else None

    def cpu_ms_per_join(self, joined: int) -> float | None:
        return 1000 * (self.cpu_joined - self.cpu_before) / joined if joined else None

    def cpu_ms_per_question(self, questions: int) -> float | None:
        return 1000 * (self.cpu_end - self.cpu_joined) / questions if questions else None


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


async def _measured_run(
    config: LoadConfig, pids: list[int], label: str
) -> tuple[LoadResult, Samples]:
    samples = Samples()

    async def before() -> None:
        samples.rss_before = rss(pids)
        samples.cpu_before = cpu_seconds(pids)

    async def after() -> None:
        samples.cpu_joined = cpu_seconds(pids)
        # Let the joins' garbage settle before sampling memory.
        await asyncio.sleep(1.0)
        samples.rss_after = rss(pids)

    result = await run_load(
        config, on_ready=before, on_all_joined=after, log=lambda m: _log(f"{label}: {m}")
    )
    samples.cpu_end = cpu_seconds(pids)
    return result, samples


def run_floor(
    args: argparse.Namespace, players: int, procs: Processes, cpus: tuple[set[int] | None, ...]
) -> tuple[LoadResult, Samples]:
    port = free_port()
    questions = args.questions or 5
    process = procs.start(
        f"floor-{players}",
        [sys.executable, "-m", "bench.floor", "--port", str(port), "--questions", str(questions)],
        dict(os.environ),
    )
    try:
        pin_to(process.pid, cpus[0])
        wait_listening(port, process)
        config = _load_config(args, players, [f"http://127.0.0.1:{port}"], floor=True)
        config.questions = questions
        result, samples = asyncio.run(_measured_run(config, [process.pid], "floor"))
    finally:
        procs.stop(process)
    return result, samples


def run_server(
    args: argparse.Namespace,
    players: int,
    procs: Processes,
    env: dict[str, str],
    password: str,
    cpus: tuple[set[int] | None, ...],
) -> Row:
    row = Row(players=players, processes=args.processes, join_rate=args.join_rate)
    ports = [free_port() for _ in range(args.processes)]
    daphnes = []
    try:
        for number, port in enumerate(ports):
            command = daphne_command(host="127.0.0.1", port=port)
            # Experiments: extra Daphne options go before the application, which may be
            # replaced too (a module beside --settings-file is importable).
            command = [*command[:-1], *shlex.split(args.daphne_args), args.asgi_app or command[-1]]
            process = procs.start(f"daphne-{players}-{number}", command, env)
            pin_to(process.pid, cpus[0])
            daphnes.append(process)
        for port, process in zip(ports, daphnes, strict=True):
            try:
                wait_listening(port, process)
            except BenchError as exc:
                raise BenchError(f"{exc}\n{procs.log_tail(process)}") from exc
        servers = [f"http://127.0.0.1:{port}" for port in ports]
        config = _load_config(args, players, servers, password=password)
        profilers = start_profilers(args, players, daphnes)
        try:
            result, samples = asyncio.run(_measured_run(config, [p.pid for p in daphnes], "server"))
        except Exception as exc:
            tails = "\n".join(procs.log_tail(p) for p in daphnes)
            raise BenchError(f"{type(exc).__name__}: {exc}\nserver log tail:\n{tails}") from exc
        finally:
            stop_profilers(profilers)
        row.server = result
        row.server_samples = samples
        for process in daphnes:
            if process.poll() is not None:
                raise BenchError(f"a Daphne process died:\n{procs.log_tail(process)}")
        row.stored = count_stored(env, result.pin)
    finally:
        for process in daphnes:
            procs.stop(process)
    return row


# --- the table ---------------------------------------------------------------------

COLUMNS = [
    ("players", 7),
    ("procs", 5),
    ("joined", 11),
    ("refused", 7),
    ("join s", 6),
    ("proj", 5),
    ("fan p50", 7),
    ("fan p99", 7),
    ("floor p50", 9),
    ("floor p99", 9),
    ("ratio", 5),
    ("ack p50", 7),
    ("ack p99", 7),
    ("stored/acked", 12),
    ("KiB/player", 10),
    ("floor KiB", 9),
    ("cpu/join", 8),
    ("cpu/q", 6),
    ("delivered", 11),
    ("gaps", 4),
    ("load", 9),
]


def _median_host_latency(result: LoadResult | None) -> float | None:
    """Median over the questions of command sent -> the projector's `question`."""
    values = [r.host_latency for r in result.rounds if r.host_latency is not None] if result else []
    return percentile(values, 0.5)


def _cell(value: float | None, scale: float, digits: int = 1) -> str:
    return "-" if value is None else f"{value * scale:.{digits}f}"


def table_lines(rows: list[Row]) -> list[str]:
    header = " | ".join(name.rjust(width) for name, width in COLUMNS)
    lines = [header, "-+-".join("-" * width for _, width in COLUMNS)]
    for row in rows:
        server = row.server
        ack = summarise(server.ack_latencies if server else [])
        ratio = row.ratio()
        cells = [
            str(row.players),
            str(row.processes),
            f"{server.joined}/{row.players}" if server else "-",
            str(sum(server.refused.values())) if server else "-",
            f"{server.join_duration_s:.1f}" if server else "-",
            _cell(_median_host_latency(server), 1000, digits=0),
            row.fanout().ms("p50"),
            row.fanout().ms("p99"),
            row.floor_fanout().ms("p50"),
            row.floor_fanout().ms("p99"),
            "-" if ratio is None else f"{ratio:.1f}",
            ack.ms("p50"),
            ack.ms("p99"),
            f"{row.stored.get('answers', '-')}/{server.answers_acked}" if server else "-",
            _cell(row.mem_per_player(), 1 / 1024),
            _cell(row.mem_per_player(floor=True), 1 / 1024),
            _cell(row.cpu_ms()[0], 1),
            _cell(row.cpu_ms()[1], 1, digits=0),
            f"{server.questions_delivered}/{server.questions_expected}" if server else "-",
            str(server.player_seq_gaps) if server else "-",
            f"{row.load_at_floor or 0:.1f}/{row.load_at_server or 0:.1f}",
        ]
        lines.append(
            " | ".join(c.rjust(width) for c, (_, width) in zip(cells, COLUMNS, strict=True))
        )
    return lines


def machine_description() -> str:
    import channels
    import daphne
    import django
    import websockets

    memory = psutil.virtual_memory().total / 2**30
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; {memory:.0f} GiB; "
        f"{platform.python_implementation()} {platform.python_version()}; Django "
        f"{django.get_version()}, Channels {channels.__version__}, Daphne {daphne.__version__}, "
        f"websockets {websockets.__version__}; {platform.platform()}"
    )


# --- entry point -------------------------------------------------------------------


@contextlib.contextmanager
def _terminate_on_sigterm() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--players", type=int, nargs="+", default=[1000])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--questions", type=int, default=3, help="questions per game (0 = all)")
    parser.add_argument(
        "--join-rate", type=float, default=200.0, help="phones joining per second (storm: 1000)"
    )
    parser.add_argument(
        "--answer-window", type=float, default=1.0, help="answers spread over this many seconds"
    )
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between reveal and next")
    parser.add_argument(
        "--settle", type=float, default=1.0, help="seconds from the last join to `start`"
    )
    parser.add_argument(
        "--join-timeout",
        type=float,
        default=30.0,
        help="seconds a phone waits for the handshake, then for `joined`, before giving up",
    )
    parser.add_argument("--quiz", default=DEFAULT_QUIZ)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-floor", action="store_true", help="skip the floor run")
    parser.add_argument(
        "--floor-only", action="store_true", help="only the floor: no Django, no database"
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the temp working directory")
    parser.add_argument(
        "--profile", type=Path, help="record py-spy profiles of the Daphne processes here"
    )
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    parser.add_argument(
        "--daphne-args",
        default="",
        help='extra Daphne options, e.g. "--websocket_connect_timeout 30" (experiments)',
    )
    parser.add_argument("--asgi-app", default="", help="another ASGI application (experiments)")
    parser.add_argument(
        "--settings-file",
        type=Path,
        help="a settings module file to run the servers with (tuning experiments)",
    )
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args(argv)
    if args.processes < 1 or any(n < 1 for n in args.players):
        parser.error("--processes and --players must be at least 1")
    if args.processes > 1 and not (args.database_url and args.redis_url):
        parser.error(
            "--processes > 1 needs PostgreSQL and Redis shared by the processes: set "
            "DATABASE_URL (a database of its own, e.g. postgres://postgres@127.0.0.1/"
            "classroom_bench) and REDIS_URL (e.g. redis://127.0.0.1:6379/3)"
        )
    for url in (args.database_url, args.redis_url):
        host = urlsplit(url).hostname if url else None
        if host not in (None, "127.0.0.1", "localhost", "::1"):
            parser.error(f"the benchmark runs on this machine only, not {url!r}")
    if args.floor_only and args.no_floor:
        parser.error("--floor-only and --no-floor exclude each other")
    return args


def run(args: argparse.Namespace) -> list[Row]:
    """Run every row of `args` and return them (the caller prints the table)."""
    raise_fd_limit(max(args.players) * 2 + 1024)
    pinned = not args.no_pin and args.processes == 1 and (os.cpu_count() or 1) >= 2
    cpus: tuple[set[int] | None, ...] = ({0}, {1}) if pinned else (None, None)
    workdir = Path(tempfile.mkdtemp(prefix="quiz-benchrun-"))
    procs = Processes(workdir)
    rows: list[Row] = []
    original_affinity = os.sched_getaffinity(0)
    try:
        _log(f"working directory {workdir}")
        password = secrets.token_urlsafe(16)
        env = django_env(workdir, args, max(args.players))
        if not args.floor_only:
            _log("migrate, load_seeds, teacher account")
            prepare_database(env, password)
        pin_to(0, cpus[1])
        for players in args.players:
            floor, floor_samples = (None, None)
            load_at_floor = os.getloadavg()[0]
            if not args.no_floor:
                _log(f"floor: {players} players")
                floor, floor_samples = run_floor(args, players, procs, cpus)
            load_at_server = os.getloadavg()[0]
            if args.floor_only:
                row = Row(players=players, processes=0, join_rate=args.join_rate)
            else:
                _log(f"server: {players} players, {args.processes} process(es)")
                row = run_server(args, players, procs, env, password, cpus)
            row.floor, row.floor_samples = floor, floor_samples
            row.load_at_floor, row.load_at_server = load_at_floor, load_at_server
            rows.append(row)
            for line in table_lines([row])[2:]:
                _log(line)
            median, floor_median = row.round_p99_median(), row.round_p99_median(floor=True)
            if median is not None and floor_median:
                _log(
                    f"median of the questions' p99: server {median * 1000:.0f} ms, floor "
                    f"{floor_median * 1000:.0f} ms, ratio {median / floor_median:.1f}"
                )
    finally:
        procs.stop_all()
        os.sched_setaffinity(0, original_affinity)
        if args.keep:
            _log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with _terminate_on_sigterm():
        try:
            rows = run(args)
        except BenchError as exc:
            print(f"benchmark failed: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted; servers stopped", file=sys.stderr)
            return 130
    print()
    print(machine_description())
    pinning = "server on CPU 0, load generator on CPU 1" if args.processes == 1 else "no pinning"
    print(
        f"questions {args.questions or 'all'}, join rate {args.join_rate:g}/s, answers over "
        f"{args.answer_window:g}s, {pinning}; times in ms"
    )
    for line in table_lines(rows):
        print(line)
    for row in rows:
        for label, result in (("floor", row.floor), ("server", row.server)):
            if result is not None and result.failure:
                print(f"{row.players} players, {label}: stopped early: {result.failure[:300]}")
            if result is not None and result.refused:
                print(f"{row.players} players, {label}: refused joins {dict(result.refused)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": machine_description(), "rows": [r.as_dict() for r in rows]}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

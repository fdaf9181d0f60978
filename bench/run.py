"""One command: measure the live game against its raw-websockets floor, same run, same machine.

    .venv/bin/python -m bench.run --players 1000 --processes 1
    .venv/bin/python -m bench.run --players 1000 --join-rate 1000          # join storm
    .venv/bin/python -m bench.run --players 500 1000 2000                   # one row each
    .venv/bin/python -m bench.run --games 20 50 --players 30                # many classes
    DATABASE_URL=postgres://... REDIS_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python -m bench.run --players 1000 --processes 2           # scale-out

For each player count it: (1) runs `bench.floor` as a subprocess and plays the same
game against it (the floor); (2) starts `--processes` Daphne processes with the
project's own launch line (`classroom.serve.daphne_command`: listen backlog 2048,
64 KiB frame limit) and plays the game through the real login, `POST /host/start/`
and websockets; (3) counts the answers stored in the database; (4) prints one table
row. With `--games N` it plays N games of `--players` phones at once, each class
out of step with the others (its own start, answer window and gaps), against the
floor and then the server, and prints a row per mix. The working directory (SQLite
database, secret key, server logs) is a fresh temp dir, removed afterwards unless
`--keep`. With one process and at least 2 CPUs the server (and the floor) is pinned
to CPU 0 and the load generator to CPU 1, so the two do not steal each other's core;
with more processes nothing is pinned.

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
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil

from bench.loadgen import (
    DEFAULT_QUIZ,
    LoadConfig,
    LoadResult,
    merge_results,
    raise_fd_limit,
    run_games,
)
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
counts = []
for pin in sys.argv[1:]:
    game = Game.objects.filter(pin=pin).order_by("-created_at", "-id").first()
    if game is None:
        counts.append({"pin": pin, "game": None, "players": 0, "answers": 0})
        continue
    counts.append({
        "pin": pin,
        "game": game.id,
        "phase": game.phase,
        "players": Player.objects.filter(game=game).count(),
        "answers": Answer.objects.filter(game=game).count(),
        # order_by(): a model ordering would otherwise make distinct() per row.
        "answers_by_question": sorted(
            Answer.objects.filter(game=game).order_by().values_list("question_index", flat=True)
            .distinct()
        ),
    })
print(json.dumps(counts))
"""


class BenchError(Exception):
    """The benchmark could not run (missing service, server did not start...)."""


@dataclass
class Row:
    """One line of the results table: the floor and the server at one player count."""

    players: int
    processes: int
    join_rate: float
    # Games played at once, `players` phones each; `floor` and `server` are then every
    # game's results merged, and `floor_games`/`server_games` each game's own.
    games: int = 1
    floor: LoadResult | None = None
    floor_samples: Samples | None = None
    floor_games: list[LoadResult] = field(default_factory=list)
    server: LoadResult | None = None
    server_samples: Samples | None = None
    server_games: list[LoadResult] = field(default_factory=list)
    stored: dict[str, Any] = field(default_factory=dict)
    # 1-minute load average when the floor and the server runs began, and when the
    # server run ended: other work on the machine shows up as noise in both.
    load_at_floor: float | None = None
    load_at_server: float | None = None
    load_at_end: float | None = None

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
        """CPU ms of the server per join and per game per question played.

        The rounds of a many-games result are every game's (games × questions), so the
        second figure is the CPU of the play divided by games × questions: flat as games
        are added if a game's question costs the same whatever the other games do.
        """
        result, samples = (
            (self.floor, self.floor_samples) if floor else (self.server, self.server_samples)
        )
        if result is None or samples is None:
            return None, None
        return samples.cpu_ms_per_join(result.joined), samples.cpu_ms_per_question(
            len(result.rounds)
        )

    def cpu_share(self, *, floor: bool = False) -> float | None:
        """The server's CPU while the games played, as a fraction of one core."""
        samples = self.floor_samples if floor else self.server_samples
        return samples.cpu_share() if samples is not None else None

    def short_games(self) -> list[dict[str, Any]]:
        """Games whose answer rows in the database differ from the answers acknowledged."""
        stored = {count["pin"]: count for count in self.stored.get("games", [])}
        short = []
        for result in self.server_games:
            rows = stored.get(result.pin, {}).get("answers")
            if rows != result.answers_acked:
                short.append({"pin": result.pin, "stored": rows, "acked": result.answers_acked})
        return short

    def as_dict(self) -> dict[str, Any]:
        server_cpu, floor_cpu = self.cpu_ms(), self.cpu_ms(floor=True)
        return {
            "games": self.games,
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
            # Per game per question: the play's CPU over games × questions played.
            "server_cpu_ms_per_question": server_cpu[1],
            "server_cpu_share_of_a_core": self.cpu_share(),
            "stored": self.stored,
            "games_with_stored_not_acked": self.short_games(),
            "server_games": ([r.as_dict() for r in self.server_games] if self.games > 1 else None),
            "floor_games": [r.as_dict() for r in self.floor_games] if self.games > 1 else None,
            "floor": self.floor.as_dict() if self.floor else None,
            "floor_mem_per_player_kib": _kib(self.mem_per_player(floor=True)),
            "floor_cpu_ms_per_join": floor_cpu[0],
            "floor_cpu_ms_per_question": floor_cpu[1],
            "load_average_at_floor": self.load_at_floor,
            "load_average_at_server": self.load_at_server,
            "load_average_at_end": self.load_at_end,
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


def profile_path(directory: Path, *, games: int, players: int, processes: int, number: int) -> Path:
    """Where the profile of Daphne process `number` of one row goes (a file per mix)."""
    mix = f"{players}p" if games == 1 else f"{games}g{players}p"
    return directory / f"daphne-{mix}-{processes}x-{number}.txt"


def start_profilers(
    args: argparse.Namespace, players: int, daphnes: list[subprocess.Popen], *, games: int = 1
) -> list[tuple[subprocess.Popen, Path]]:
    """With --profile DIR: sample each Daphne process with py-spy (`--profile-phase`:
    the whole game, or only the questions once every phone has joined).

    The output is py-spy's "raw" format (one collapsed stack and its sample count per
    line), which `python -m bench.profile FILE` summarises; py-spy's own messages go to
    the same name with `.log`.
    """
    if args.profile is None:
        return []
    args.profile.mkdir(parents=True, exist_ok=True)
    profilers = []
    for number, daphne in enumerate(daphnes):
        output = profile_path(
            args.profile, games=games, players=players, processes=args.processes, number=number
        )
        command = [args.py_spy, "record", "--pid", str(daphne.pid), "--format", "raw"]
        command += ["--rate", "200", "--nonblocking", "--output", str(output)]
        with output.with_suffix(".log").open("wb") as messages:
            profiler = subprocess.Popen(
                command, stdout=messages, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        profilers.append((profiler, output))
    return profilers


def stop_profilers(profilers: list[tuple[subprocess.Popen, Path]]) -> None:
    for profiler, _ in profilers:
        if profiler.poll() is None:
            profiler.send_signal(signal.SIGINT)
    for profiler, output in profilers:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            profiler.kill()
            profiler.wait(5)
        if output.is_file() and output.stat().st_size:
            _log(f"profile: {output}")
        else:
            # py-spy could not attach (no ptrace permission, wrong path...): say so
            # instead of leaving an empty file to be summarised as "no samples".
            messages = output.with_suffix(".log")
            detail = messages.read_text(errors="replace")[-500:] if messages.is_file() else ""
            _log(f"profile: py-spy wrote nothing to {output}: {detail.strip()}")


def django_env(workdir: Path, args: argparse.Namespace, players: int) -> dict[str, str]:
    """The servers' environment; `players` is the most phones one game will have."""
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


def count_stored(env: dict[str, str], pins: list[str]) -> dict[str, Any]:
    """Players and answer rows in the database, per game (`games`) and in all.

    With one game its own counts are also at the top level (`game`, `phase`...), as
    before the many-games mode.
    """
    games = json.loads(manage(env, "-c", _COUNT_STORED, *pins).strip().splitlines()[-1])
    totals = {
        "players": sum(game["players"] for game in games),
        "answers": sum(game["answers"] for game in games),
        "games": games,
    }
    return {**games[0], **totals} if len(games) == 1 else totals


# --- one row -----------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def _load_config(
    args: argparse.Namespace,
    players: int,
    servers: list[str],
    *,
    games: int = 1,
    floor: bool = False,
    password: str = "",
) -> LoadConfig:
    # One game keeps the exact pace it always had; several games start within the
    # stagger and each draws its own answer window and gaps (classes out of step).
    stagger = 0.0
    jitter = 0.0
    if games > 1:
        stagger = args.stagger if args.stagger is not None else args.answer_window + args.gap
        jitter = args.pace_jitter
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
        games=games,
        stagger_s=stagger,
        pace_jitter=jitter,
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
    # Wall clock (monotonic) at cpu_joined and cpu_end, for the share of a core.
    wall_joined: float = 0.0
    wall_end: float = 0.0

    def per_player_rss(self, joined: int) -> float | None:
        return (self.rss_after - self.rss_before) / joined if joined else None

    def cpu_ms_per_join(self, joined: int) -> float | None:
        return 1000 * (self.cpu_joined - self.cpu_before) / joined if joined else None

    def cpu_ms_per_question(self, questions: int) -> float | None:
        return 1000 * (self.cpu_end - self.cpu_joined) / questions if questions else None

    def cpu_share(self) -> float | None:
        """CPU seconds per wall second from every phone joined to the end (1.0 = a core)."""
        wall = self.wall_end - self.wall_joined
        return (self.cpu_end - self.cpu_joined) / wall if wall > 0 else None


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        times = psutil.Process(pid).cpu_times()
        total += times.user + times.system
    return total


async def _measured_run(
    config: LoadConfig,
    pids: list[int],
    label: str,
    *,
    on_all_joined: Callable[[], None] | None = None,
) -> tuple[list[LoadResult], Samples]:
    samples = Samples()

    async def before() -> None:
        samples.rss_before = rss(pids)
        samples.cpu_before = cpu_seconds(pids)

    async def after() -> None:
        samples.cpu_joined = cpu_seconds(pids)
        samples.wall_joined = time.monotonic()
        if on_all_joined is not None:
            on_all_joined()
        # Let the joins' garbage settle before sampling memory.
        await asyncio.sleep(1.0)
        samples.rss_after = rss(pids)

    results = await run_games(
        config, on_ready=before, on_all_joined=after, log=lambda m: _log(f"{label}: {m}")
    )
    samples.cpu_end = cpu_seconds(pids)
    samples.wall_end = time.monotonic()
    return results, samples


def run_floor(
    args: argparse.Namespace,
    players: int,
    procs: Processes,
    cpus: tuple[set[int] | None, ...],
    *,
    games: int = 1,
) -> tuple[list[LoadResult], Samples]:
    """The same games against bench.floor: the same sockets, in the same groups, on the
    same schedule (offsets, windows and gaps come from the same seed)."""
    port = free_port()
    questions = args.questions or 5
    process = procs.start(
        f"floor-{games}x{players}" if games > 1 else f"floor-{players}",
        [sys.executable, "-m", "bench.floor", "--port", str(port), "--questions", str(questions)],
        dict(os.environ),
    )
    try:
        pin_to(process.pid, cpus[0])
        wait_listening(port, process)
        config = _load_config(args, players, [f"http://127.0.0.1:{port}"], games=games, floor=True)
        config.questions = questions
        results, samples = asyncio.run(_measured_run(config, [process.pid], "floor"))
    finally:
        procs.stop(process)
    return results, samples


def run_server(
    args: argparse.Namespace,
    players: int,
    procs: Processes,
    env: dict[str, str],
    password: str,
    cpus: tuple[set[int] | None, ...],
    *,
    games: int = 1,
) -> Row:
    row = Row(players=players, processes=args.processes, join_rate=args.join_rate, games=games)
    ports = [free_port() for _ in range(args.processes)]
    daphnes = []
    try:
        for number, port in enumerate(ports):
            command = daphne_command(host="127.0.0.1", port=port)
            # Experiments: extra Daphne options go before the application, which may be
            # replaced too (a module beside --settings-file is importable).
            command = [*command[:-1], *shlex.split(args.daphne_args), args.asgi_app or command[-1]]
            name = (
                f"daphne-{games}x{players}-{number}" if games > 1 else f"daphne-{players}-{number}"
            )
            process = procs.start(name, command, env)
            pin_to(process.pid, cpus[0])
            daphnes.append(process)
        for port, process in zip(ports, daphnes, strict=True):
            try:
                wait_listening(port, process)
            except BenchError as exc:
                raise BenchError(f"{exc}\n{procs.log_tail(process)}") from exc
        servers = [f"http://127.0.0.1:{port}" for port in ports]
        config = _load_config(args, players, servers, games=games, password=password)
        profilers: list[tuple[subprocess.Popen, Path]] = []

        def profile_from_now() -> None:
            profilers.extend(start_profilers(args, players, daphnes, games=games))

        if args.profile_phase == "all":
            profile_from_now()
        pids = [p.pid for p in daphnes]
        try:
            results, samples = asyncio.run(
                _measured_run(
                    config,
                    pids,
                    "server",
                    on_all_joined=profile_from_now if args.profile_phase == "play" else None,
                )
            )
        except Exception as exc:
            tails = "\n".join(procs.log_tail(p) for p in daphnes)
            raise BenchError(f"{type(exc).__name__}: {exc}\nserver log tail:\n{tails}") from exc
        finally:
            stop_profilers(profilers)
        row.server = merge_results(results)
        row.server_games = results
        row.server_samples = samples
        for process in daphnes:
            if process.poll() is not None:
                raise BenchError(f"a Daphne process died:\n{procs.log_tail(process)}")
        row.stored = count_stored(env, [result.pin for result in results])
    finally:
        for process in daphnes:
            procs.stop(process)
    return row


# --- the table ---------------------------------------------------------------------

COLUMNS = [
    ("games", 5),
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
    ("cpu %", 5),
    ("delivered", 11),
    ("gaps", 4),
    ("load", 9),
    ("load end", 8),
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
            str(row.games),
            str(row.players),
            str(row.processes),
            f"{server.joined}/{row.players * row.games}" if server else "-",
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
            _cell(row.cpu_share(), 100, digits=0),
            f"{server.questions_delivered}/{server.questions_expected}" if server else "-",
            str(server.player_seq_gaps) if server else "-",
            f"{row.load_at_floor or 0:.1f}/{row.load_at_server or 0:.1f}",
            _cell(row.load_at_end, 1),
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
    parser.add_argument(
        "--players", type=int, nargs="+", default=[1000], help="phones per game (a row each)"
    )
    parser.add_argument(
        "--games",
        type=int,
        nargs="+",
        default=[1],
        help="games at once, --players phones each, classes out of step (a row per mix)",
    )
    parser.add_argument(
        "--stagger",
        type=float,
        default=None,
        help="with several games: their first questions start within this many seconds "
        "(default: --answer-window + --gap, one question's cycle)",
    )
    parser.add_argument(
        "--pace-jitter",
        type=float,
        default=0.5,
        help="with several games: each game's answer window and every gap are the given "
        "value times a factor within 1 ± this (default 0.5)",
    )
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--questions", type=int, default=3, help="questions per game (0 = all)")
    parser.add_argument(
        "--join-rate",
        type=float,
        default=200.0,
        help="phones joining per second, over all games (storm: 1000)",
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
    parser.add_argument(
        "--profile-phase",
        choices=("all", "play"),
        default="all",
        help="profile the whole run, or only the questions (from every phone joined on)",
    )
    parser.add_argument(
        "--py-spy",
        # On PATH, or beside this interpreter (the test extra installs it in the venv).
        default=shutil.which("py-spy")
        or shutil.which("py-spy", path=str(Path(sys.executable).parent))
        or "py-spy",
    )
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
    if args.processes < 1 or any(n < 1 for n in [*args.players, *args.games]):
        parser.error("--processes, --players and --games must be at least 1")
    if (args.stagger is not None and args.stagger < 0) or not 0 <= args.pace_jitter < 1:
        parser.error("--stagger must not be negative and --pace-jitter within [0, 1)")
    if args.profile is not None and shutil.which(args.py_spy) is None:
        parser.error(
            f"--profile needs py-spy: {args.py_spy!r} is not an executable (install it, e.g. "
            "python3 -m venv /tmp/tools && /tmp/tools/bin/pip install py-spy, and pass "
            "--py-spy /tmp/tools/bin/py-spy)"
        )
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
    raise_fd_limit(max(args.players) * max(args.games) * 2 + 1024)
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
        for games, players in [(g, p) for g in args.games for p in args.players]:
            mix = f"{players} players" if games == 1 else f"{games} games × {players} players"
            floor_games: list[LoadResult] = []
            floor_samples = None
            load_at_floor = os.getloadavg()[0]
            if not args.no_floor:
                _log(f"floor: {mix}")
                floor_games, floor_samples = run_floor(args, players, procs, cpus, games=games)
            load_at_server = os.getloadavg()[0]
            if args.floor_only:
                row = Row(players=players, processes=0, join_rate=args.join_rate, games=games)
            else:
                _log(f"server: {mix}, {args.processes} process(es)")
                row = run_server(args, players, procs, env, password, cpus, games=games)
            row.floor = merge_results(floor_games) if floor_games else None
            row.floor_games, row.floor_samples = floor_games, floor_samples
            row.load_at_floor, row.load_at_server = load_at_floor, load_at_server
            row.load_at_end = os.getloadavg()[0]
            rows.append(row)
            for line in table_lines([row])[2:]:
                _log(line)
            for short in row.short_games():
                _log(
                    f"game {short['pin']}: {short['stored']} answers stored, {short['acked']} acked"
                )
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
        f"questions {args.questions or 'all'} per game, join rate {args.join_rate:g}/s, answers "
        f"over {args.answer_window:g}s, {args.gap:g}s gaps, {pinning}; times in ms"
    )
    if max(args.games) > 1:
        stagger = args.stagger if args.stagger is not None else args.answer_window + args.gap
        print(
            f"several games: first questions within {stagger:g}s of each other; each game's "
            f"answer window and gaps × 1±{args.pace_jitter:g}; cpu/q = server CPU ms per game "
            "per question; cpu % = server CPU over the questions, % of one core"
        )
    for line in table_lines(rows):
        print(line)
    for row in rows:
        mix = f"{row.players} players" if row.games == 1 else f"{row.games}×{row.players}"
        for label, result in (("floor", row.floor), ("server", row.server)):
            if result is not None and result.failure:
                print(f"{mix}, {label}: stopped early: {result.failure[:300]}")
            if result is not None and result.refused:
                print(f"{mix}, {label}: refused joins {dict(result.refused)}")
        for short in row.short_games():
            stored, acked = short["stored"], short["acked"]
            print(f"{mix}, game {short['pin']}: {stored} answers stored, {acked} acked")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": machine_description(), "rows": [r.as_dict() for r in rows]}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark a homework (self-paced) game: many students, each at their own pace.

    .venv/bin/python -m bench.homework --players 1000 --questions 5
    .venv/bin/python -m bench.homework --players 200 --think 0.5 --json out.json

One Daphne process with the project's launch line (as `bench.run`), a fresh SQLite
database with the seed quiz, the teacher's real login and `POST /host/start/` with
`mode=self_paced`. Then every phone joins (at `--join-rate` a second) and plays alone:
`next`, the question, a think time drawn from 0..2×`--think` seconds, `answer`, the
acknowledgement (its latency is the ack latency below: answer sent -> `answer_received`
read, through the same group commit as a live game), its reveal, `next` again, until
`finished`. The teacher's homework page is open on the host socket throughout and
counts the `progress` frames (at most one per player per second, the protocol says).

It prints the ack latency percentiles, the server's CPU time per answer and its share
of a core while the class works, the answers stored against those acknowledged, and
the progress frames' fastest rate per player. With at least 2 CPUs the server is pinned
to CPU 0 and this load generator to CPU 1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import secrets
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

from bench import run as bench_run
from bench.loadgen import _answer_frame, _connect, _HttpSession, _ws_url, raise_fd_limit
from bench.stats import percentile
from classroom.serve import daphne_command


@dataclass
class Totals:
    joined: int = 0
    refused: Counter = field(default_factory=Counter)
    answers_sent: int = 0
    acks: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    finished: int = 0
    progress: int = 0
    # player_id -> the read times of their progress frames (the 1-per-second rule).
    progress_times: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))


def start_homework(
    base_url: str,
    password: str,
    questions: int,
    *,
    username: str = bench_run.TEACHER,
    quiz: str = bench_run.DEFAULT_QUIZ,
) -> tuple[str, dict[str, str]]:
    """Log in and start a homework of `quiz` closing tomorrow; (PIN, cookies).
    Blocking (stdlib http.client)."""
    session = _HttpSession(base_url)
    status, _, page = session.request("GET", "/accounts/login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or match is None:
        raise bench_run.BenchError(f"login page answered {status}")
    status, _, _ = session.request(
        "POST",
        "/accounts/login/",
        {"username": username, "password": password, "csrfmiddlewaretoken": match[1]},
    )
    if status != 302:
        raise bench_run.BenchError(f"login refused (HTTP {status})")
    closes = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "quiz": quiz,
        "mode": "self_paced",
        "closes_at": closes,
        "questions": str(questions),
        "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
    }
    status, headers, body = session.request("POST", "/host/start/", form)
    pin = re.search(r"/host/(\d{6})/homework/", headers.get("location", ""))
    if status != 302 or pin is None:
        raise bench_run.BenchError(f"POST /host/start/ answered {status}: {body[:300]!r}")
    return pin[1], dict(session.cookies)


async def phone(
    number: int, base_url: str, pin: str, think: float, totals: Totals, rng: random.Random
) -> None:
    url, origin = _ws_url(base_url, f"/ws/play/{pin}/")
    try:
        ws = await _connect(url, origin, 30.0, stamped=True)
    except Exception as exc:
        totals.refused[type(exc).__name__] += 1
        return
    try:
        await ws.send(json.dumps({"type": "join", "nickname": f"Student {number:05d}"}))
        frame = json.loads(await asyncio.wait_for(ws.recv(), 30.0))
        ws.stamp()  # the joined frame's: each message read takes its own stamp
        if frame.get("type") != "joined":
            totals.refused[frame.get("code", frame.get("type"))] += 1
            return
        totals.joined += 1
        await ws.send('{"type":"next"}')
        sent_at = 0.0
        async for raw in ws:
            now = ws.stamp()
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "question":
                await asyncio.sleep(rng.uniform(0.0, 2 * think))
                answer = _answer_frame(frame, rng)
                sent_at = time.perf_counter()
                totals.answers_sent += 1
                await ws.send(json.dumps(answer))
            elif kind == "answer_received":
                totals.acks.append(now - sent_at)
            elif kind == "reveal":
                await ws.send('{"type":"next"}')
            elif kind == "finished":
                totals.finished += 1
                break
            elif kind == "error":
                totals.errors[frame.get("code", "")] += 1
                if frame.get("code") == "try_again":
                    await ws.send(json.dumps(answer))
    except (ConnectionClosed, TimeoutError) as exc:
        totals.refused[f"closed_{type(exc).__name__}"] += 1
    finally:
        await ws.close()


async def teacher_page(base_url: str, pin: str, cookies: dict[str, str], totals: Totals) -> Any:
    url, origin = _ws_url(base_url, f"/ws/host/{pin}/")
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    ws = await _connect(url, origin, 30.0, cookie, stamped=True)

    async def read() -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                now = ws.stamp()
                frame = json.loads(raw)
                if frame.get("type") == "progress":
                    totals.progress += 1
                    totals.progress_times[frame["player_id"]].append(now)

    return ws, asyncio.get_running_loop().create_task(read())


async def play(
    args: argparse.Namespace, base_url: str, pin: str, cookies: dict[str, str], pid: int
) -> dict[str, Any]:
    totals = Totals()
    rng = random.Random(args.seed)
    host_ws, reader = await teacher_page(base_url, pin, cookies, totals)
    cpu_before = bench_run.cpu_seconds([pid])
    wall_before = time.monotonic()
    tasks = []
    for number in range(args.players):
        tasks.append(asyncio.create_task(phone(number, base_url, pin, args.think, totals, rng)))
        await asyncio.sleep(1.0 / args.join_rate)
    await asyncio.gather(*tasks)
    cpu = bench_run.cpu_seconds([pid]) - cpu_before
    wall = time.monotonic() - wall_before
    await asyncio.sleep(1.5)  # the last waiting progress frames
    await host_ws.close()
    reader.cancel()
    fastest = min(
        (b - a for times in totals.progress_times.values() for a, b in itertools.pairwise(times)),
        default=None,
    )
    acks = sorted(totals.acks)
    return {
        "players": args.players,
        "joined": totals.joined,
        "refused": dict(totals.refused),
        "finished": totals.finished,
        "answers_sent": totals.answers_sent,
        "answers_acked": len(acks),
        "errors": dict(totals.errors),
        "ack_p50_ms": _ms(percentile(acks, 0.5)),
        "ack_p95_ms": _ms(percentile(acks, 0.95)),
        "ack_p99_ms": _ms(percentile(acks, 0.99)),
        "ack_max_ms": _ms(acks[-1] if acks else None),
        "answers_per_s": round(len(acks) / wall, 1) if wall else None,
        "wall_s": round(wall, 1),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_share": round(cpu / wall, 2) if wall else None,
        "cpu_ms_per_answer": round(1000 * cpu / len(acks), 2) if acks else None,
        "progress_frames": totals.progress,
        "progress_fastest_gap_s": round(fastest, 3) if fastest is not None else None,
    }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


def stored_answers(db: Path, pin: str) -> int:
    with contextlib.closing(sqlite3.connect(db, timeout=10)) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM classroom_answer a JOIN classroom_game g ON g.id = a.game_id "
            "WHERE g.pin = ?",
            (pin,),
        ).fetchone()
    return count


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.homework", description=__doc__)
    parser.add_argument("--players", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean seconds a student takes per question"
    )
    parser.add_argument("--join-rate", type=float, default=200.0, help="joins per second")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--no-pin", action="store_true", help="do not pin CPUs")
    parser.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = parser.parse_args(argv)
    if not 1 <= args.players <= 5000 or not 1 <= args.questions <= 50 or args.join_rate <= 0:
        parser.error("--players 1..5000, --questions 1..50, --join-rate above 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_fd_limit(args.players + 100)
    workdir = Path(tempfile.mkdtemp(prefix="bench-homework-"))
    procs = bench_run.Processes(workdir)
    env_args = argparse.Namespace(database_url=None, redis_url=None, settings_file=None)
    env = bench_run.django_env(workdir, env_args, args.players)
    password = secrets.token_urlsafe(16)
    pin_cpus = not args.no_pin and (os.cpu_count() or 1) >= 2
    try:
        bench_run.prepare_database(env, password)
        port = bench_run.free_port()
        server = procs.start("daphne", daphne_command(host="127.0.0.1", port=port), env)
        if pin_cpus:
            bench_run.pin_to(server.pid, {0})
            bench_run.pin_to(os.getpid(), {1})
        bench_run.wait_listening(port, server)
        base_url = f"http://127.0.0.1:{port}"
        pin, cookies = start_homework(base_url, password, args.questions)
        result = asyncio.run(play(args, base_url, pin, cookies, server.pid))
        result["stored"] = stored_answers(workdir / "db.sqlite3", pin)
        result["questions"] = args.questions
        result["think_s"] = args.think
        result["machine"] = bench_run.machine_description()
        if server.poll() is not None:
            raise bench_run.BenchError(f"Daphne died:\n{procs.log_tail(server)}")
    finally:
        procs.stop_all()
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

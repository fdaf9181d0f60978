"""The scale-out stack for real: nginx in front of two Daphne processes sharing Redis
and PostgreSQL, started by `python -m classroom.stack` exactly as docs/deploy.md says.

One game's players are spread over both processes (nginx, least_conn); everyone must
get every frame and every stored score must equal a recomputation from the answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import pytest

from bench.loadgen import LoadConfig, run_load
from classroom.serve import server_env

BASE_DIR = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
PLAYERS = 60
QUESTIONS = 3

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        not (REDIS_URL and DATABASE_URL.startswith(("postgres://", "postgresql://"))),
        reason="needs REDIS_URL and a PostgreSQL DATABASE_URL (.ci/run sets both)",
    ),
    pytest.mark.skipif(
        shutil.which("nginx") is None,
        reason="needs Debian's nginx (apt-get install nginx; .ci/run installs it)",
    ),
]


def free_port_block(size: int) -> int:
    """A base port whose next `size` ports are all free (classroom.stack uses base+1..)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + size >= 65535:
            continue
        sockets = []
        try:
            for port in range(base + 1, base + size + 1):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no block of free ports")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def psql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(sql)


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def stack(tmp_path):
    database = f"classroom_scale_{os.getpid()}_{secrets.token_hex(3)}"
    psql(DATABASE_URL, f'CREATE DATABASE "{database}"')
    password = secrets.token_urlsafe(12)
    env = server_env(
        database_url=with_database(DATABASE_URL, database),
        # A database number of its own, so group names cannot meet other tests'.
        redis_url=with_database(REDIS_URL, "7"),
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
    )
    nginx_port = free_port_block(0)
    base_port = free_port_block(2)
    process = None
    try:
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "load_seeds")
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user('teacher', password='{password}')",
        )
        process = subprocess.Popen(
            [
                sys.executable, "-m", "classroom.stack", "--processes", "2",
                "--port", str(nginx_port), "--base-port", str(base_port), "--no-setup",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        lines = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            lines.append(line)
            if line.startswith("Stack up"):
                break
        assert lines and lines[-1].startswith("Stack up"), "".join(lines)
        yield {
            "url": f"http://127.0.0.1:{nginx_port}",
            "daphne_ports": [base_port + 1, base_port + 2],
            "password": password,
            "env": env,
        }
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        psql(DATABASE_URL, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def established_on(port: int) -> int:
    return sum(
        1
        for c in psutil.net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def test_a_game_spread_over_two_daphne_processes_reaches_everyone_with_right_scores(stack):
    spread: dict[int, int] = {}

    async def count_sockets_per_process() -> None:
        for port in stack["daphne_ports"]:
            spread[port] = established_on(port)

    config = LoadConfig(
        servers=[stack["url"]],
        players=PLAYERS,
        questions=QUESTIONS,
        join_rate=100,
        gap_s=0.3,
        username="teacher",
        password=stack["password"],
    )
    result = asyncio.run(run_load(config, on_all_joined=count_sockets_per_process))

    # nginx spread the phones over both processes.
    assert all(count >= PLAYERS // 4 for count in spread.values()), spread
    assert result.joined == PLAYERS and not result.refused
    assert [r.delivered for r in result.rounds] == [PLAYERS] * QUESTIONS
    assert [r.reveals for r in result.rounds] == [PLAYERS] * QUESTIONS
    assert result.answers_acked == result.answers_sent == PLAYERS * QUESTIONS
    assert result.player_seq_gaps == 0
    # Under load, two processes' broadcasts can still reach the projector out of order
    # after the hub's wait (a gap the client repairs with a snapshot); none may be lost.
    assert result.host_frames_missing == 0
    assert result.host_errors == []

    audit = manage(
        stack["env"],
        "shell",
        "-c",
        "import json; from classroom.models import Game, Answer; "
        "from tests.classroom.helpers import game_recomputed_totals; "
        f"g = Game.objects.get(pin='{result.pin}'); "
        "t = game_recomputed_totals(game=g); "
        "print(json.dumps({'answers': Answer.objects.filter(game=g).count(), "
        "'mismatches': [p.id for p in g.players.all() if t[p.id].score != p.score], "
        "'scored': sum(1 for p in g.players.all() if p.score > 0)}))",
    )
    numbers = json.loads(audit.strip().splitlines()[-1])
    assert numbers["answers"] == result.answers_acked
    assert numbers["mismatches"] == []
    assert numbers["scored"] > 0

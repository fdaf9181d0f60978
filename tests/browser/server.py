"""A real classroom server for the browser tests and the docs screenshots.

Daphne runs as a child process with the project's own command line
(`classroom.serve.daphne_command`), on a free port, against a throwaway SQLite
database that holds the real seed quiz and one teacher account. Nothing in the
product knows it is being tested.
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classroom import gate
from classroom.serve import daphne_command
from classroom.serve import server_env as child_server_env

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian's chromium is not installed (apt-get install chromium)"
SEED_QUIZ = "pakistan-ussr-1947-1988"
TEACHER = "ms-khan"
TEACHER_PASSWORD = "projector-and-chalk-1947"

# Chromium as the issue asks; the extra switches stop it from phoning home, which this
# machine refuses (and which a classroom without internet would not have either).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    """A running Daphne child; `url` is its origin, e.g. http://127.0.0.1:41234."""

    url: str
    db_path: Path
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False)

    def count_questions(self, quiz: str, *, years: tuple[int, int]) -> int:
        """How many questions of `quiz` are about an event of `years` (first included,
        last not), as the server stored them."""
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM quizzes_question q "
                "JOIN quizzes_quiz z ON z.id = q.quiz_id "
                "JOIN quizzes_event e ON e.id = q.event_id "
                "WHERE z.slug = ? AND e.year >= ? AND e.year < ?",
                (quiz, *years),
            ).fetchone()
        return count

    def _running_game(self, pin: str, column: str) -> Any:
        """`column` of the running game with `pin`, as the server stored it."""
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=10)) as db:
            row = db.execute(
                f"SELECT {column} FROM classroom_game WHERE pin = ? AND ended_at IS NULL "
                "ORDER BY id DESC LIMIT 1",
                (pin,),
            ).fetchone()
        if row is None:
            raise LookupError(f"no running game has PIN {pin}")
        return row[0]

    def game_questions(self, pin: str) -> list[dict[str, Any]]:
        """The questions of the running game with `pin`, answer key included, as the
        server stored them (choice order is the game's own)."""
        return json.loads(self._running_game(pin, "questions"))

    def gate_sequences_near(self, pin: str, *, windows: int = 2) -> set[tuple[str, ...]]:
        """Every shape sequence the join gate of the running game with `pin` accepts
        from the previous window to `windows` windows ahead (what a test must avoid when
        it wants wrong shapes: the projector shows only the current one)."""
        key = gate.game_key(self.env["DJANGO_SECRET_KEY"], self._running_game(pin, "id"))
        now = gate.window_of(int(time.time() * 1000))
        return {gate.sequence(key, now + step) for step in range(-1, windows + 1)}

    def load_seeds(self, *paths: Path) -> None:
        """Load more seed YAML files (their pictures too) into the running server's
        database and media folder."""
        _manage(self.env, "load_seeds", *map(str, paths))

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def _manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def server_env(db_path: Path) -> dict[str, str]:
    # CI exports REDIS_URL/DATABASE_URL for the scale-out tests; this server is one
    # process on SQLite serving its own static files, and its pictures from a folder
    # beside its database (never the checkout's media/).
    return child_server_env(
        database_url=f"sqlite:///{db_path}",
        DJANGO_SERVE_STATIC="1",
        DJANGO_MEDIA_ROOT=str(db_path.parent / "media"),
    )


@contextlib.contextmanager
def live_server(workdir: Path | None = None) -> Iterator[LiveServer]:
    """Migrate, load the seed, create the teacher, run Daphne; stop it afterwards."""
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="quiz-e2e-")))
        db_path = workdir / "db.sqlite3"
        env = server_env(db_path)
        # One interpreter for the three setup steps: starting Django is the slow part.
        _manage(
            env,
            "shell",
            "-c",
            "from django.core.management import call_command; "
            "from django.contrib.auth import get_user_model; "
            "call_command('migrate', interactive=False, verbosity=0); "
            "call_command('load_seeds', verbosity=0); "
            f"get_user_model().objects.create_user({TEACHER!r}, password={TEACHER_PASSWORD!r})",
        )
        port = free_port()
        log_path = workdir / "daphne.log"
        log = stack.enter_context(open(log_path, "wb"))
        process = subprocess.Popen(
            daphne_command(host="127.0.0.1", port=port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = LiveServer(
            url=f"http://127.0.0.1:{port}",
            db_path=db_path,
            process=process,
            log_path=log_path,
            env=env,
        )
        try:
            _wait_until_up(server)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _wait_until_up(server: LiveServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"Daphne exited early:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/play/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Daphne did not answer within {timeout:.0f} s:\n{server.log_tail()}")

"""The README's start command for real, on a copy of the project in a temporary folder:
what it writes to disk is owner-only, and the teacher's password is printed only once.

Runs `python -m classroom.serve` twice (under umask 000, so that any file created with a
default mode would show it), stats var/, the secret key, the password file and the
SQLite files, and reads what each start printed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.process

BASE_DIR = Path(__file__).resolve().parents[2]
PROJECT = ("classroom", "quizzes", "seeds", "templates", "static", "manage.py")
BANNER = "Classroom quiz: open"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_project(to: Path) -> Path:
    for name in PROJECT:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, to / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, to / name)
    return to


def _clean_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PUBLIC_BASE_URL"))
    }
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _start(project: Path) -> tuple[subprocess.Popen[str], str, int]:
    """Start the server; return it, what it printed up to its banner, and its port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "classroom.serve", "--port", str(port)],
        cwd=project,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # The worst case: nothing is taken away by the umask.
        preexec_fn=lambda: os.umask(0),
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if line.startswith(BANNER):
            break
    output = "".join(lines)
    assert BANNER in output, output
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                break
        except OSError:
            assert time.monotonic() < deadline, output
            time.sleep(0.2)
    return process, output, port


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _log_in(port: int, username: str, password: str) -> int:
    """Log in through the real form; the status of the POST (302 when it worked)."""
    from http.cookiejar import CookieJar

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    url = f"http://127.0.0.1:{port}/accounts/login/"
    page = opener.open(url, timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})
    try:
        return opener.open(request, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_first_start_writes_only_owner_only_files_and_prints_the_password_once(tmp_path):
    project = _copy_project(tmp_path / "project")
    process, first, port = _start(project)
    try:
        var = project / "var"
        password_file = var / "teacher-password.txt"
        username, password = password_file.read_text().split()
        assert username == "teacher"
        assert password in first, first
        # The account works: the printed password logs in.
        assert _log_in(port, username, password) == 302
        files = [var / "secret_key", password_file, project / "db.sqlite3"]
        files += [
            project / f"db.sqlite3{suffix}"
            for suffix in ("-wal", "-shm")
            if (project / f"db.sqlite3{suffix}").exists()
        ]
        assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert _mode(var) == 0o700
        # Nothing else in var/ that another local user could read.
        for path in var.rglob("*"):
            assert _mode(path) & 0o077 == 0, path
    finally:
        _stop(process)

    process, second, _port = _start(project)
    try:
        assert password not in second, second
        assert "var/teacher-password.txt" in second, second
        assert (project / "var" / "teacher-password.txt").read_text().split()[1] == password
    finally:
        _stop(process)


def test_a_real_migrate_makes_the_database_and_its_wal_and_shm_owner_only(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = _clean_env()
    env.update(
        DJANGO_SETTINGS_MODULE="classroom.settings",
        DJANGO_SECRET_KEY="only-for-this-test-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{database}",
    )
    script = (
        "import os, stat, sys\n"
        "from django.core.management import call_command\n"
        "from django.db import connection\n"
        "call_command('migrate', interactive=False, verbosity=0)\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('INSERT INTO auth_group (name) VALUES (%s)', ['probe'])\n"
        "    for suffix in ('', '-wal', '-shm'):\n"
        f"        path = {str(database)!r} + suffix\n"
        "        print(suffix or 'db', oct(stat.S_IMODE(os.stat(path).st_mode)))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        preexec_fn=lambda: os.umask(0),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["db", "0o600", "-wal", "0o600", "-shm", "0o600"]

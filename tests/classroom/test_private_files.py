"""Owner-only files and directories, created so from their first byte."""

import contextlib
import os
import stat
from pathlib import Path

import pytest

from classroom import private_files
from classroom.private_files import create_private_file, private_dir, write_private
from classroom.serve import ensure_secret_key


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def no_umask():
    """The worst case: a umask that takes nothing away, so any default mode shows."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def modes_when_written(monkeypatch):
    """The mode of each file at the moment bytes are written into it."""
    seen: list[tuple[int, int]] = []
    real_write = os.write

    def write(fd, data):
        info = os.fstat(fd)
        seen.append((info.st_ino, stat.S_IMODE(info.st_mode)))
        return real_write(fd, data)

    monkeypatch.setattr(private_files.os, "write", write)
    return seen


def test_a_secret_is_owner_only_before_its_first_byte_is_written(
    tmp_path, no_umask, modes_when_written
):
    secret = tmp_path / "var" / "secret"
    write_private(secret, "s3cret")
    assert secret.read_text() == "s3cret"
    assert mode(secret) == 0o600
    assert mode(tmp_path / "var") == 0o700
    inode = secret.stat().st_ino
    assert [m for ino, m in modes_when_written if ino == inode] == [0o600]
    # No temporary file is left beside it.
    assert [p.name for p in (tmp_path / "var").iterdir()] == ["secret"]


def test_rewriting_a_file_an_older_version_left_readable_makes_it_owner_only(tmp_path, no_umask):
    old = tmp_path / "password.txt"
    old.write_text("old")
    old.chmod(0o644)
    write_private(old, "new")
    assert old.read_text() == "new" and mode(old) == 0o600


def test_a_private_dir_is_0700_and_an_existing_open_one_is_closed(tmp_path, no_umask):
    made = private_dir(tmp_path / "var")
    assert mode(made) == 0o700
    legacy = tmp_path / "legacy"
    legacy.mkdir(mode=0o755)
    legacy.chmod(0o755)
    private_dir(legacy)
    assert mode(legacy) == 0o700


def test_an_empty_private_file_is_created_once_and_never_truncated(tmp_path, no_umask):
    path = tmp_path / "db.sqlite3"
    assert create_private_file(path) is True
    assert mode(path) == 0o600 and path.read_bytes() == b""
    path.write_bytes(b"data")
    path.chmod(0o644)
    assert create_private_file(path) is False
    assert path.read_bytes() == b"data" and mode(path) == 0o600


def test_the_secret_key_and_var_are_owner_only_from_the_start(
    tmp_path, no_umask, modes_when_written, monkeypatch
):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    ensure_secret_key(tmp_path)
    key = tmp_path / "var" / "secret_key"
    assert len(key.read_text()) >= 50
    assert mode(tmp_path / "var") == 0o700 and mode(key) == 0o600
    assert [m for ino, m in modes_when_written if ino == key.stat().st_ino] == [0o600]
    # Kept on the next start.
    before = key.read_text()
    ensure_secret_key(tmp_path)
    assert key.read_text() == before


def test_a_key_an_older_version_left_readable_is_made_owner_only(tmp_path, no_umask, monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    (var / "secret_key").write_text("old-key")
    (var / "secret_key").chmod(0o644)
    ensure_secret_key(tmp_path)
    assert (var / "secret_key").read_text() == "old-key"
    assert mode(var) == 0o700 and mode(var / "secret_key") == 0o600


def test_the_sqlite_file_exists_owner_only_before_sqlite_opens_it(
    tmp_path, no_umask, monkeypatch, django_db_blocker
):
    """SQLite would create it 0644 (0666 under this umask), and its -wal and -shm alike."""
    from django.db import connections
    from django.db.backends.sqlite3 import base as sqlite_base

    from classroom.sqlite.base import DatabaseWrapper

    path = tmp_path / "db.sqlite3"
    seen: list[int | None] = []
    real_connect = sqlite_base.Database.connect

    def connect(*args, **kwargs):
        seen.append(mode(path) if path.exists() else None)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(sqlite_base.Database, "connect", connect)
    settings_dict = {**connections["default"].settings_dict, "NAME": str(path)}
    settings_dict["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL;"}
    wrapper = DatabaseWrapper(settings_dict, alias="owner_only_probe")
    with django_db_blocker.unblock(), contextlib.ExitStack() as cleanup:
        cleanup.callback(wrapper.close)
        with wrapper.cursor() as cursor:
            cursor.execute("CREATE TABLE t (x integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
            side = [tmp_path / f"db.sqlite3{suffix}" for suffix in ("-wal", "-shm")]
            assert all(p.exists() for p in side)
            assert [mode(p) for p in [path, *side]] == [0o600] * 3
    assert seen == [0o600]

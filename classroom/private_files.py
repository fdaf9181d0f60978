"""Files only the server's own user may read: var/, the secret key, the teacher's
password, the SQLite database.

Each is created owner-only from its first byte: directories with mode 0700, files
opened with O_CREAT|O_EXCL and mode 0600 before anything is written (writing first
and chmod-ing after leaves a moment in which another local user can read the file).
The umask can only take permissions away, so these modes hold whatever it is.

A file or directory left readable by an older version is tightened when found.

Pure: stdlib only (classroom.serve uses it before Django is set up).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """Take group and other permissions away from `path` if it is ours and has any."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or info.st_uid != os.geteuid():
        return
    if stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & mode)


def private_dir(path: Path) -> Path:
    """Make `path` (and any missing parent) a directory only its owner can enter."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable only by its owner from the first byte.

    The text goes into a new owner-only file beside `path`, which then replaces it in
    one step: a reader sees the old file or the new one, never a half-written one.
    """
    path = Path(path)
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        data = text.encode()
        while data:
            written = os.write(fd, data)
            data = data[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temporary.unlink()
        raise
    os.close(fd)
    os.replace(temporary, path)


def create_private_file(path: Path) -> bool:
    """Create `path` empty and owner-only unless it exists; True if it was created.

    An existing file is tightened to owner-only instead.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    except FileExistsError:
        _tighten(path, FILE_MODE)
        return False
    os.close(fd)
    return True

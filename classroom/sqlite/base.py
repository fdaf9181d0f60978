"""Django's SQLite backend, except that the database file is created owner-only.

SQLite creates a missing database file with mode 0644 (less the umask), and gives
its -wal, -shm and -journal files the database file's mode: the students' answers and
the teachers' password hashes would be readable by every local user. Creating the file
empty with mode 0600 before SQLite opens it (an empty file is a valid empty database)
makes all of them owner-only from the first byte. settings.py selects this backend
for every SQLite database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base

from classroom.private_files import create_private_file

SIDE_FILES = ("-wal", "-shm", "-journal")


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        name = conn_params.get("database")
        if isinstance(name, (str, Path)) and not self.is_in_memory_db():
            path = Path(name)
            # A "file:" URI names its file with options; only plain paths are ours.
            if not str(name).startswith("file:") and path.parent.is_dir():
                create_private_file(path)
                # Left readable by an older version: made owner-only like the database.
                for suffix in SIDE_FILES:
                    side = path.with_name(path.name + suffix)
                    if side.exists():
                        create_private_file(side)
        return super().get_new_connection(conn_params)

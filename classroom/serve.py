"""Start the embedded classroom server: one command, everything set up.

    python -m classroom.serve            # http://127.0.0.1:8000, this computer only
    python -m classroom.serve --lan      # reachable by phones on the same network

It keeps a secret key in var/secret_key (created once), migrates the SQLite
database, loads the seed quizzes, creates a teacher account if there is none and
prints how to log in, then runs Daphne with the websocket limits this project
relies on (frames over 4 KB refused, a listen backlog for a class joining at once).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import sys
from pathlib import Path

from classroom.private_files import create_private_file, private_dir, write_private

BASE_DIR = Path(__file__).resolve().parent.parent

# Incoming frames are tiny JSON objects; refusing big ones at the server keeps a
# prankster from making the process buffer megabytes (Daphne's own default is 1 MiB).
MAX_MESSAGE_BYTES = 64 * 1024
LISTEN_BACKLOG = 2048


def lan_address() -> str:
    """Return this machine's address on the local network (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # connect() on UDP only picks a route; nothing leaves the machine.
        probe.connect(("192.0.2.1", 9))
        return probe.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def ensure_secret_key(base_dir: Path = BASE_DIR) -> None:
    """Create var/secret_key once, owner-only from its first byte (var/ too)."""
    if os.environ.get("DJANGO_SECRET_KEY"):
        return
    var = private_dir(base_dir / "var")
    key_file = var / "secret_key"
    if key_file.is_file():
        create_private_file(key_file)  # an older version's key: made owner-only
    else:
        write_private(key_file, secrets.token_urlsafe(50))


def server_env(*, database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    """The environment of a server process this project starts (tests, benchmarks, the
    stack): this machine's, minus any Django, database or Redis setting it carries,
    plus a fresh secret key and the given database (and Redis, for several processes).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PUBLIC_BASE_URL"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "classroom.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def daphne_command(*, host: str, port: int, proxy_headers: bool = False) -> list[str]:
    """Return the Daphne command line this project runs (documented in docs/deploy.md)."""
    return [
        sys.executable,
        "-m",
        "daphne",
        "-e",
        f"tcp:port={port}:interface={host}:backlog={LISTEN_BACKLOG}",
        "--websocket-max-message-size",
        str(MAX_MESSAGE_BYTES),
        "--websocket-max-frame-size",
        str(MAX_MESSAGE_BYTES),
        "--ping-interval",
        "20",
        "--ping-timeout",
        "30",
        # Behind nginx the client's address (for per-IP budgets) is X-Forwarded-For.
        *(["--proxy-headers"] if proxy_headers else []),
        "classroom.asgi:application",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--lan", action="store_true", help="listen on every interface so phones can join"
    )
    parser.add_argument("--no-setup", action="store_true", help="skip migrate/load_seeds")
    args = parser.parse_args(argv)

    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "classroom.settings")
    ensure_secret_key()
    host = "127.0.0.1"
    base_url = f"http://127.0.0.1:{args.port}"
    if args.lan:
        host = "0.0.0.0"
        address = lan_address()
        base_url = f"http://{address}:{args.port}"
        hosts = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
        os.environ["DJANGO_ALLOWED_HOSTS"] = f"{hosts},{address}"
        os.environ.setdefault("PUBLIC_BASE_URL", base_url)

    import django
    from django.core.management import call_command

    django.setup()
    if not args.no_setup:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_seeds")
        call_command("ensure_teacher")
    call_command("reset_presence")
    print(f"\nClassroom quiz: open {base_url}/ (teacher) — students join at {base_url}/play/\n")
    sys.stdout.flush()
    command = daphne_command(host=host, port=args.port)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()

"""Start the scale-out stack on one machine: nginx in front of N Daphne processes
sharing Redis (channel layer) and PostgreSQL.

    REDIS_URL=redis://127.0.0.1:6379/0 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/classroom \\
    python -m classroom.stack --processes 2 --port 8000

Daphne listens on 127.0.0.1:BASE_PORT+1..N, nginx on --port and serves the collected
static files and the questions' pictures (MEDIA_ROOT). Ctrl-C (or SIGTERM) stops
everything. docs/deploy.md gives the same steps as a command list for a permanent
install.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from classroom.serve import BASE_DIR, daphne_command, ensure_secret_key

NGINX_TEMPLATE = BASE_DIR / "docs" / "deploy" / "nginx.conf"


def render_nginx_conf(
    *, listen: str, ports: list[int], static_root: Path, rundir: Path, media_root: Path
) -> str:
    upstreams = "\n".join(f"        server 127.0.0.1:{port};" for port in ports)
    text = NGINX_TEMPLATE.read_text()
    for placeholder, value in {
        "@UPSTREAMS@": upstreams,
        "@LISTEN@": listen,
        "@STATIC_ROOT@": str(static_root),
        "@MEDIA_ROOT@": str(media_root),
        "@RUNDIR@": str(rundir),
    }.items():
        text = text.replace(placeholder, value)
    return text


def wait_until_serving(url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError as exc:
            if getattr(exc, "code", None) is not None:
                return  # an HTTP error status still means the server answers
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout:.0f} s") from exc
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="nginx + N Daphne + Redis + PostgreSQL")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8000, help="nginx's port")
    parser.add_argument("--host", default="127.0.0.1", help="nginx's address (0.0.0.0: LAN)")
    parser.add_argument("--base-port", type=int, default=8100, help="Daphne: base+1..base+N")
    parser.add_argument("--no-setup", action="store_true", help="skip migrate/load_seeds")
    args = parser.parse_args(argv)

    missing = [name for name in ("REDIS_URL", "DATABASE_URL") if not os.environ.get(name)]
    if missing:
        sys.exit(f"classroom.stack: set {' and '.join(missing)} (several processes share them)")
    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "classroom.settings")
    os.environ["DJANGO_SERVE_STATIC"] = "0"
    ensure_secret_key()
    rundir = BASE_DIR / "var" / f"stack-{args.port}"
    rundir.mkdir(parents=True, exist_ok=True)

    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    if not args.no_setup:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("load_seeds")
        call_command("ensure_teacher")
    call_command("reset_presence")
    call_command("collectstatic", verbosity=0, interactive=False)

    ports = [args.base_port + i for i in range(1, args.processes + 1)]
    conf = rundir / "nginx.conf"
    conf.write_text(
        render_nginx_conf(
            listen=f"{args.host}:{args.port}",
            ports=ports,
            static_root=Path(settings.STATIC_ROOT),
            rundir=rundir,
            media_root=Path(settings.MEDIA_ROOT),
        )
    )
    children: list[subprocess.Popen[bytes]] = []

    def terminate_all() -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()

    def stop(*_: object) -> None:
        terminate_all()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        for port in ports:
            children.append(
                subprocess.Popen(daphne_command(host="127.0.0.1", port=port, proxy_headers=True))
            )
        for port in ports:
            wait_until_serving(f"http://127.0.0.1:{port}/accounts/login/")
        children.append(
            subprocess.Popen(
                ["nginx", "-c", str(conf), "-p", str(rundir), "-g", "daemon off;"],
            )
        )
        wait_until_serving(f"http://127.0.0.1:{args.port}/accounts/login/")
        print(
            f"Stack up: nginx on http://{args.host}:{args.port}/ -> "
            f"{len(ports)} Daphne processes on ports {ports[0]}-{ports[-1]}",
            flush=True,
        )
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("classroom.stack: a process exited; stopping the stack", file=sys.stderr)
        sys.exit(1)
    finally:
        terminate_all()


if __name__ == "__main__":
    main()

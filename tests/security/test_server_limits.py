"""Limits below the application: Daphne's websocket size limits and the nginx proxy's
client address, with the command line and configuration this project ships."""

from __future__ import annotations

import asyncio
import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from websockets.asyncio.client import connect

from classroom import serve
from classroom.stack import render_nginx_conf

BASE_DIR = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {port}")


def test_the_daphne_command_line_sets_both_websocket_limits():
    command = serve.daphne_command(host="127.0.0.1", port=8000)
    at = command.index("--websocket-max-message-size")
    assert int(command[at + 1]) == serve.MAX_MESSAGE_BYTES
    at = command.index("--websocket-max-frame-size")
    assert int(command[at + 1]) == serve.MAX_MESSAGE_BYTES
    # Tiny JSON frames are all the protocol needs; Daphne's own default is 1 MiB.
    assert 4096 < serve.MAX_MESSAGE_BYTES <= 64 * 1024


def test_the_documented_systemd_command_line_has_the_same_limits():
    deploy = (BASE_DIR / "docs" / "deploy.md").read_text()
    exec_start = next(line for line in deploy.splitlines() if "ExecStart=" in line)
    size = str(serve.MAX_MESSAGE_BYTES)
    assert f"--websocket-max-message-size {size}" in exec_start
    assert f"--websocket-max-frame-size {size}" in exec_start


@pytest.fixture
def daphne_echo():
    port = _free_port()
    command = serve.daphne_command(host="127.0.0.1", port=port)
    # Same switches, an echo app in place of classroom.asgi:application.
    command[-1] = "tests.security.echo_asgi:application"
    assert command[1:3] == ["-m", "daphne"]
    process = subprocess.Popen(
        [sys.executable, *command[1:]],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _send_and_read(port: int, message: str | list[str]) -> str:
    async with connect(f"ws://127.0.0.1:{port}/ws/", max_size=None, open_timeout=5) as ws:
        await ws.send(message)
        return await asyncio.wait_for(ws.recv(), timeout=5)


async def test_daphne_refuses_a_message_over_the_limit_and_keeps_serving(daphne_echo):
    limit = serve.MAX_MESSAGE_BYTES
    assert await _send_and_read(daphne_echo, "x" * (limit - 1024)) == str(limit - 1024)
    # One frame over the limit.
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await _send_and_read(daphne_echo, "x" * (limit + 1024))
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    # A message over the limit in small frames (the message limit, not the frame one).
    fragments = ["y" * 16384] * (limit // 16384 + 2)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await _send_and_read(daphne_echo, fragments)
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    # The server is unharmed: a fresh socket is served.
    assert await _send_and_read(daphne_echo, "hello") == "5"


class _EchoHeaders(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (self.headers.get("X-Forwarded-For") or "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.skipif(shutil.which("nginx") is None, reason="Debian's nginx is not installed")
def test_nginx_overwrites_a_client_supplied_x_forwarded_for(tmp_path):
    # Daphne's --proxy-headers trusts the leftmost X-Forwarded-For address, so nginx
    # must replace the header: otherwise a client picks its own address and escapes the
    # per-IP PIN budget and the login lockout.
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        render_nginx_conf(
            listen=f"127.0.0.1:{port}",
            ports=[upstream.server_address[1]],
            static_root=tmp_path,
            rundir=tmp_path,
            media_root=tmp_path,
        )
    )
    nginx = subprocess.Popen(
        [
            "nginx",
            "-e",
            str(tmp_path / "error.log"),
            "-c",
            str(conf),
            "-p",
            str(tmp_path),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, nginx)
        for path in ("/", "/ws/play/123456/", "/accounts/login/", "/admin/"):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}",
                headers={"X-Forwarded-For": "203.0.113.99, 198.51.100.1"},
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.read().decode() == "127.0.0.1", path
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        upstream.shutdown()

"""nginx in the scale-out setup serves questions' pictures itself (docs/deploy/nginx.conf,
`location /media/`): the stored formats with their own content types, nosniff, a week's
caching, and 404 for anything else under /media/. Runs the project's nginx.conf as
`classroom.stack` renders it, with no Daphne behind it (pictures never reach Daphne)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from classroom.stack import render_nginx_conf
from quizzes.images import picture_from_bytes
from tests.quizzes import pictures

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None, reason="needs Debian's nginx (apt-get install nginx)"
)
NAME = "questions/" + "3f" * 16


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(tmp_path):
    """nginx on a free port, MEDIA_ROOT holding a PNG, a JPEG and a WebP picture, and
    files that must never be served."""
    # nginx started as root serves as `nobody`, which must be able to read MEDIA_ROOT
    # (docs/deploy.md says so for a real install); pytest's own folders are owner-only.
    media = Path(tempfile.mkdtemp(prefix="media-", dir=tmp_path.anchor + "tmp"))
    media.chmod(0o755)
    (media / "questions").mkdir(parents=True)
    for maker, extension in (
        (pictures.map_png, "png"),
        (pictures.photo_jpeg_with_metadata, "jpg"),
        (pictures.webp_picture, "webp"),
    ):
        (media / f"{NAME}.{extension}").write_bytes(picture_from_bytes(maker()).data)
    (media / "questions" / "page.html").write_bytes(b"<script>alert(1)</script>")
    secret = media.parent / f"{media.name}-secret.png"
    secret.write_bytes(b"outside the media folder")
    secret.chmod(0o644)
    (media / "questions" / ("ab" * 16 + ".png")).symlink_to(secret)
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        render_nginx_conf(
            listen=f"127.0.0.1:{port}",
            ports=[free_port()],  # nothing listens there: /media/ must not need it
            static_root=tmp_path / "static",
            rundir=tmp_path,
            media_root=media,
        )
    )
    process = subprocess.Popen(
        [
            *("nginx", "-e", str(tmp_path / "error.log"), "-c", str(conf)),
            *("-p", str(tmp_path), "-g", "daemon off;"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while True:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", media
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(media)
    secret.unlink()


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.mark.parametrize(
    ("extension", "content_type"),
    [("png", "image/png"), ("jpg", "image/jpeg"), ("webp", "image/webp")],
)
def test_nginx_serves_a_stored_picture_as_its_format(nginx, extension, content_type):
    base, media = nginx
    status, headers, body = get(f"{base}/media/{NAME}.{extension}")
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "public, max-age=604800, immutable"
    assert body == (media / f"{NAME}.{extension}").read_bytes()


def test_nginx_follows_no_symlink_out_of_media(nginx):
    base, _ = nginx
    status, _, body = get(f"{base}/media/questions/{'ab' * 16}.png")
    assert status == 403 and b"outside the media folder" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/media/questions/page.html",
        "/media/questions/",
        "/media/",
        "/media/../secret.png",
        "/media/questions/..%2f..%2fsecret.png",
        "/media/questions/%2e%2e/%2e%2e/secret.png",
        "/media/questions/" + "0" * 32 + ".png",  # no such picture
        "/media/nginx.conf",
    ],
)
def test_nginx_serves_nothing_else_under_media(nginx, path):
    """404 under /media/; a path with `..` is first made plain by nginx, lands outside
    /media/ and goes to Daphne (which nothing runs here: 502), never to the file."""
    base, _ = nginx
    status, _, body = get(base + path)
    assert status == (502 if ".." in path or "%2e%2e" in path else 404), (path, status)
    assert b"outside the media folder" not in body and b"<script>" not in body


def test_the_admin_takes_an_upload_as_big_as_a_picture_may_be():
    conf = (Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx.conf").read_text()
    admin = conf.split("location /admin/ {", 1)[1].split("}", 1)[0]
    assert "client_max_body_size 9m;" in admin  # quizzes/images.py MAX_BYTES is 8 MB

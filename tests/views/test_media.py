"""/media/: questions' pictures from the embedded server (classroom/media.py).

Only files inside MEDIA_ROOT in a stored picture format, each with its format's content
type and `nosniff`; everything else, and everything when the server does not serve
static files, is 404."""

from __future__ import annotations

import pytest

from quizzes.images import picture_from_bytes
from quizzes.models import picture_file_save
from tests.quizzes import pictures

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SERVE_STATIC = True
    return settings.MEDIA_ROOT


@pytest.fixture
def stored(media):
    return picture_file_save(picture_from_bytes(pictures.map_png(300, 200)))


def test_a_stored_picture_is_served_as_what_it_is(client, media, stored):
    response = client.get(f"/media/{stored}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=604800, immutable"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert b"".join(response.streaming_content) == (media / stored).read_bytes()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [(pictures.photo_jpeg_with_metadata(), "image/jpeg"), (pictures.webp_picture(), "image/webp")],
)
def test_the_content_type_is_the_stored_formats(client, media, data, content_type):
    name = picture_file_save(picture_from_bytes(data))
    response = client.get(f"/media/{name}")
    assert (response.status_code, response["Content-Type"]) == (200, content_type)


def test_head_is_answered_and_a_post_is_not_allowed(client, stored):
    assert client.head(f"/media/{stored}").status_code == 200
    assert client.post(f"/media/{stored}").status_code == 405


def test_a_missing_picture_is_404(client, stored):
    assert client.get("/media/questions/" + "0" * 32 + ".png").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../classroom/settings.py",
        "/media/questions/../../secret.png",
        "/media/%2e%2e/%2e%2e/classroom/settings.py",
        "/media/..%2f..%2fdb.png",
        "/media//etc/passwd",
        "/media/questions\\..\\x.png",
        "/media/questions/",
        "/media/questions",
        "/media/",
    ],
)
def test_a_path_out_of_media_root_or_to_a_folder_is_404(client, media, stored, path):
    (media.parent / "secret.png").write_bytes(b"outside the media folder")
    assert client.get(path).status_code == 404


def test_a_symlink_inside_media_root_to_a_file_outside_is_404(client, media, stored):
    outside = media.parent / "outside.png"
    outside.write_bytes(pictures.map_png(10, 10))
    (media / "questions" / "link.png").symlink_to(outside)
    assert client.get("/media/questions/link.png").status_code == 404


@pytest.mark.parametrize("name", ["notes.html", "drawing.svg", "data.json", "questions/x"])
def test_a_file_that_is_not_a_stored_picture_format_is_404(client, media, stored, name):
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"<script>alert(1)</script>")
    assert client.get(f"/media/{name}").status_code == 404


def test_nothing_is_served_when_the_server_does_not_serve_static_files(client, settings, stored):
    settings.SERVE_STATIC = False
    assert client.get(f"/media/{stored}").status_code == 404


def test_pages_may_show_pictures_from_this_server_only(client):
    policy = client.get("/play/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["img-src"] == "'self'"

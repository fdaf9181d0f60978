"""Page-wide rules: no inline script in any template, a CSP header on every response."""

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATE_DIR = Path(settings.BASE_DIR) / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.IGNORECASE | re.DOTALL)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    return sorted(TEMPLATE_DIR.rglob("*.html"))


def test_there_are_templates_to_scan():
    names = {p.relative_to(TEMPLATE_DIR).as_posix() for p in _templates()}
    assert {"base.html", "classroom/projector.html", "classroom/phone.html"} <= names


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(TEMPLATE_DIR).as_posix())
def test_no_template_has_inline_script_or_handlers(path):
    text = path.read_text()
    for attributes, body in SCRIPT_TAG.findall(text):
        assert "src=" in attributes, f"{path}: inline <script> without src"
        assert not body.strip(), f"{path}: <script> with inline code"
    assert not EVENT_ATTRIBUTE.search(text), f"{path}: inline event handler attribute"
    assert not STYLE_ATTRIBUTE.search(text), f"{path}: inline style attribute (blocked by CSP)"
    assert "javascript:" not in text.lower()


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.relative_to(TEMPLATE_DIR).as_posix())
def test_no_template_loads_anything_from_another_server(path):
    text = path.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path


def _pages(game):
    return [
        "/",
        "/accounts/login/",
        "/play/",
        f"/play/{game.pin}/",
        f"/host/{game.pin}/",
        f"/host/{game.pin}/report/",
        f"/host/{game.pin}/report.csv",
        f"/games/{game.pk}/delete/",
    ]


def test_every_page_carries_a_content_security_policy(teacher_client, game):
    for url in _pages(game):
        response = teacher_client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy, url


def test_error_and_redirect_responses_carry_the_policy_too(client, game, other_teacher):
    assert "Content-Security-Policy" in client.get(f"/host/{game.pin}/")  # login redirect
    client.force_login(other_teacher)
    assert "Content-Security-Policy" in client.get(f"/host/{game.pin}/")  # 403
    assert "Content-Security-Policy" in client.post("/host/start/", {"quiz": "nope"})  # 400


@pytest.mark.parametrize(
    "name",
    [
        "css/app.css",
        "js/common.js",
        "js/kinds.js",
        "js/projector-lobby.js",
        "js/projector-reveal.js",
        "js/projector.js",
        "js/phone-storage.js",
        "js/phone-gate.js",
        "js/phone-results.js",
        "js/phone.js",
    ],
)
def test_static_assets_exist(name):
    assert (Path(settings.BASE_DIR) / "static" / name).is_file()


def test_rendered_pages_have_no_inline_script_or_style_attributes(teacher_client, game):
    """The policy would block them; the QR code's SVG and every include are checked too."""
    for url in _pages(game):
        response = teacher_client.get(url)
        if not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        for attributes, body in SCRIPT_TAG.findall(html):
            assert "src=" in attributes and not body.strip(), url
        assert not EVENT_ATTRIBUTE.search(html), url
        assert not STYLE_ATTRIBUTE.search(html), url

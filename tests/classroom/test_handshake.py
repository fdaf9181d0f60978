"""What a websocket handshake says (classroom/handshake.py): whether its Origin may open
a game socket, and the address the lobby's join link is built from."""

import pytest
from channels.db import database_sync_to_async

from classroom import handshake
from tests.classroom.conftest import Socket, session_cookie


def _handshake(origin: str | None, host: str = "quiz.school.example", **scope) -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    for name, value in scope.pop("extra_headers", []):
        headers.append((name.encode(), value.encode()))
    return {"type": "websocket", "headers": headers, **scope}


def test_the_origin_must_be_the_sockets_own_scheme_host_and_port(settings):
    settings.ALLOWED_HOSTS = ["quiz.school.example"]
    settings.CSRF_TRUSTED_ORIGINS = []
    assert handshake.origin_allowed(_handshake("http://quiz.school.example"))
    assert handshake.origin_allowed(
        _handshake("http://quiz.school.example:8000", host="quiz.school.example:8000")
    )
    refused = [
        # Another port of the same host (another service there is another origin).
        _handshake("http://quiz.school.example:8080"),
        _handshake("http://quiz.school.example", host="quiz.school.example:8000"),
        # Another scheme: an http page may not drive a wss socket, nor the reverse.
        _handshake("https://quiz.school.example"),
        _handshake("http://quiz.school.example", scheme="wss"),
        # Look-alike hosts.
        _handshake("http://quiz.school.example.evil.test"),
        _handshake("http://evilquiz.school.example"),
        _handshake("http://quiz.school.example@evil.test"),
        # A missing or opaque origin.
        _handshake(None),
        _handshake("null"),
        _handshake(""),
        # A Host header outside ALLOWED_HOSTS, even with the matching Origin.
        _handshake("http://evil.test", host="evil.test"),
        {"type": "websocket", "headers": [(b"origin", b"http://quiz.school.example")]},
    ]
    for scope in refused:
        assert not handshake.origin_allowed(scope), scope
    assert handshake.origin_allowed(_handshake("https://quiz.school.example", scheme="wss"))


def test_csrf_trusted_origins_are_allowed_exactly_or_by_wildcard(settings):
    settings.ALLOWED_HOSTS = ["quiz.school.example"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://portal.school.example", "https://*.trust.example"]
    assert handshake.origin_allowed(_handshake("https://portal.school.example"))
    assert handshake.origin_allowed(_handshake("https://room1.trust.example"))
    for origin in (
        "http://portal.school.example",  # the trusted origin is https only
        "https://portal.school.example:8443",
        "https://portal.school.example.evil.test",
        "http://room1.trust.example",
        "https://trust.example.evil.test",
    ):
        assert not handshake.origin_allowed(_handshake(origin)), origin
    # A trusted origin does not make a foreign Host acceptable.
    assert not handshake.origin_allowed(_handshake("https://portal.school.example", host="x.test"))


def test_behind_the_proxy_its_forwarded_scheme_decides(settings):
    """nginx ends TLS and speaks ws to Daphne, which puts no scheme in the scope:
    with DJANGO_BEHIND_PROXY the X-Forwarded-Proto nginx sets decides, as for Django's
    own CSRF check (docs/deploy.md)."""
    settings.ALLOWED_HOSTS = ["quiz.school.example"]
    settings.CSRF_TRUSTED_ORIGINS = []
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    https = [("x-forwarded-proto", "https")]
    assert handshake.origin_allowed(_handshake("https://quiz.school.example", extra_headers=https))
    assert not handshake.origin_allowed(
        _handshake("http://quiz.school.example", extra_headers=https)
    )
    http = [("x-forwarded-proto", "http")]
    assert handshake.origin_allowed(_handshake("http://quiz.school.example", extra_headers=http))
    assert not handshake.origin_allowed(
        _handshake("https://quiz.school.example", extra_headers=http)
    )
    # Without the setting a client's own X-Forwarded-Proto means nothing.
    settings.SECURE_PROXY_SSL_HEADER = None
    assert not handshake.origin_allowed(
        _handshake("https://quiz.school.example", extra_headers=https)
    )


def test_the_join_link_has_the_scheme_the_origin_check_reads(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [("x-forwarded-proto", "https")]
    # Daphne puts no scheme in a websocket scope: behind a TLS proxy the page was https.
    assert handshake.base_url(_handshake(None, extra_headers=proxied)) == (
        "https://quiz.school.example"
    )
    assert handshake.base_url(_handshake(None, scheme="wss")) == "https://quiz.school.example"
    assert handshake.base_url(_handshake(None)) == "http://quiz.school.example"
    # Without the proxy setting a client's own header means nothing.
    settings.SECURE_PROXY_SSL_HEADER = None
    assert handshake.base_url(_handshake(None, extra_headers=proxied)) == (
        "http://quiz.school.example"
    )
    assert handshake.base_url({"type": "websocket", "headers": []}) == ""


@pytest.mark.django_db(transaction=True)
async def test_behind_a_tls_proxy_the_lobby_shows_an_https_join_link(game, teacher, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.PUBLIC_BASE_URL = ""
    cookie = await database_sync_to_async(session_cookie)(teacher)
    host = Socket(
        f"/ws/host/{game.pin}/",
        [
            (b"host", b"localhost"),
            (b"cookie", cookie),
            (b"origin", b"https://localhost"),
            (b"x-forwarded-proto", b"https"),
        ],
    )
    assert await host.connect()
    lobby = await host.expect("lobby")
    assert lobby["join_url"] == f"https://localhost/play/{game.pin}/"
    await host.disconnect()

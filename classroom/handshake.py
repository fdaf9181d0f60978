"""What a websocket handshake says about where it comes from, read as Django reads an
HTTP request: the socket's host (ALLOWED_HOSTS, USE_X_FORWARDED_HOST), its scheme
(SECURE_PROXY_SSL_HEADER behind a proxy) and whether its Origin may open a game socket.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain


class Handshake(HttpRequest):
    """A websocket handshake seen as Django sees an HTTP request, so that the socket's
    host and scheme come from Django's own `get_host()` (ALLOWED_HOSTS,
    USE_X_FORWARDED_HOST) and `is_secure()` (SECURE_PROXY_SSL_HEADER)."""

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        self._socket_scheme = scope.get("scheme") or "ws"
        for name, value in scope.get("headers", []):
            key = "HTTP_" + name.decode("latin1").upper().replace("-", "_")
            text = value.decode("latin1")
            # Repeated headers are joined as ASGIRequest does.
            self.META[key] = f"{self.META[key]},{text}" if key in self.META else text

    def _get_scheme(self) -> str:
        # Daphne leaves `scheme` out of a websocket scope (ASGI's default is "ws"); behind
        # nginx the proxy's X-Forwarded-Proto decides instead (DJANGO_BEHIND_PROXY).
        return "https" if self._socket_scheme in ("wss", "https") else "http"

    def page_scheme(self) -> str:
        """The scheme of the page that opened the socket: https for wss, or behind a
        proxy that says so; http otherwise."""
        return "https" if self.is_secure() else "http"


def _trusted_origin(origin: str) -> bool:
    """Whether CSRF_TRUSTED_ORIGINS lists `origin`, exactly or by a `*.` wildcard, with
    the rules of Django's CSRF check."""
    trusted = settings.CSRF_TRUSTED_ORIGINS
    if origin in {entry for entry in trusted if "*" not in entry}:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return any(
        parts.scheme == urlsplit(entry).scheme
        and is_same_domain(parts.netloc, urlsplit(entry).netloc.lstrip("*"))
        for entry in trusted
        if "*" in entry
    )


def origin_allowed(scope: dict[str, Any]) -> bool:
    """Whether the handshake's Origin may open a game socket, as Django's CSRF check
    decides for a POST: the socket's Host must be in ALLOWED_HOSTS, and the Origin must
    be that same origin (scheme, host and port) or one of CSRF_TRUSTED_ORIGINS.

    The scheme compared is the socket's own (ws is http, wss is https) or, behind a
    proxy, the proxy's X-Forwarded-Proto. A missing or `null` Origin is refused.
    """
    handshake = Handshake(scope)
    origin = handshake.META.get("HTTP_ORIGIN")
    if not origin or origin == "null" or "HTTP_HOST" not in handshake.META:
        return False
    try:
        host = handshake.get_host()
    except DisallowedHost:
        return False
    return origin == f"{handshake.page_scheme()}://{host}" or _trusted_origin(origin)


def base_url(scope: dict[str, Any]) -> str:
    """The address the socket's page was served from ("https://quiz.school.example"),
    for the join link the lobby shows; "" without a Host header. The scheme is the
    Origin check's: behind a TLS proxy the link is https even though the proxy spoke
    plain ws to the server."""
    handshake = Handshake(scope)
    host = handshake.META.get("HTTP_HOST", "").split(",")[-1].strip()
    if not host:
        return ""
    return f"{handshake.page_scheme()}://{host}"

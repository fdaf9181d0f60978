"""The language of a game socket, and its error messages in that language.

A page's language is chosen by Django's LocaleMiddleware: the language cookie the
switch sets (Django's `set_language`, on the join page and the dashboard), else the
browser's Accept-Language, else `LANGUAGE_CODE`. A websocket's handshake carries the
same cookie and header, so `socket_language` asks Django the same question
(`get_language_from_request`): the phone and the projector read their `error` frames
in the language of their page.

An error's `message` is written in English where it is raised, marked for
makemessages with `gettext_noop` (a local identity function in the pure modules), and
translated only when it is sent (`translated`): the same `ClientError` may go to
several sockets, and its `code` never changes (docs/protocol.md).
"""

from __future__ import annotations

from typing import Any

from django.http.cookie import parse_cookie
from django.utils import translation


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


class _Handshake:
    """What Django's language choice reads of a request, taken from a socket's scope."""

    def __init__(self, scope: dict[str, Any]) -> None:
        cookies = scope.get("cookies")
        self.COOKIES = cookies if cookies is not None else parse_cookie(_header(scope, b"cookie"))
        self.META = {"HTTP_ACCEPT_LANGUAGE": _header(scope, b"accept-language")}


def socket_language(scope: dict[str, Any]) -> str:
    """The language code a socket's page was shown in: cookie, then Accept-Language,
    then LANGUAGE_CODE, by Django's own rules (`get_language_from_request`), so the page
    and its socket always agree. Anything unknown or malformed is passed over."""
    return translation.get_language_from_request(_Handshake(scope))


def translated(message: str, language: str) -> str:
    """`message` (English, as raised) in `language`; unchanged when the catalogue has
    no entry for it (a message with a value in it, such as a bound)."""
    with translation.override(language):
        return translation.gettext(message)

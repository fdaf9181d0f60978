"""The login session behind a projector socket: its user now, and closing its sockets
when it logs out.

A projector socket carries its teacher's session (the cookie of the handshake). Its
rights are checked against that session's user as stored now, on connect and on every
command, so a session that logged out or a teacher who lost the game can do nothing
more. Logging out also closes, at once and in every process, the projector sockets
opened with that session (`close_host_sockets_on_logout`, connected to Django's
`user_logged_out` in ClassroomConfig.ready()).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames
from classroom.hub import group_name
from classroom.models import Game

logger = logging.getLogger(__name__)


def current_user(session_key: str | None) -> Any:
    """The user of session `session_key` as stored now: None once logged out."""
    from django.contrib.auth import get_user

    if not session_key:
        return None
    engine = import_module(settings.SESSION_ENGINE)

    class _Request:
        session = engine.SessionStore(session_key)

    user = get_user(_Request())
    return user if user.is_authenticated else None


def session_digest(session_key: str) -> str:
    """What travels in the channel layer instead of the session key itself."""
    return hashlib.sha256(session_key.encode()).hexdigest()


def close_host_sockets_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logging out closes, at once and in every process, the projector sockets opened
    with that session (`not_host`, 4403): a projector left open in front of the class
    must not keep the teacher's rights. Other sessions of the same teacher stay open."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    layer = get_channel_layer()
    if user is None or not session_key or layer is None:
        return
    # A projector may stay open on a finished game; a day covers any lesson.
    recent = timezone.now() - timedelta(days=1)
    games = Game.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=recent))
    # Only the games this user may control can have a projector of theirs open.
    if not getattr(user, "is_superuser", False):
        games = games.filter(host=user)
    message = {
        "type": "hub.session_ended",
        "session": session_digest(session_key),
        "error": frames.error(
            code="not_host", message=gettext_noop("You logged out. Log in to run the game.")
        ),
    }
    for game_id in games.values_list("id", flat=True):
        try:
            async_to_sync(layer.group_send)(group_name(game_id), {**message, "game_id": game_id})
        except Exception:
            # The logout itself must succeed; the next host command re-checks anyway.
            logger.exception("closing the projector sockets of game %s failed", game_id)

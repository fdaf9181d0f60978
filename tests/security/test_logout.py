"""Logging out closes the projector sockets of that login session at once."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client

from classroom.models import Game
from tests.classroom.conftest import Socket

pytestmark = pytest.mark.django_db(transaction=True)


def _logged_in(user) -> tuple[Client, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return client, f"{name}={client.cookies[name].value}".encode()


async def _projector(game: Game, cookie: bytes) -> Socket:
    socket = Socket(
        f"/ws/host/{game.pin}/",
        [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)],
    )
    assert await socket.connect()
    await socket.expect("lobby")
    await socket.expect("state")
    return socket


async def test_logging_out_closes_that_sessions_projector_at_once(game, teacher):
    client, cookie = await database_sync_to_async(_logged_in)(teacher)
    projector = await _projector(game, cookie)
    # Another browser of the same teacher (its own session) is not logged out.
    _other_client, other_cookie = await database_sync_to_async(_logged_in)(teacher)
    other = await _projector(game, other_cookie)

    response = await database_sync_to_async(client.post)("/accounts/logout/")
    assert response.status_code == 302

    error = await projector.until("error", timeout=2)
    assert error["code"] == "not_host"
    assert await projector.expect_close() == 4403
    # Without any command from it: the close came from the logout itself.
    assert [f["type"] for f in projector.frames] == ["lobby", "state", "error"]
    assert await other.nothing(0.3)
    await other.send({"type": "ping", "ref": "still-here"})
    assert (await other.until("pong"))["ref"] == "still-here"
    await other.disconnect()


async def test_a_superusers_logout_closes_the_projector_it_opened_on_anothers_game(
    game, django_user_model
):
    head = await database_sync_to_async(django_user_model.objects.create_superuser)(
        username="head", email="head@example.com", password="pw-head-1"
    )
    client, cookie = await database_sync_to_async(_logged_in)(head)
    projector = await _projector(game, cookie)
    await database_sync_to_async(client.post)("/accounts/logout/")
    assert (await projector.until("error", timeout=2))["code"] == "not_host"
    assert await projector.expect_close() == 4403


async def test_a_content_editors_logout_is_sent_only_to_their_own_games(game, quiz, monkeypatch):
    """Staff who edit quiz content control only their own games, so their logout has
    no projector to close anywhere else: it is not broadcast to every game."""
    from channels.layers import get_channel_layer

    from classroom.accounts import create_teacher
    from classroom.hub import group_name
    from classroom.services.phases import game_create

    editor = await database_sync_to_async(create_teacher)(
        username="editor", password="pw-editor-cafe-1"
    )
    own = await database_sync_to_async(game_create)(quiz=quiz, host=editor)
    layer = get_channel_layer()
    sent: list[str] = []
    real_send = layer.group_send

    async def recording_send(group, message):
        if message.get("type") == "hub.session_ended":
            sent.append(group)
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", recording_send)
    client, _cookie = await database_sync_to_async(_logged_in)(editor)
    await database_sync_to_async(client.post)("/accounts/logout/")
    assert sent == [group_name(own.id)]
    assert group_name(game.id) not in sent


async def test_another_teachers_logout_leaves_the_projector_alone(game, teacher, other_teacher):
    _client, cookie = await database_sync_to_async(_logged_in)(teacher)
    projector = await _projector(game, cookie)
    other_client, _ = await database_sync_to_async(_logged_in)(other_teacher)
    await database_sync_to_async(other_client.post)("/accounts/logout/")
    assert await projector.nothing(0.3)
    await projector.send({"type": "start"})
    assert (await projector.until("question"))["index"] == 0
    await projector.disconnect()

"""Refusals and limits of the game sockets: origin, host rights, sizes, rates, parsing."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.backends.db import SessionStore

from classroom import consumers, pins
from classroom.models import Game
from classroom.ratelimit import KeyedBudget
from tests.classroom.conftest import (
    Socket,
    host_socket,
    join,
    player_socket,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("origin", [b"https://evil.test", None, b"null"])
async def test_a_host_socket_from_a_foreign_or_missing_origin_is_forbidden(game, teacher, origin):
    host = await host_socket(game, teacher, origin=origin)
    assert (await host.expect("error"))["code"] == "forbidden"
    assert await host.expect_close() == 4403
    assert [f["type"] for f in host.frames] == ["error"]


@pytest.mark.parametrize("origin", [b"https://evil.test", None])
async def test_a_phone_socket_from_a_foreign_or_missing_origin_is_forbidden(game, origin):
    phone = await player_socket(game.pin, origin=origin)
    assert (await phone.expect("error"))["code"] == "forbidden"
    assert await phone.expect_close() == 4403


async def test_another_teacher_gets_not_host_4403(game, other_teacher):
    host = await host_socket(game, other_teacher)
    assert (await host.expect("error"))["code"] == "not_host"
    assert await host.expect_close() == 4403


async def test_an_anonymous_projector_gets_not_host_4403(game):
    socket = Socket(
        f"/ws/host/{game.pin}/", [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    )
    assert await socket.connect()
    assert (await socket.expect("error"))["code"] == "not_host"
    assert await socket.expect_close() == 4403


async def test_a_teacher_who_edits_content_gets_not_host_on_another_teachers_game(game):
    from classroom.accounts import create_teacher

    staff = await database_sync_to_async(create_teacher)(
        username="staff", password="pw-staff-editor-1"
    )
    assert staff.is_staff and not staff.is_superuser
    host = await host_socket(game, staff)
    assert (await host.expect("error"))["code"] == "not_host"
    assert await host.expect_close() == 4403


async def test_a_superuser_may_open_and_run_any_game(game, django_user_model):
    root = await database_sync_to_async(django_user_model.objects.create_superuser)(
        username="root", email="root@example.com", password="pw-root-1"
    )
    host = await host_socket(game, root)
    assert (await host.expect("lobby"))["pin"] == game.pin
    await host.send({"type": "start"})
    assert (await host.until("question"))["index"] == 0
    await host.disconnect()


async def test_every_host_command_rechecks_the_rule_a_demoted_superuser_is_refused(
    game, django_user_model
):
    """Rights are read again for every command: a superuser made an ordinary member of
    staff while their projector is open controls the game no more."""
    root = await database_sync_to_async(django_user_model.objects.create_superuser)(
        username="root", email="root@example.com", password="pw-root-1"
    )
    host = await host_socket(game, root)
    await host.expect("lobby")
    await database_sync_to_async(django_user_model.objects.filter(pk=root.pk).update)(
        is_superuser=False
    )
    await host.send({"type": "start"})
    assert (await host.until("error"))["code"] == "not_host"
    assert await host.expect_close() == 4403
    fresh = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert fresh.phase == "lobby"


async def test_an_unknown_pin_is_game_not_found_4404(game, teacher):
    missing = "000000" if game.pin != "000000" else "000001"
    host = await host_socket(Game(pin=missing), teacher)
    assert (await host.expect("error"))["code"] == "game_not_found"
    assert await host.expect_close() == 4404
    phone = await player_socket(missing)
    assert (await phone.expect("error"))["code"] == "game_not_found"
    assert await phone.expect_close() == 4404


async def test_host_commands_after_logout_get_not_host_and_change_nothing(game, teacher):
    cookie = await database_sync_to_async(session_cookie)(teacher)
    socket = Socket(
        f"/ws/host/{game.pin}/",
        [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)],
    )
    assert await socket.connect()
    await socket.expect("lobby")
    session_key = cookie.decode().split("=", 1)[1]
    # Logging out deletes the session; the socket opened with it stays open.
    await database_sync_to_async(SessionStore(session_key).delete)()
    await socket.send({"type": "start"})
    assert (await socket.until("error"))["code"] == "not_host"
    assert await socket.expect_close() == 4403
    fresh = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert fresh.phase == "lobby"


async def test_a_frame_over_4kb_is_frame_too_large_4400(game):
    phone, _ = await join(game.pin, "Ayesha")
    await phone.send({"type": "ping", "ref": "x" * 5000})
    assert (await phone.expect("error"))["code"] == "frame_too_large"
    assert await phone.expect_close() == 4400


async def test_more_than_about_20_frames_a_second_is_rate_limited_4429(game):
    phone, _ = await join(game.pin, "Ayesha")
    for ref in range(60):
        await phone.send({"type": "ping", "ref": ref})
    assert await phone.expect_close() == 4429
    errors = [f for f in phone.frames if f["type"] == "error"]
    assert [e["code"] for e in errors] == ["rate_limited"]
    pongs = [f for f in phone.frames if f["type"] == "pong"]
    assert 10 <= len(pongs) < 60


async def test_a_steady_20_frames_a_second_is_allowed(game):
    phone, _ = await join(game.pin, "Ayesha")
    for ref in range(30):
        await phone.send({"type": "ping", "ref": ref})
        assert (await phone.expect("pong"))["ref"] == ref
        await asyncio.sleep(0.06)
    await phone.disconnect()


async def test_bad_json_unknown_types_and_bad_fields_are_recoverable(game):
    phone, _ = await join(game.pin, "Ayesha")
    await phone.send("{not json")
    assert (await phone.expect("error"))["code"] == "bad_json"
    await phone.send(json.dumps([1, 2]))
    assert (await phone.expect("error"))["code"] == "bad_field"
    await phone.send(json.dumps({"nickname": "x"}))
    assert (await phone.expect("error"))["code"] == "bad_field"
    await phone.send({"type": "dance"})
    assert (await phone.expect("error"))["code"] == "unknown_type"
    await phone.send({"type": "answer", "question_id": "one", "choice_id": 1})
    assert (await phone.expect("error"))["code"] == "bad_field"
    await phone.comm.send_to(bytes_data=b"\x00\x01")
    assert (await phone.expect("error"))["code"] == "bad_json"
    await phone.send({"type": "ping", "ref": "still-here"})
    assert (await phone.expect("pong"))["ref"] == "still-here"
    await phone.disconnect()


async def test_a_first_frame_other_than_join_or_resume_is_not_joined_4400(game):
    phone = await player_socket(game.pin)
    await phone.send({"type": "answer", "question_id": 1, "choice_id": 1})
    assert (await phone.expect("error"))["code"] == "not_joined"
    assert await phone.expect_close() == 4400


async def test_a_socket_that_never_joins_is_closed(game, monkeypatch):
    monkeypatch.setattr(consumers, "JOIN_TIMEOUT_S", 0.2)
    phone = await player_socket(game.pin)
    assert await phone.expect_close(timeout=2) == 4400
    assert phone.frames[-1]["code"] == "not_joined"


async def test_unknown_pins_from_one_address_are_rate_limited_4429(game, monkeypatch):
    monkeypatch.setattr(pins, "_unknown_pin_budget", KeyedBudget(limit=3, window_s=60))
    missing = "000000" if game.pin != "000000" else "000001"
    codes = []
    for _ in range(4):
        phone = await player_socket(missing, ip="10.9.9.9")
        codes.append(await phone.expect_close())
    assert codes == [4404, 4404, 4404, 4429]
    # Another address (another school) is not affected, and real PINs still work.
    other = await player_socket(missing, ip="10.1.1.1")
    assert await other.expect_close() == 4404
    phone, joined = await join(game.pin, "Ayesha", ip="10.1.1.1")
    assert joined["player"]["nickname"] == "Ayesha"
    await phone.disconnect()


async def test_ping_is_answered_with_the_same_ref_and_sync_with_state(game, teacher):
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    state = await host.expect("state")
    await host.send({"type": "ping", "ref": "abc"})
    pong = await host.expect("pong")
    assert pong == {"type": "pong", "ref": "abc", "seq": state["seq"]}
    await host.send({"type": "sync"})
    assert (await host.expect("lobby"))["seq"] == state["seq"]
    assert (await host.expect("state"))["phase"] == "lobby"
    await host.disconnect()


async def test_a_socket_from_another_port_of_the_same_host_is_forbidden(game, teacher):
    # The page of another service on this machine (say :8080) is another origin.
    host = await host_socket(game, teacher, origin=b"http://localhost:8080")
    assert (await host.expect("error"))["code"] == "forbidden"
    assert await host.expect_close() == 4403
    phone = await player_socket(game.pin, origin=b"https://localhost")
    assert (await phone.expect("error"))["code"] == "forbidden"
    assert await phone.expect_close() == 4403


async def test_a_database_failure_while_opening_is_try_again_not_a_crash(
    game, teacher, monkeypatch
):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(pins, "game_for_teacher", down)
    host = await host_socket(game, teacher)
    assert (await host.expect("error"))["code"] == "try_again"
    assert await host.expect_close() == 1013

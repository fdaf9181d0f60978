"""Kick revokes a player for good; lock and the player cap refuse newcomers with a
clear error while players already in the game can always come back."""

import pytest
from channels.db import database_sync_to_async

from classroom.models import Answer, Player
from tests.classroom.conftest import correct_choice, host_socket, join, player_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _resume(pin: str, token: str):
    phone = await player_socket(pin)
    await phone.send({"type": "resume", "token": token})
    return phone


async def test_a_kicked_players_token_never_works_again(game, teacher):
    host = await host_socket(game, teacher)
    bilal, joined = await join(game.pin, "Bilal")
    ayesha, _ = await join(game.pin, "Ayesha")
    await host.send({"type": "kick", "player_id": joined["player"]["id"]})
    assert (await bilal.until("error"))["code"] == "kicked"
    assert await bilal.expect_close() == 4403
    # Not mid-lobby only: the game moves on, and the token stays revoked.
    await host.send({"type": "start"})
    question = await host.until("question")
    for _ in range(2):
        again = await _resume(game.pin, joined["token"])
        error = await again.expect("error")
        assert (error["code"], bool(error["message"])) == ("kicked", True)
        assert await again.expect_close() == 4403
    right = await database_sync_to_async(correct_choice)(game, 0)
    await ayesha.until("question")
    await ayesha.send(
        {"type": "answer", "question_id": question["question_id"], "choice_id": right}
    )
    await ayesha.until("answer_received")
    answers = await database_sync_to_async(list)(Answer.objects.values_list("player__nickname"))
    assert answers == [("Ayesha",)]
    # The kicked player is not in the standings nor counted as connected.
    player = await database_sync_to_async(Player.objects.get)(pk=joined["player"]["id"])
    assert player.kicked and not player.connected
    for socket in (host, ayesha):
        await socket.disconnect()


async def test_a_locked_game_refuses_newcomers_but_lets_its_players_back(game, teacher):
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    ayesha, joined = await join(game.pin, "Ayesha")
    await ayesha.disconnect()
    await host.send({"type": "lock"})
    assert (await host.until("lobby"))["locked"] is True
    newcomer = await player_socket(game.pin)
    await newcomer.send({"type": "join", "nickname": "Bilal"})
    error = await newcomer.expect("error")
    assert error["code"] == "game_locked" and "locked" in error["message"]
    assert await newcomer.expect_close() == 4403
    back = await _resume(game.pin, joined["token"])
    resumed = await back.expect("joined")
    assert resumed["resumed"] is True and resumed["player"]["id"] == joined["player"]["id"]
    assert await database_sync_to_async(Player.objects.count)() == 1
    for socket in (host, back):
        await socket.disconnect()


async def test_the_player_cap_refuses_cap_plus_one_with_a_clear_error(game, teacher, settings):
    settings.GAME_MAX_PLAYERS = 3
    host = await host_socket(game, teacher)
    phones = []
    for name in ("Ayesha", "Bilal", "Chen"):
        phone, joined = await join(game.pin, name)
        phones.append((phone, joined))
    fourth = await player_socket(game.pin)
    await fourth.send({"type": "join", "nickname": "Dana"})
    error = await fourth.expect("error")
    assert error["code"] == "game_full"
    assert error["message"] == "This game is full."
    assert await fourth.expect_close() == 4403
    assert await database_sync_to_async(Player.objects.count)() == 3
    # Players already in the game come back whatever the cap.
    chen, chen_joined = phones[2]
    await chen.disconnect()
    back = await _resume(game.pin, chen_joined["token"])
    assert (await back.expect("joined"))["player"]["nickname"] == "Chen"
    # A kicked player's place is freed.
    await host.send({"type": "kick", "player_id": phones[0][1]["player"]["id"]})
    while (await host.until("player_left"))["reason"] != "kicked":
        pass
    dana, _ = await join(game.pin, "Dana")
    for socket in (host, back, dana, phones[1][0]):
        await socket.disconnect()

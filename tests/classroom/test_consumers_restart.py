"""After a restart nothing arrives by broadcast: sockets re-arm the timer from the database."""

import pytest
from channels.db import database_sync_to_async

from classroom.models import Game
from classroom.services import phases
from tests.classroom.conftest import player_socket
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db(transaction=True)


def _open_question_without_sockets(game_id: int, ms: int) -> str:
    """What a restarted server finds: a question open in the database, no timer."""
    _ayesha, token = player_join(game_id=game_id, nickname="Ayesha")
    player_join(game_id=game_id, nickname="Bilal")
    game = Game.objects.get(pk=game_id)
    for question in game.questions:
        question["time_limit_ms"] = ms
    game.save(update_fields=["questions"])
    phases.game_start(game_id=game_id)
    return token


async def test_a_reconnecting_phone_rearms_the_deadline_of_an_open_question(game):
    token = await database_sync_to_async(_open_question_without_sockets)(game.pk, 600)
    phone = await player_socket(game.pin)
    await phone.send({"type": "resume", "token": token})
    joined = await phone.expect("joined")
    assert joined["state"]["phase"] == "question"
    reveal = await phone.until("reveal", timeout=3)
    assert reveal["your_choice_id"] is None
    assert (await database_sync_to_async(Game.objects.get)(pk=game.pk)).phase == "reveal"
    await phone.disconnect()


async def test_resync_after_a_lost_layer_redraws_every_socket_from_the_database(game, teacher):
    from classroom.runtime import runtime
    from tests.classroom.conftest import host_socket, join

    host = await host_socket(game, teacher)
    await host.expect("lobby")
    await host.expect("state")
    phone, _ = await join(game.pin, "Ayesha")
    await host.expect("player_joined")
    sockets = runtime().hub.games[game.pk]
    for socket in [*sockets.hosts, *(s for _pid, s in sockets.player_sockets())]:
        await socket.resync()
    assert (await host.expect("lobby"))["players"][0]["nickname"] == "Ayesha"
    assert (await host.expect("state"))["phase"] == "lobby"
    state = await phone.expect("state")
    assert state["phase"] == "lobby" and state["player"]["nickname"] == "Ayesha"
    await host.disconnect()
    await phone.disconnect()

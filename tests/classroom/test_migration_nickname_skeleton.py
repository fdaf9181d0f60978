"""Migration 0003: a game running across the upgrade keeps its names unique by look."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from classroom.errors import ClientError
from classroom.models import Player
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("classroom", "0002_game_player_seq_host_connection")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrate_to_latest():
    """0003 and every later migration: the tests after this one need today's tables."""
    executor = MigrationExecutor(connection)
    return _migrate(executor.loader.graph.leaf_nodes())


def test_keys_of_running_games_are_recomputed_and_ended_games_left_alone(teacher):
    old = _migrate(BEFORE)
    try:
        Game = old.get_model("classroom", "Game")
        OldPlayer = old.get_model("classroom", "Player")
        running = Game.objects.create(pin="123456", host_id=teacher.pk, title="Running")
        ended = Game.objects.create(
            pin="654321", host_id=teacher.pk, title="Ended", ended_at=timezone.now()
        )
        # Under the old rule (case only) these two could join side by side.
        for game, names in [(running, ["Mallory", "M\u0430llory", "Alex"]), (ended, ["Zoe"])]:
            for at, name in enumerate(names):
                OldPlayer.objects.create(
                    game=game,
                    nickname=name,
                    nickname_key=name.casefold(),
                    token_hash=f"{game.pk}-{at}",
                )
    finally:
        _migrate_to_latest()
    keys = dict(Player.objects.values_list("nickname", "nickname_key"))
    shapes = dict(Player.objects.values_list("nickname", "nickname_skeleton"))
    assert keys["Mallory"] == "rnallory" and shapes["Mallory"] == "Mallory"
    assert keys["Alex"] == "alex" and shapes["Alex"] == "Alex"
    # Both look-alikes stay in the game; the later one's keys are marked.
    assert keys["M\u0430llory"].startswith("rnallory\x01")
    assert shapes["M\u0430llory"].startswith("Mallory\x01")
    # The ended game keeps its casefolded key and has no skeleton.
    assert keys["Zoe"] == "zoe" and shapes["Zoe"] == ""
    # And the running game now refuses the next look-alike of each name.
    running_id = Player.objects.get(nickname="Alex").game_id
    for look_alike in ["MALLORY", "m\u0430llory", "AIex", "Al\u0435x"]:
        with pytest.raises(ClientError) as refused:
            player_join(game_id=running_id, nickname=look_alike)
        assert refused.value.code == "nickname_taken", look_alike

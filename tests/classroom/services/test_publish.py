"""classroom/services/publish.py: every broadcast has its seq, and goes out only after
its change is committed."""

import pytest

from classroom.errors import ClientError
from classroom.models import Game
from classroom.services import phases, publish
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_broadcast_bumps_its_audiences_seq_once(game):
    before = Game.objects.get(pk=game.pk)
    player_join(game_id=game.pk, nickname="Ayesha")  # projector only
    after_join = Game.objects.get(pk=game.pk)
    assert (after_join.seq, after_join.player_seq) == (before.seq + 1, before.player_seq)
    phases.game_start(game_id=game.pk)  # both audiences
    started = Game.objects.get(pk=game.pk)
    assert (started.seq, started.player_seq) == (after_join.seq + 1, after_join.player_seq + 1)


def test_broadcasts_are_published_only_after_commit(game, monkeypatch):
    published = []
    monkeypatch.setattr(publish, "_publisher", lambda game_id, message: published.append(message))
    player_join(game_id=game.pk, nickname="Ayesha")
    assert [m["host"]["type"] for m in published] == ["player_joined"]
    with pytest.raises(ClientError):
        player_join(game_id=game.pk, nickname="AYESHA")
    assert len(published) == 1

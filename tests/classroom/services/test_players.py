"""classroom/services/players.py against the database: joining alone and in groups,
look-alike names, resuming."""

import random

import pytest
from django.utils import timezone

from classroom.errors import ClientError
from classroom.models import Game, Player
from classroom.services import phases, players
from tests.classroom.helpers import player_join

pytestmark = pytest.mark.django_db(transaction=True)


def generated_nickname_for_seed(seed: int) -> str:
    from classroom.nicknames import generated_nickname

    return generated_nickname(random.Random(seed))


def test_join_stores_only_the_tokens_hash_and_resume_finds_the_player(game):
    player, token = player_join(pin=game.pin, nickname="  Ayesha ")
    assert player.nickname == "Ayesha" and player.connected
    assert token not in player.token_hash and len(player.token_hash) == 64
    assert players.player_resume(token=token).pk == player.pk


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda g: Game.objects.filter(pk=g.pk).update(locked=True), "game_locked"),
        (lambda g: Game.objects.filter(pk=g.pk).update(ended_at=timezone.now()), "game_not_found"),
    ],
)
def test_join_refusals(game, setup, code):
    setup(game)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Ayesha")
    assert refused.value.code == code
    assert Player.objects.count() == 0


def test_a_full_game_refuses_the_next_player(game, settings):
    settings.GAME_MAX_PLAYERS = 1
    player_join(game_id=game.pk, nickname="Ayesha")
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Bilal")
    assert refused.value.code == "game_full"


def test_nicknames_are_unique_ignoring_case_and_invalid_ones_refused(game):
    player_join(game_id=game.pk, nickname="Ayesha")
    with pytest.raises(ClientError) as taken:
        player_join(game_id=game.pk, nickname="aYESHA")
    assert taken.value.code == "nickname_taken"
    with pytest.raises(ClientError) as invalid:
        player_join(game_id=game.pk, nickname="\u200b\u200b")
    assert invalid.value.code == "nickname_invalid"


def test_a_nickname_whose_keys_outgrow_the_old_40_character_column_joins(game):
    # "ß" folds to "ss" and "m" to "rn": the keys of a 30-character name may be long.
    player, _ = player_join(game_id=game.pk, nickname="ß" * 25)
    assert len(player.nickname_key) == 50
    player, _ = player_join(game_id=game.pk, nickname="m" * 30)
    assert len(player.nickname_key) == len(player.nickname_skeleton) == 60


def test_a_key_too_long_for_its_column_is_refused(game, monkeypatch):
    monkeypatch.setattr(players, "NICKNAME_KEY_MAX", 10)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname="Muhammad Ali")
    assert refused.value.code == "nickname_invalid"
    assert not Player.objects.exists()


@pytest.mark.parametrize(
    ("taken", "look_alike"),
    [
        ("Mallory", "M\u0430llory"),  # Cyrillic а
        ("Mallory", "m\u0410LLORY"),  # Cyrillic А, another case
        ("Alex", "AIex"),  # capital i for small L
        ("Bob", "B0B"),  # digit zero
        ("Ali", "\uff21\uff4c\uff49"),  # full-width
    ],
)
def test_a_look_alike_of_a_taken_name_is_nickname_taken(game, taken, look_alike):
    player_join(game_id=game.pk, nickname=taken)
    with pytest.raises(ClientError) as refused:
        player_join(game_id=game.pk, nickname=look_alike)
    assert refused.value.code == "nickname_taken"
    assert "looks the same" in refused.value.message
    assert list(Player.objects.values_list("nickname", flat=True)) == [taken]


def test_look_alikes_within_one_group_are_judged_in_order(game):
    results = players.players_join(
        game_id=game.pk, nicknames=["Mallory", "M\u0430llory", "Alex", "AIex", "Al\u00ed", "Ali"]
    )
    assert [r.error.code if r.error else r.player.nickname for r in results] == [
        "Mallory",
        "nickname_taken",
        "Alex",
        "nickname_taken",
        "Al\u00ed",
        "Ali",
    ]


def test_a_generated_name_never_looks_like_a_players_name(game):
    expected = generated_nickname_for_seed(99)
    look_alike = expected.replace("a", "\u0430").replace("e", "\u0435").replace("o", "\u043e")
    assert look_alike != expected
    player_join(game_id=game.pk, nickname=look_alike)
    phases.game_set_options(game_id=game.pk, generated_names_only=True)
    player, _ = player_join(game_id=game.pk, nickname="x", rng=random.Random(99))
    assert player.nickname != expected
    assert player.nickname_key != Player.objects.get(nickname=look_alike).nickname_key


def test_an_offensive_nickname_becomes_a_generated_one(game, monkeypatch):
    monkeypatch.setattr(players, "is_offensive", lambda name: name == "Rude")
    player, _ = player_join(game_id=game.pk, nickname="Rude")
    assert player.nickname != "Rude" and len(player.nickname.split()) >= 2


def test_a_kicked_player_cannot_resume(game):
    player, token = player_join(game_id=game.pk, nickname="Ayesha")
    players.player_kick(game_id=game.pk, player_id=player.pk)
    with pytest.raises(ClientError) as refused:
        players.player_resume(token=token)
    assert (refused.value.code, refused.value.close_code) == ("kicked", 4403)


def test_a_token_of_another_game_is_bad_token(game, quiz, teacher):
    _, token = player_join(game_id=game.pk, nickname="Ayesha")
    other = phases.game_create(quiz=quiz, host=teacher)
    with pytest.raises(ClientError) as refused:
        players.player_resume(token=token, game_id=other.pk)
    assert refused.value.code == "bad_token"


def test_players_join_judges_each_name_of_a_group_in_order(game, settings):
    settings.GAME_MAX_PLAYERS = 3
    player_join(game_id=game.pk, nickname="Ayesha")
    before = Game.objects.get(pk=game.pk).seq
    results = players.players_join(
        game_id=game.pk, nicknames=["Bilal", "BILAL", "\u200b", "Chen", "Dua"]
    )
    assert [r.error.code if r.error else r.player.nickname for r in results] == [
        "Bilal",
        "nickname_taken",
        "nickname_invalid",
        "Chen",
        "game_full",
    ]
    assert Player.objects.count() == 3
    # One player_joined broadcast (one seq) per player who joined.
    assert Game.objects.get(pk=game.pk).seq == before + 2

# Look-alike nicknames (docs/protocol.md, "Nicknames"): the case-blind key becomes the
# Unicode TS #39 skeleton compared whatever the case, and the skeleton as typed gets a
# column of its own; both are unique per game. Written by hand: the data step keeps a
# running game's uniqueness under the new rule.

from django.db import migrations, models

# Appended to the key of a player whose name already looked like an earlier player's
# in the same running game. Cleaned nicknames never contain U+0001 (control characters
# are removed), so such a key can never equal one a new join computes; the earlier
# player's key stays as it is, and that is the one a look-alike newcomer runs into.
_DUPLICATE_MARK = "\x01"


def recompute_running_games(apps, schema_editor):
    """New keys for the players of every game still running (ended games keep theirs:
    nobody joins them any more, and their skeleton stays empty)."""
    from classroom.nicknames import nickname_key, nickname_skeleton

    Game = apps.get_model("classroom", "Game")
    Player = apps.get_model("classroom", "Player")
    for game_id in Game.objects.filter(ended_at__isnull=True).values_list("id", flat=True):
        players = list(Player.objects.filter(game_id=game_id).order_by("joined_at", "id"))
        keys: set[str] = set()
        skeletons: set[str] = set()
        for player in players:
            key = nickname_key(player.nickname)
            shape = nickname_skeleton(player.nickname)
            # Two players who joined before this rule may look alike: both stay in
            # the game, the later one with a marked key.
            if key in keys:
                key = f"{key}{_DUPLICATE_MARK}{player.id}"
            if shape in skeletons:
                shape = f"{shape}{_DUPLICATE_MARK}{player.id}"
            keys.add(key)
            skeletons.add(shape)
            player.nickname_key = key
            player.nickname_skeleton = shape
        Player.objects.bulk_update(players, ["nickname_key", "nickname_skeleton"], batch_size=500)


def restore_casefolded_keys(apps, schema_editor):
    """Back to the old rule (case only) for running games; their names were unique
    under it too, since equal casefolds give equal new keys."""
    Game = apps.get_model("classroom", "Game")
    Player = apps.get_model("classroom", "Player")
    running = Game.objects.filter(ended_at__isnull=True).values_list("id", flat=True)
    players = list(Player.objects.filter(game_id__in=list(running)))
    for player in players:
        player.nickname_key = player.nickname.casefold()[:40]
    Player.objects.bulk_update(players, ["nickname_key"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("classroom", "0002_game_player_seq_host_connection"),
    ]

    operations = [
        migrations.AlterField(
            model_name="player",
            name="nickname_key",
            field=models.CharField(max_length=255),
        ),
        migrations.AddField(
            model_name="player",
            name="nickname_skeleton",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.RunPython(recompute_running_games, restore_casefolded_keys),
        migrations.AddConstraint(
            model_name="player",
            constraint=models.UniqueConstraint(
                condition=models.Q(("nickname_skeleton", ""), _negated=True),
                fields=("game", "nickname_skeleton"),
                name="player_unique_nickname_skeleton_per_game",
            ),
        ),
    ]

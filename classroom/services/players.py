"""The people in a game: phones joining (in groups), resuming, coming and going, being
kicked or given extra time; and the projector's presence, which the phones are told.

Nicknames are judged by classroom/nicknames.py: two names that look the same ("Ali",
"Аli" with a Cyrillic А, "AIi" with a capital i) are one name, and each of its two
look-alike keys is unique per game (a database constraint). A resume token is shown to
its phone once; only its hash is stored.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from classroom import frames, selectors, teams
from classroom.errors import ClientError
from classroom.inbound import MAX_EXTRA_TIME_S
from classroom.machine import Phase
from classroom.models import Game, Player
from classroom.nicknames import (
    NicknameError,
    clean_nickname,
    generated_nickname,
    is_offensive,
    nickname_keys,
)
from classroom.services import homework, phases
from classroom.services.groups import insert_each
from classroom.services.locked import lock_game, wrong_phase
from classroom.services.publish import Broadcast, broadcast

logger = logging.getLogger(__name__)

NICKNAME_KEY_MAX = Player._meta.get_field("nickname_key").max_length
NICKNAME_TAKEN_MESSAGE = gettext_noop(
    "Someone in this game already has that name, or one that looks the same."
)
KICKED_MESSAGE = gettext_noop("The teacher removed you from this game.")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _brief(player: Player) -> dict[str, Any]:
    return {"id": player.id, "nickname": player.nickname, "extra_time_s": player.extra_time_s}


# --- joining: a group of phones in one transaction ----------------------------------------


@dataclass(frozen=True)
class JoinResult:
    """One nickname's outcome in `players_join`: a player and token, or the error."""

    player: Player | None = None
    token: str | None = None
    error: ClientError | None = None


def _try_again_join() -> ClientError:
    return ClientError("try_again", gettext_noop("Joining failed just now. Please try again."))


def _join_server_error() -> ClientError:
    return ClientError(
        "server_error", gettext_noop("Something went wrong on the server. Please join again.")
    )


# (position in the group, the player to insert, their resume token)
NewPlayer = tuple[int, Player, str]


def players_join(
    *, game_id: int, nicknames: Sequence[str], rng: random.Random | None = None
) -> list[JoinResult]:
    """Join several new players in one transaction (a class joining at once).

    Each nickname is judged on its own, in order: invalid, taken or a look-alike of a
    taken name (also of an earlier name of the same group), over the player cap, locked
    or ended game. A failure met by one name (or a constraint its row breaks) is that
    name's error alone; a failing database fails the group. Each player gets its own
    `player_joined` broadcast (and seq).
    """
    rng = rng or random.Random(secrets.randbits(64))
    results: list[JoinResult | None] = [None] * len(nicknames)
    checked = _checked_nicknames(nicknames, results)
    with transaction.atomic():
        game = lock_game(game_id)
        refusal = _join_refusal(game)
        if refusal is not None:
            return [r or JoinResult(error=refusal) for r in results]
        # One query for the cap and the count the projector shows; one for the names.
        counts = Player.objects.filter(game=game, kicked=False).aggregate(
            players=Count("id"), connected=Count("id", filter=Q(connected=True))
        )
        new = _new_players(game, checked, counts["players"], results, rng)
        _late_joiners_teamed(game, [player for _, player, _ in new])
        stored = _insert_players(new, results)
        _announce(game, stored, counts["connected"], results)
    return [r or JoinResult(error=_try_again_join()) for r in results]


def _late_joiners_teamed(game: Game, new: Sequence[Player]) -> None:
    """In a team game after `start`: each new player to the smallest team, in order
    (classroom/teams.py). One query for the sizes; the game row is locked."""
    count = selectors.teams_count(game)
    if not count or game.phase == Phase.LOBBY or not new:
        return
    sizes = dict(
        Player.objects.filter(game=game, kicked=False, team__isnull=False)
        .values("team")
        .annotate(members=Count("id"))
        .values_list("team", "members")
    )
    for player in new:
        player.team = teams.smallest(sizes, teams=count)
        sizes[player.team] = sizes.get(player.team, 0) + 1


def _checked_nicknames(
    nicknames: Sequence[str], results: list[JoinResult | None]
) -> dict[int, tuple[str, tuple[str, str]]]:
    """{position: (clean name, its look-alike keys)} of the valid names; each invalid
    one gets its error in `results`. Outside the transaction: no lock is held for it."""
    checked: dict[int, tuple[str, tuple[str, str]]] = {}
    for at, raw in enumerate(nicknames):
        try:
            name = clean_nickname(raw)
            checked[at] = (name, nickname_keys(name))
        except NicknameError as exc:
            results[at] = JoinResult(error=ClientError(exc.code, exc.message))
        except Exception:
            # A bug met by one name: that phone alone is refused.
            logger.exception("checking a nickname failed")
            results[at] = JoinResult(error=_join_server_error())
    return checked


def _join_refusal(game: Game) -> ClientError | None:
    if homework.close_if_due(game):
        # Ended, or a homework past its closing time (ended now, under this lock).
        return ClientError("game_not_found", gettext_noop("This game has ended."), close_code=4404)
    if game.locked:
        return ClientError(
            "game_locked", gettext_noop("The teacher has locked this game."), close_code=4403
        )
    return None


class _TakenNames:
    """The look-alike keys a group of joins is judged against, growing as it joins."""

    def __init__(self, game: Game, wanted: Iterable[tuple[str, str]]) -> None:
        self.game = game
        self.keys, self.shapes = _look_alikes_taken(game, wanted)
        self.everyone: set[str] | None = None

    def refusal(self, key: str, shape: str) -> ClientError | None:
        if key in self.keys or shape in self.shapes:
            return ClientError("nickname_taken", NICKNAME_TAKEN_MESSAGE)
        if len(key) > NICKNAME_KEY_MAX or len(shape) > NICKNAME_KEY_MAX:
            # Guard only: no 30-character name folds past the columns' width.
            return ClientError("nickname_invalid", gettext_noop("Choose a shorter nickname."))
        return None

    def take(self, key: str, shape: str) -> None:
        self.keys.add(key)
        self.shapes.add(shape)

    def generated(self, rng: random.Random) -> str:
        """A generated name unlike every player's of the game (read once, when needed)."""
        if self.everyone is None:
            self.everyone = _taken_keys(self.game)
        return generated_nickname(rng, taken=self.everyone | self.keys | self.shapes)


def _new_players(
    game: Game,
    checked: dict[int, tuple[str, tuple[str, str]]],
    players_before: int,
    results: list[JoinResult | None],
    rng: random.Random,
) -> list[NewPlayer]:
    """The players to insert for the checked names, in order; the names refused (game
    full, taken, a naming bug) get their error in `results`."""
    generated_only = bool(game.options.get("generated_names_only"))
    taken = _TakenNames(game, [keys for _, keys in checked.values()])
    new: list[NewPlayer] = []
    for at, (name, keys) in checked.items():
        if players_before + len(new) >= settings.GAME_MAX_PLAYERS:
            results[at] = JoinResult(
                error=ClientError("game_full", gettext_noop("This game is full."), close_code=4403)
            )
            continue
        try:
            if generated_only or is_offensive(name):
                name = taken.generated(rng)
                keys = nickname_keys(name)
        except Exception:
            logger.exception("naming a player of game %s failed", game.pk)
            results[at] = JoinResult(error=_join_server_error())
            continue
        refusal = taken.refusal(*keys)
        if refusal is not None:
            results[at] = JoinResult(error=refusal)
            continue
        token = secrets.token_urlsafe(32)
        key, shape = keys
        player = Player(
            game=game,
            nickname=name,
            nickname_key=key,
            nickname_skeleton=shape,
            token_hash=hash_token(token),
            connected=True,
        )
        taken.take(key, shape)
        new.append((at, player, token))
    return new


def _taken_keys(game: Game) -> set[str]:
    """Both look-alike keys of every player of `game` (for generated names)."""
    taken: set[str] = set()
    for key, shape in Player.objects.filter(game=game).values_list(
        "nickname_key", "nickname_skeleton"
    ):
        taken.add(key)
        if shape:
            taken.add(shape)
    return taken


def _look_alikes_taken(game: Game, wanted: Iterable[tuple[str, str]]) -> tuple[set[str], set[str]]:
    """(keys, skeletons) among `wanted` that a player of `game` already has; one query."""
    wanted = list(wanted)
    if not wanted:
        return set(), set()
    rows = Player.objects.filter(game=game).filter(
        Q(nickname_key__in={key for key, _ in wanted})
        | Q(nickname_skeleton__in={shape for _, shape in wanted})
    )
    keys: set[str] = set()
    shapes: set[str] = set()
    for key, shape in rows.values_list("nickname_key", "nickname_skeleton"):
        keys.add(key)
        if shape:
            shapes.add(shape)
    return keys, shapes


def _insert(players: Sequence[Player]) -> None:
    for player in players:
        # A row of a group insert that was rolled back may hold a stale id.
        player.pk = None
    Player.objects.bulk_create(list(players))


def _join_conflict(player: Player) -> ClientError:
    """A constraint the player's row broke: a name another process took meanwhile, or
    (astronomically rarely) a token hash another player has."""
    taken = (
        Player.objects.filter(game_id=player.game_id)
        .filter(Q(nickname_key=player.nickname_key) | Q(nickname_skeleton=player.nickname_skeleton))
        .exists()
    )
    return ClientError("nickname_taken", NICKNAME_TAKEN_MESSAGE) if taken else _try_again_join()


def _insert_players(new: list[NewPlayer], results: list[JoinResult | None]) -> list[NewPlayer]:
    """Insert the group's new players (classroom/services/groups.py); those stored, in
    order. Each one that could not be stored gets its error in `results`."""
    outcomes = insert_each(
        [player for _, player, _ in new],
        _insert,
        noun="joins",
        conflict=_join_conflict,
        bad_row=_join_server_error(),
    )
    stored: list[NewPlayer] = []
    for item, error in zip(new, outcomes, strict=True):
        if error is None:
            stored.append(item)
        else:
            results[item[0]] = JoinResult(error=error)
    return stored


def _announce(
    game: Game, stored: list[NewPlayer], connected: int, results: list[JoinResult | None]
) -> None:
    """One `player_joined` (and seq) per player stored; their results."""
    for at, player, token in stored:
        connected += 1
        broadcast(
            game,
            Broadcast(
                host=frames.player_joined(player=_brief(player), count=connected, resumed=False)
            ),
            save=False,
        )
        results[at] = JoinResult(player=player, token=token)
    if stored:
        game.save(update_fields=["seq", "player_seq"])


# --- coming and going ----------------------------------------------------------------------


def player_resume(*, token: str, game_id: int | None = None) -> Player:
    """The player `token` belongs to, marked connected again (also in a locked game)."""
    if not isinstance(token, str) or not token:
        raise ClientError(
            "bad_token", gettext_noop("That resume token is not known."), close_code=4404
        )
    found = Player.objects.filter(token_hash=hash_token(token)).values_list("id", "game_id").first()
    if found is None or (game_id is not None and found[1] != game_id):
        raise ClientError(
            "bad_token", gettext_noop("That resume token is not known."), close_code=4404
        )
    return player_connected(player_id=found[0])


def _lock_player(player_id: int) -> tuple[Game, Player]:
    """The player's game, locked, and the player row read under that lock."""
    game = lock_game(Player.objects.values_list("game_id", flat=True).get(pk=player_id))
    return game, Player.objects.get(pk=player_id)


def player_connected(*, player_id: int) -> Player:
    """Mark a known player's socket as open; the projector hears `player_joined`."""
    with transaction.atomic():
        game, player = _lock_player(player_id)
        if player.kicked:
            raise ClientError("kicked", KICKED_MESSAGE, close_code=4403)
        player.connected = True
        player.last_seen = timezone.now()
        player.save(update_fields=["connected", "last_seen"])
        if not game.is_ended:
            count = selectors.connected_count(game)
            broadcast(
                game,
                Broadcast(
                    host=frames.player_joined(player=_brief(player), count=count, resumed=True)
                ),
            )
    return player


def player_disconnected(*, player_id: int, reason: str = "disconnected") -> None:
    """A player's socket closed. Away players no longer hold up "everyone answered"."""
    with transaction.atomic():
        game, player = _lock_player(player_id)
        if not player.connected or player.kicked:
            return
        player.connected = False
        player.last_seen = timezone.now()
        player.save(update_fields=["connected", "last_seen"])
        if game.is_ended:
            return
        count = selectors.connected_count(game)
        broadcast(
            game,
            Broadcast(host=frames.player_left(player_id=player.id, count=count, reason=reason)),
        )
        close_index = phases.all_answered_index(game)
    phases.close_all_answered(game_id=game.pk, index=close_index)


def presence_reset() -> tuple[int, int]:
    """Mark every player and projector of running games away; return how many.

    Only for start-up of the whole deployment (`manage.py reset_presence`): a killed
    server never recorded its sockets closing, and a stale "connected" would hold a
    question open for phones that are gone. No broadcast: nobody is connected yet.
    """
    with transaction.atomic():
        players = Player.objects.filter(game__ended_at__isnull=True, connected=True).update(
            connected=False
        )
        games = (
            Game.objects.filter(ended_at__isnull=True)
            .exclude(host_connection="")
            .update(host_connection="")
        )
    return players, games


# --- the host's commands about one player ---------------------------------------------------


def player_kick(*, game_id: int, player_id: int) -> None:
    with transaction.atomic():
        game = lock_game(game_id)
        player = Player.objects.filter(game=game, pk=player_id).first()
        if player is None:
            raise ClientError("bad_field", gettext_noop("There is no such player in this game."))
        if player.kicked:
            return
        player.kicked = True
        player.connected = False
        player.save(update_fields=["kicked", "connected"])
        count = selectors.connected_count(game)
        broadcast(
            game,
            Broadcast(
                host=frames.player_left(player_id=player.id, count=count, reason="kicked"),
                close_players={player.id: frames.error(code="kicked", message=KICKED_MESSAGE)},
                close_code=4403,
            ),
        )
        close_index = phases.all_answered_index(game)
    phases.close_all_answered(game_id=game_id, index=close_index)


def player_set_extra_time(*, game_id: int, player_id: int, seconds: int) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ClientError("bad_field", gettext_noop("seconds must be a whole number."))
    if not 0 <= seconds <= MAX_EXTRA_TIME_S:
        raise ClientError("bad_field", f"seconds must be between 0 and {MAX_EXTRA_TIME_S}.")
    with transaction.atomic():
        game = lock_game(game_id)
        if game.phase != Phase.LOBBY:
            raise wrong_phase("Extra time can only be set in the lobby.")
        updated = Player.objects.filter(game=game, pk=player_id, kicked=False).update(
            extra_time_s=seconds
        )
        if not updated:
            raise ClientError("bad_field", gettext_noop("There is no such player in this game."))
        broadcast(game, Broadcast(host=frames.extra_time(player_id=player_id, seconds=seconds)))


# --- the projector's presence -------------------------------------------------------------


def game_host_connected(*, game_id: int, connection: str) -> None:
    """The projector's socket `connection` is open; phones stop waiting for the teacher."""
    with transaction.atomic():
        game = lock_game(game_id)
        was_connected = bool(game.host_connection)
        game.host_connection = connection
        game.save(update_fields=["host_connection"])
        if not was_connected and not game.is_ended:
            broadcast(game, Broadcast(players=frames.host_status(connected=True)))


def game_host_disconnected(*, game_id: int, connection: str) -> None:
    """The projector socket closed. A newer projector socket keeps the game connected."""
    with transaction.atomic():
        game = lock_game(game_id)
        if game.host_connection != connection:
            return
        game.host_connection = ""
        game.save(update_fields=["host_connection"])
        if not game.is_ended:
            broadcast(game, Broadcast(players=frames.host_status(connected=False)))

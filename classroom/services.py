"""Every write of the live game.

Each service is one transaction that locks the game row (`select_for_update()`), so
the services of one game run one after another whatever process they run in. A
service that changes what clients see bumps the audience's sequence number in that
transaction and hands the frames to the hub with `transaction.on_commit`: nothing is
broadcast for a change that was rolled back, and a frame's `seq` is always stored.

Host frames count `Game.seq`, phone frames `Game.player_seq` (docs/protocol.md, Part
2): a delta only the projector sees (a join, an answer count) must not look like a lost
frame to every phone.
"""

from __future__ import annotations

import hashlib
import logging
import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils import timezone

from classroom import frames, gate
from classroom.errors import ClientError
from classroom.inbound import MAX_EXTRA_TIME_S
from classroom.machine import Action, IllegalTransition, Phase, transition
from classroom.models import Answer, Game, Player
from classroom.nicknames import (
    NicknameError,
    clean_nickname,
    generated_nickname,
    is_offensive,
    nickname_keys,
)
from classroom.ranking import Standing, competition_ranks, podium, scoreboard
from classroom.scoring import score_answer
from quizzes import kinds
from quizzes.snapshot import quiz_snapshot

logger = logging.getLogger(__name__)

PIN_ATTEMPTS = 50
OPTION_KEYS = ("accuracy_only", "generated_names_only", "join_gate")
SCOREBOARD_TOP = 5
NICKNAME_KEY_MAX = Player._meta.get_field("nickname_key").max_length

# --- publishing --------------------------------------------------------------------

# The hub installs its publisher at import; services never import Channels. A
# publisher takes (game_id, message) and must not raise.
_publisher: Callable[[int, dict[str, Any]], None] | None = None


def set_publisher(publisher: Callable[[int, dict[str, Any]], None] | None) -> None:
    global _publisher
    _publisher = publisher


def _publish_on_commit(game_id: int, message: dict[str, Any]) -> None:
    def send() -> None:
        if _publisher is None:
            return
        try:
            _publisher(game_id, message)
        except Exception:
            # The change is committed; a lost broadcast is repaired by the clients'
            # seq-gap sync, so it must not turn into an error for the caller.
            logger.exception("broadcast of game %s failed", game_id)

    transaction.on_commit(send)


@dataclass
class Broadcast:
    """Frames of one state change, per audience. Built inside the transaction."""

    host: dict[str, Any] | None = None
    players: dict[str, Any] | None = None
    # player_id -> fields merged into `players` for that player's sockets.
    per_player: dict[int, dict[str, Any]] = field(default_factory=dict)
    # player_id -> error frame; those sockets get it and are closed with close_code.
    close_players: dict[int, dict[str, Any]] = field(default_factory=dict)
    close_code: int | None = None
    # A question the hub must close at its deadline: {"index", "deadline" (epoch s)}.
    timer: dict[str, Any] | None = None


def _broadcast(game: Game, broadcast: Broadcast, *, save: bool = True) -> None:
    """Stamp the next seq of each audience and publish after commit.

    `game` must be locked; its seq fields are saved here (or by the caller, once for
    several broadcasts, when `save` is False).
    """
    update_fields = []
    if broadcast.host is not None:
        game.seq += 1
        broadcast.host["seq"] = game.seq
        update_fields.append("seq")
    if broadcast.players is not None:
        game.player_seq += 1
        broadcast.players["seq"] = game.player_seq
        update_fields.append("player_seq")
    if update_fields and save:
        game.save(update_fields=update_fields)
    message: dict[str, Any] = {"type": "hub.broadcast", "game_id": game.id}
    if broadcast.host is not None:
        message["host"] = broadcast.host
    if broadcast.players is not None:
        message["players"] = broadcast.players
    if broadcast.per_player:
        message["per_player"] = {str(k): v for k, v in broadcast.per_player.items()}
    if broadcast.close_players:
        message["close_players"] = {str(k): v for k, v in broadcast.close_players.items()}
        message["close_code"] = broadcast.close_code
    if broadcast.timer is not None:
        message["timer"] = broadcast.timer
    _publish_on_commit(game.id, message)


# --- helpers -----------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the questions snapshot, parsed once per process --------------------------------
#
# Game.questions is ~75 KB of JSON for the seed quiz and never changes after
# game_create, yet every service locks the game row and every snapshot reads it: parsing
# it each time cost ~2-7 ms on the process's one database thread per join batch and
# answer batch. Game rows are read without it (`.defer("questions")`) and the parsed
# list comes from this cache, filled on a miss. The key includes created_at: a rolled
# back test may hand a game id to another game. Saving `questions` drops the entry.
# Callers must treat the list as read-only: it is shared.

SNAPSHOT_CACHE_GAMES = 16
_snapshots: OrderedDict[tuple[int, Any], list[dict[str, Any]]] = OrderedDict()
_snapshots_lock = threading.Lock()


def game_questions(*, game: Game) -> list[dict[str, Any]]:
    """The questions snapshot of `game` (read-only), from the per-process cache."""
    if "questions" in game.__dict__:
        return game.__dict__["questions"]
    key = (game.pk, game.created_at)
    with _snapshots_lock:
        cached = _snapshots.get(key)
        if cached is not None:
            _snapshots.move_to_end(key)
            return cached
    questions = Game.objects.values_list("questions", flat=True).get(pk=game.pk)
    with _snapshots_lock:
        _snapshots[key] = questions
        while len(_snapshots) > SNAPSHOT_CACHE_GAMES:
            _snapshots.popitem(last=False)
    return questions


def _with_questions(game: Game) -> Game:
    # Assigned, not deferred: `game.questions` must never reload the JSON by itself.
    game.questions = game_questions(game=game)
    return game


def game_questions_forget(*, game_id: int) -> None:
    """Drop the cached snapshot of `game_id` (its questions were saved)."""
    with _snapshots_lock:
        for key in [k for k in _snapshots if k[0] == game_id]:
            del _snapshots[key]


def _questions_saved(sender: Any, instance: Game, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is None or "questions" in update_fields:
        game_questions_forget(game_id=instance.pk)


post_save.connect(_questions_saved, sender=Game, dispatch_uid="classroom.snapshot_cache")


def game_read(*, game_id: int) -> Game:
    """The game row, its questions from the per-process cache. Game.DoesNotExist if none."""
    return _with_questions(Game.objects.defer("questions").get(pk=game_id))


def _lock_game(game_id: int) -> Game:
    try:
        game = Game.objects.select_for_update().defer("questions").get(pk=game_id)
    except Game.DoesNotExist:
        raise ClientError(
            "game_not_found", "There is no game with that PIN.", close_code=4404
        ) from None
    return _with_questions(game)


def _wrong_phase(message: str) -> ClientError:
    return ClientError("wrong_phase", message)


def _apply(game: Game, action: Action) -> Phase:
    has_next = game.question_index + 1 < len(game.questions)
    try:
        return transition(game.phase, action, has_next_question=has_next)
    except IllegalTransition as exc:
        raise ClientError(exc.code, exc.message) from None


def connected_count(game: Game) -> int:
    return Player.objects.filter(game=game, kicked=False, connected=True).count()


def _player_brief(player: Player) -> dict[str, Any]:
    return {"id": player.id, "nickname": player.nickname, "extra_time_s": player.extra_time_s}


def player_time_limit_ms(question: dict[str, Any], extra_time_s: int) -> int:
    return int(question["time_limit_ms"]) + 1000 * int(extra_time_s)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


def _elapsed_ms(started: datetime, arrived: datetime) -> int:
    return max(0, int((arrived - started).total_seconds() * 1000))


# --- game_create -------------------------------------------------------------------


def game_create(
    *,
    quiz: Any,
    host: Any,
    options: dict[str, Any] | None = None,
    rng: random.Random | None = None,
) -> Game:
    """A new game of `quiz` in the lobby, with a 6-digit PIN no running game has."""
    clean_options = {key: bool((options or {}).get(key, False)) for key in OPTION_KEYS}
    questions = quiz_snapshot(quiz=quiz, rng=rng)
    for _ in range(PIN_ATTEMPTS):
        pin = f"{secrets.randbelow(1_000_000):06d}"
        if Game.objects.filter(pin=pin, ended_at__isnull=True).exists():
            continue
        try:
            with transaction.atomic():
                return Game.objects.create(
                    pin=pin,
                    quiz=quiz,
                    host=host,
                    title=quiz.title,
                    questions=questions,
                    options=clean_options,
                )
        except IntegrityError:
            # Another game took the PIN between the check and the insert.
            continue
    raise RuntimeError("Could not find a free game PIN; too many games are running.")


# --- players -----------------------------------------------------------------------


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


NICKNAME_TAKEN_MESSAGE = "Someone in this game already has that name, or one that looks the same."


@dataclass(frozen=True)
class JoinResult:
    """One nickname's outcome in `players_join`: a player and token, or the error."""

    player: Player | None = None
    token: str | None = None
    error: ClientError | None = None


def _join_refusal(game: Game) -> ClientError | None:
    if game.is_ended:
        return ClientError("game_not_found", "This game has ended.", close_code=4404)
    if game.locked:
        return ClientError("game_locked", "The teacher has locked this game.", close_code=4403)
    return None


def players_join(
    *, game_id: int, nicknames: Sequence[str], rng: random.Random | None = None
) -> list[JoinResult]:
    """Join several new players in one transaction (a class joining at once).

    Each nickname is judged on its own, in order: invalid,
    taken or a look-alike of a taken name (also of an earlier name of the same group),
    over the player cap, locked or ended game. A failure met by one name (or a
    constraint its row breaks) is that name's error alone; a failing database fails the
    group. Each player gets its own `player_joined` broadcast (and seq).
    """
    rng = rng or random.Random(secrets.randbits(64))
    results: list[JoinResult | None] = [None] * len(nicknames)
    cleaned: dict[int, str] = {}
    keys: dict[int, tuple[str, str]] = {}
    for at, raw in enumerate(nicknames):
        try:
            cleaned[at] = clean_nickname(raw)
            keys[at] = nickname_keys(cleaned[at])
        except NicknameError as exc:
            results[at] = JoinResult(error=ClientError(exc.code, exc.message))
        except Exception:
            # A bug met by one name: that phone alone is refused.
            logger.exception("checking a nickname failed")
            results[at] = JoinResult(error=_join_server_error())
    with transaction.atomic():
        game = _lock_game(game_id)
        refusal = _join_refusal(game)
        if refusal is not None:
            return [r if r is not None else JoinResult(error=refusal) for r in results]
        generated_only = bool(game.options.get("generated_names_only"))
        # One query for the cap and the count the projector shows; one for the names.
        counts = Player.objects.filter(game=game, kicked=False).aggregate(
            players=Count("id"), connected=Count("id", filter=Q(connected=True))
        )
        taken_keys, taken_shapes = _look_alikes_taken(game, keys.values())
        all_taken: set[str] | None = None
        new: list[tuple[int, Player, str]] = []
        for at, name in cleaned.items():
            if at not in keys:
                continue
            if counts["players"] + len(new) >= settings.GAME_MAX_PLAYERS:
                results[at] = JoinResult(
                    error=ClientError("game_full", "This game is full.", close_code=4403)
                )
                continue
            try:
                if generated_only or is_offensive(name):
                    if all_taken is None:
                        all_taken = _taken_keys(game)
                    name = generated_nickname(rng, taken=all_taken | taken_keys | taken_shapes)
                    key, shape = nickname_keys(name)
                else:
                    key, shape = keys[at]
            except Exception:
                logger.exception("naming a player of game %s failed", game_id)
                results[at] = JoinResult(error=_join_server_error())
                continue
            if key in taken_keys or shape in taken_shapes:
                results[at] = JoinResult(
                    error=ClientError("nickname_taken", NICKNAME_TAKEN_MESSAGE)
                )
                continue
            if len(key) > NICKNAME_KEY_MAX or len(shape) > NICKNAME_KEY_MAX:
                # Guard only: no 30-character name folds past the columns' width.
                results[at] = JoinResult(
                    error=ClientError("nickname_invalid", "Choose a shorter nickname.")
                )
                continue
            token = secrets.token_urlsafe(32)
            player = Player(
                game=game,
                nickname=name,
                nickname_key=key,
                nickname_skeleton=shape,
                token_hash=_hash_token(token),
                connected=True,
            )
            taken_keys.add(key)
            taken_shapes.add(shape)
            new.append((at, player, token))
        new = _insert_players(new, results)
        if new:
            connected = counts["connected"]
            for at, player, token in new:
                connected += 1
                _broadcast(
                    game,
                    Broadcast(
                        host=frames.player_joined(
                            player=_player_brief(player), count=connected, resumed=False
                        )
                    ),
                    save=False,
                )
                results[at] = JoinResult(player=player, token=token)
            game.save(update_fields=["seq", "player_seq"])
    return [r if r is not None else JoinResult(error=_try_again_join()) for r in results]


def _try_again_join() -> ClientError:
    return ClientError("try_again", "Joining failed just now. Please try again.")


def _join_server_error() -> ClientError:
    return ClientError("server_error", "Something went wrong on the server. Please join again.")


def _insert_players(
    new: list[tuple[int, Player, str]], results: list[JoinResult | None]
) -> list[tuple[int, Player, str]]:
    """Insert the group's new players; those stored (in order).

    As for answers (`_insert_rows`): one INSERT for the group, in a savepoint; if one
    row's data breaks it (a name another process took meanwhile, a value a column
    cannot hold), each player is inserted in its own savepoint and only that phone is
    refused. A failing database raises on and fails the group (try_again).
    """
    if not new:
        return []
    try:
        with transaction.atomic():
            Player.objects.bulk_create([player for _, player, _ in new])
        return new
    except _ROW_ERRORS:
        logger.warning("a group of %d joins failed; storing them one by one", len(new))
    stored: list[tuple[int, Player, str]] = []
    for at, player, token in new:
        player.pk = None
        try:
            with transaction.atomic():
                player.save(force_insert=True)
        except IntegrityError:
            taken = (
                Player.objects.filter(game_id=player.game_id)
                .filter(
                    Q(nickname_key=player.nickname_key)
                    | Q(nickname_skeleton=player.nickname_skeleton)
                )
                .exists()
            )
            error = (
                ClientError("nickname_taken", NICKNAME_TAKEN_MESSAGE)
                if taken
                else _try_again_join()
            )
            results[at] = JoinResult(error=error)
        except _ROW_ERRORS:
            logger.exception("a player of game %s could not be stored", player.game_id)
            results[at] = JoinResult(error=_join_server_error())
        else:
            stored.append((at, player, token))
    return stored


def player_resume(*, token: str, game_id: int | None = None) -> Player:
    """The player `token` belongs to, marked connected again (also in a locked game)."""
    if not isinstance(token, str) or not token:
        raise ClientError("bad_token", "That resume token is not known.", close_code=4404)
    found = (
        Player.objects.filter(token_hash=_hash_token(token)).values_list("id", "game_id").first()
    )
    if found is None or (game_id is not None and found[1] != game_id):
        raise ClientError("bad_token", "That resume token is not known.", close_code=4404)
    return player_connected(player_id=found[0])


def player_connected(*, player_id: int) -> Player:
    """Mark a known player's socket as open; the projector hears `player_joined`."""
    with transaction.atomic():
        game_id = Player.objects.values_list("game_id", flat=True).get(pk=player_id)
        game = _lock_game(game_id)
        player = Player.objects.get(pk=player_id)
        if player.kicked:
            raise ClientError("kicked", "The teacher removed you from this game.", close_code=4403)
        player.connected = True
        player.last_seen = timezone.now()
        player.save(update_fields=["connected", "last_seen"])
        if not game.is_ended:
            _broadcast(
                game,
                Broadcast(
                    host=frames.player_joined(
                        player=_player_brief(player), count=connected_count(game), resumed=True
                    )
                ),
            )
    return player


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


def player_disconnected(*, player_id: int, reason: str = "disconnected") -> None:
    """A player's socket closed. Away players no longer hold up "everyone answered"."""
    close_index: int | None = None
    with transaction.atomic():
        game_id = Player.objects.values_list("game_id", flat=True).get(pk=player_id)
        game = _lock_game(game_id)
        player = Player.objects.get(pk=player_id)
        if not player.connected or player.kicked:
            return
        player.connected = False
        player.last_seen = timezone.now()
        player.save(update_fields=["connected", "last_seen"])
        if game.is_ended:
            return
        _broadcast(
            game,
            Broadcast(
                host=frames.player_left(
                    player_id=player.id, count=connected_count(game), reason=reason
                )
            ),
        )
        if game.phase == Phase.QUESTION and _everyone_answered(game):
            close_index = game.question_index
    if close_index is not None:
        question_close(game_id=game_id, expected_index=close_index, reason="all_answered")


def player_kick(*, game_id: int, player_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        player = Player.objects.filter(game=game, pk=player_id).first()
        if player is None:
            raise ClientError("bad_field", "There is no such player in this game.")
        if player.kicked:
            return
        player.kicked = True
        player.connected = False
        player.save(update_fields=["kicked", "connected"])
        _broadcast(
            game,
            Broadcast(
                host=frames.player_left(
                    player_id=player.id, count=connected_count(game), reason="kicked"
                ),
                close_players={
                    player.id: frames.error(
                        code="kicked", message="The teacher removed you from this game."
                    )
                },
                close_code=4403,
            ),
        )
        close_index = (
            game.question_index
            if game.phase == Phase.QUESTION and _everyone_answered(game)
            else None
        )
    if close_index is not None:
        question_close(game_id=game_id, expected_index=close_index, reason="all_answered")


def player_set_extra_time(*, game_id: int, player_id: int, seconds: int) -> None:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise ClientError("bad_field", "seconds must be a whole number.")
    if not 0 <= seconds <= MAX_EXTRA_TIME_S:
        raise ClientError("bad_field", f"seconds must be between 0 and {MAX_EXTRA_TIME_S}.")
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.phase != Phase.LOBBY:
            raise _wrong_phase("Extra time can only be set in the lobby.")
        updated = Player.objects.filter(game=game, pk=player_id, kicked=False).update(
            extra_time_s=seconds
        )
        if not updated:
            raise ClientError("bad_field", "There is no such player in this game.")
        _broadcast(game, Broadcast(host=frames.extra_time(player_id=player_id, seconds=seconds)))


# --- host presence and options -----------------------------------------------------


def game_host_connected(*, game_id: int, connection: str) -> None:
    """The projector's socket `connection` is open; phones stop waiting for the teacher."""
    with transaction.atomic():
        game = _lock_game(game_id)
        was_connected = bool(game.host_connection)
        game.host_connection = connection
        game.save(update_fields=["host_connection"])
        if not was_connected and not game.is_ended:
            _broadcast(game, Broadcast(players=frames.host_status(connected=True)))


def game_host_disconnected(*, game_id: int, connection: str) -> None:
    """The projector socket closed. A newer projector socket keeps the game connected."""
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.host_connection != connection:
            return
        game.host_connection = ""
        game.save(update_fields=["host_connection"])
        if not game.is_ended:
            _broadcast(game, Broadcast(players=frames.host_status(connected=False)))


def _roster(game: Game) -> list[dict[str, Any]]:
    return list(
        Player.objects.filter(game=game, kicked=False, connected=True)
        .order_by("joined_at", "id")
        .values("id", "nickname", "extra_time_s")
    )


def join_url(pin: str, base_url: str = "") -> str:
    base = settings.PUBLIC_BASE_URL or base_url.rstrip("/")
    return f"{base}/play/{pin}/"


def join_gate_shown(game: Game, *, now_ms: int | None = None) -> dict[str, Any] | None:
    """What the projector shows of the join gate now (`shapes`, `changes_in_ms`), or
    None when the game has no gate. Host frames only: never in a phone's frame."""
    if not game.options.get("join_gate") or game.is_ended:
        return None
    if now_ms is None:
        now_ms = int(time.time() * 1000)
    return gate.shown(join_gate_key(game.pk), now_ms)


def join_gate_key(game_id: int) -> bytes:
    return gate.game_key(settings.SECRET_KEY, game_id)


def _lobby_broadcast(game: Game) -> None:
    _broadcast(
        game,
        Broadcast(
            host=frames.lobby(
                pin=game.pin,
                join_url=join_url(game.pin),
                players=_roster(game),
                locked=game.locked,
                join_gate=join_gate_shown(game),
            )
        ),
    )


def game_lock(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.is_ended:
            raise _wrong_phase("The game has already ended.")
        if not game.locked:
            game.locked = True
            game.save(update_fields=["locked"])
        _lobby_broadcast(game)


def game_unlock(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.is_ended:
            raise _wrong_phase("The game has already ended.")
        if game.locked:
            game.locked = False
            game.save(update_fields=["locked"])
        _lobby_broadcast(game)


def public_options(game: Game) -> dict[str, bool]:
    return {key: bool(game.options.get(key, False)) for key in OPTION_KEYS}


def game_set_options(
    *,
    game_id: int,
    accuracy_only: bool | None = None,
    generated_names_only: bool | None = None,
    join_gate: bool | None = None,
) -> dict[str, bool]:
    changes = {
        "accuracy_only": accuracy_only,
        "generated_names_only": generated_names_only,
        "join_gate": join_gate,
    }
    for key, value in changes.items():
        if value is not None and not isinstance(value, bool):
            raise ClientError("bad_field", f"{key} must be true or false.")
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.phase != Phase.LOBBY:
            raise _wrong_phase("Options can only be changed in the lobby.")
        options = dict(game.options)
        options.update({k: v for k, v in changes.items() if v is not None})
        game.options = options
        game.save(update_fields=["options"])
        result = public_options(game)
        _broadcast(
            game,
            Broadcast(host=frames.options(options=result, join_gate=join_gate_shown(game))),
        )
    return result


# --- questions ---------------------------------------------------------------------


def _everyone_answered(game: Game) -> bool:
    waiting = Player.objects.filter(game=game, kicked=False, connected=True)
    if not waiting.exists():
        # Nobody is here (a wifi blip): let the clock decide, not an empty room.
        return False
    answered = Answer.objects.filter(game=game, question_index=game.question_index).values(
        "player_id"
    )
    return not waiting.exclude(pk__in=answered).exists()


def _tally_sql(connection: Any) -> str:
    quote = connection.ops.quote_name
    answer = quote(Answer._meta.db_table)
    player = quote(Player._meta.db_table)

    def col(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    game_a, index_a, player_a = (col(Answer, n) for n in ("game", "question_index", "player"))
    game_p, connected, kicked = (col(Player, n) for n in ("game", "connected", "kicked"))
    pk = quote(Player._meta.pk.column)
    this_question = f"a.{game_a} = %s AND a.{index_a} = %s"
    return (
        f"SELECT (SELECT COUNT(*) FROM {answer} a WHERE {this_question}), "
        f"(SELECT COUNT(*) FROM {answer} a INNER JOIN {player} p ON p.{pk} = a.{player_a} "
        f"WHERE {this_question} AND NOT (p.{connected} AND NOT p.{kicked})), "
        f"(SELECT COUNT(*) FROM {player} p WHERE p.{game_p} = %s "
        f"AND p.{connected} AND NOT p.{kicked})"
    )


def _answer_tally(game: Game) -> tuple[int, int, int]:
    """(answered, answered by players away, connected players) of the current question.

    One hand-written query: it runs for every batch of answers, and the two ORM queries
    it replaces cost ~5 ms of CPU per batch to build (measured), the database's part
    being a fraction of a millisecond.
    """
    connection = transaction.get_connection()
    index = game.question_index
    with connection.cursor() as cursor:
        cursor.execute(_tally_sql(connection), [game.id, index, game.id, index, game.id])
        answered, away, connected = cursor.fetchone()
    return int(answered), int(away), int(connected)


def answer_totals(game: Game) -> tuple[int, int]:
    """(answered, total) of the open or last question: total counts the connected
    players and anyone who answered and left since. Counted in the database: this runs
    once per group of answers."""
    answered, away, connected = _answer_tally(game)
    return answered, connected + away


def _open_question(game: Game, index: int) -> None:
    """Open question `index` now: times, deadline, and the `question` broadcast."""
    question = game.questions[index]
    now = timezone.now()
    extras = sorted(
        set(
            Player.objects.filter(game=game, kicked=False, extra_time_s__gt=0).values_list(
                "extra_time_s", flat=True
            )
        )
    )
    longest_ms = player_time_limit_ms(question, extras[-1] if extras else 0)
    game.phase = Phase.QUESTION
    game.question_index = index
    game.question_started_at = now
    game.question_deadline = now + timedelta(milliseconds=longest_ms)
    game.save(update_fields=["phase", "question_index", "question_started_at", "question_deadline"])
    count = len(game.questions)
    limit = int(question["time_limit_ms"])
    per_player = {}
    if extras:
        for pid, extra in Player.objects.filter(
            game=game, kicked=False, extra_time_s__gt=0
        ).values_list("id", "extra_time_s"):
            own = player_time_limit_ms(question, extra)
            per_player[pid] = {"time_limit_ms": own, "remaining_ms": own}
    _, total = answer_totals(game)
    _broadcast(
        game,
        Broadcast(
            host=frames.question_host(
                question=question,
                index=index,
                count=count,
                time_limit_ms=limit,
                remaining_ms=longest_ms,
                answered=0,
                total=total,
            ),
            players=frames.question_player(
                question=question,
                index=index,
                count=count,
                time_limit_ms=limit,
                remaining_ms=limit,
            ),
            per_player=per_player,
            timer={"index": index, "deadline": _epoch(game.question_deadline)},
        ),
    )


def _finish(game: Game) -> None:
    game.phase = Phase.FINISHED
    game.ended_at = timezone.now()
    game.save(update_fields=["phase", "ended_at"])
    standings = _standings(game)
    ranks = competition_ranks({s.player_id: s.score for s in standings})
    count = len(standings)
    per_player = {
        s.player_id: {"rank": ranks[s.player_id], "score": s.score, "count": count}
        for s in standings
    }
    _broadcast(
        game,
        Broadcast(
            host=frames.finished_host(
                podium=podium(standings),
                report_url=report_url(game),
                timeline_url=timeline_url(game),
            ),
            players=frames.finished_player(rank=None, score=0, count=count),
            per_player=per_player,
        ),
    )


def report_url(game: Game) -> str:
    return reverse("report", kwargs={"pin": game.pin})


def timeline_url(game: Game) -> str | None:
    """The quiz's timeline page (the whole story after the game), if it still has one.

    The page is addressed by the quiz's slug (`/timeline/<quiz-slug>/`), not the
    timeline's: the seed's two differ, and the timeline's slug is a 404 there."""
    slug = (
        Game.objects.filter(pk=game.pk, quiz__timeline__isnull=False)
        .values_list("quiz__slug", flat=True)
        .first()
    )
    return reverse("timeline", kwargs={"slug": slug}) if slug else None


def game_start(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        target = _apply(game, Action.START)
        if target == Phase.QUESTION:
            _open_question(game, 0)
        else:
            _finish(game)


def game_next(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        target = _apply(game, Action.NEXT)
        if target == Phase.QUESTION:
            _open_question(game, game.question_index + 1)
        else:
            _finish(game)


def game_end(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        _apply(game, Action.END)
        _finish(game)


def _standings(game: Game) -> list[Standing]:
    return [
        Standing(player_id=pid, nickname=nick, score=score, previous_score=prev)
        for pid, nick, score, prev in Player.objects.filter(game=game, kicked=False)
        .order_by("id")
        .values_list("id", "nickname", "score", "previous_score")
    ]


def game_scoreboard(*, game_id: int) -> None:
    with transaction.atomic():
        game = _lock_game(game_id)
        _apply(game, Action.SCOREBOARD)
        game.phase = Phase.SCOREBOARD
        game.save(update_fields=["phase"])
        standings = _standings(game)
        ranks = competition_ranks({s.player_id: s.score for s in standings})
        count = len(standings)
        _broadcast(
            game,
            Broadcast(
                host=frames.scoreboard_host(top=scoreboard_top(game, standings)),
                players=frames.scoreboard_player(rank=None, score=0, count=count),
                per_player={
                    s.player_id: {"rank": ranks[s.player_id], "score": s.score, "count": count}
                    for s in standings
                },
            ),
        )


def scoreboard_top(game: Game, standings: Sequence[Standing]) -> list[dict[str, Any]]:
    top = scoreboard(standings, top=SCOREBOARD_TOP)
    if game.question_index <= 0:
        # Before the first question there was no ranking to move from.
        top = [{**entry, "previous_rank": None} for entry in top]
    return top


def _score_one(
    *,
    question: dict[str, Any],
    answer: Any,
    elapsed_ms: int,
    time_limit_ms: int,
    accuracy_only: bool,
    streak_before: int,
) -> Any:
    return score_answer(
        kind=question["kind"],
        correct_choice_ids=question["correct_choice_ids"],
        answer=answer,
        correct_year=question.get("answer_year"),
        elapsed_ms=elapsed_ms,
        time_limit_ms=time_limit_ms,
        multiplier=int(question.get("points_multiplier", 1)),
        accuracy_only=accuracy_only,
        streak_before=streak_before,
    )


TOTAL_FIELDS = ("previous_score", "score", "streak", "correct_count")


def _save_totals(players: Sequence[Player]) -> None:
    """Write the totals of `players` with one prepared UPDATE run for every row.

    `bulk_update` builds one `CASE WHEN id=... THEN ...` per field over every player:
    ~1 s of CPU for 1,000 players at each reveal, against ~5 ms for this.
    """
    if not players:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = Player._meta
    assignments = ", ".join(f"{quote(meta.get_field(f).column)} = %s" for f in TOTAL_FIELDS)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [(*(getattr(p, f) for f in TOTAL_FIELDS), p.pk) for p in players]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def question_close(*, game_id: int, expected_index: int, reason: str) -> bool:
    """Close question `expected_index` if it is still the open one; False otherwise.

    Idempotent: the timers of several processes, the host and the last answer may all
    try; the game row lock lets exactly one of them do it.
    """
    with transaction.atomic():
        game = _lock_game(game_id)
        if game.phase != Phase.QUESTION or game.question_index != expected_index:
            return False
        if reason == "time" and game.question_deadline and timezone.now() < game.question_deadline:
            return False
        _apply(game, Action.CLOSE_QUESTION)
        question = game.questions[expected_index]
        kind = kinds.get(question["kind"])
        accuracy_only = bool(game.options.get("accuracy_only"))
        answers = {
            a.player_id: a for a in Answer.objects.filter(game=game, question_index=expected_index)
        }
        values = {pid: kind.value(a.choice_id, a.value) for pid, a in answers.items()}
        players = list(Player.objects.filter(game=game, kicked=False).order_by("id"))
        for player in players:
            answer = answers.get(player.id)
            result = _score_one(
                question=question,
                answer=values.get(player.id),
                elapsed_ms=answer.elapsed_ms if answer else 0,
                time_limit_ms=player_time_limit_ms(question, player.extra_time_s),
                accuracy_only=accuracy_only,
                streak_before=player.streak,
            )
            player.previous_score = player.score
            player.score += result.points
            player.streak = result.streak
            if result.correct and int(question.get("points_multiplier", 1)) > 0:
                player.correct_count += 1
        _save_totals(players)
        game.phase = Phase.REVEAL
        game.save(update_fields=["phase"])

        ranks = competition_ranks({p.id: p.score for p in players})
        per_player = {}
        for player in players:
            answer = answers.get(player.id)
            per_player[player.id] = {
                **kind.your_fields(values.get(player.id)),
                "correct": bool(answer and answer.correct),
                "points": answer.points if answer else 0,
                "score": player.score,
                "rank": ranks[player.id],
                "streak": player.streak,
            }
        answered, total = answer_totals(game)
        _broadcast(
            game,
            Broadcast(
                host=frames.reveal_host(
                    question=question,
                    distribution=kind.distribution(question, values.values()),
                    answered=answered,
                    total=total,
                    correct_count=sum(1 for a in answers.values() if a.correct),
                    reason=reason,
                ),
                players=frames.reveal_player(
                    question=question,
                    fields={
                        **kind.your_fields(None),
                        "correct": False,
                        "points": 0,
                        "score": 0,
                        "rank": None,
                        "streak": 0,
                    },
                ),
                per_player=per_player,
            ),
        )
    return True


# --- answers -----------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One `answer` frame, stamped with the server time it arrived."""

    player_id: int
    question_id: int
    arrived_at: datetime
    choice_id: int | None = None
    choice_ids: tuple[int, ...] | None = None
    year: int | None = None


@dataclass(frozen=True)
class SubmissionResult:
    submission: Submission
    error: ClientError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def received_fields(self) -> dict[str, Any]:
        """The `answer_received` fields echoing what was stored."""
        s = self.submission
        fields: dict[str, Any] = {"question_id": s.question_id, "choice_id": s.choice_id}
        if s.choice_ids is not None:
            fields["choice_ids"] = list(s.choice_ids)
        if s.year is not None:
            fields["year"] = s.year
        return fields


def _try_again() -> ClientError:
    return ClientError("try_again", "Your answer could not be saved. Please send it again.")


def _server_error() -> ClientError:
    return ClientError("server_error", "Something went wrong on the server with that answer.")


# What one row's data can make an INSERT raise: a constraint it breaks (IntegrityError),
# a value its column cannot hold (DataError; sqlite3 raises OverflowError for an int over
# 64 bits), a value the driver cannot convert. A failing database (OperationalError,
# InterfaceError...) is none of these: that fails the whole group, with try_again.
_ROW_ERRORS = (IntegrityError, DataError, OverflowError, ValueError, TypeError)


def _validate(
    game: Game, question: dict[str, Any], player: Player | None, sub: Submission
) -> tuple[Any, ClientError | None]:
    """(the answer in its kind's shape, or the error refusing it)."""
    if player is None or player.kicked:
        return None, ClientError("not_joined", "Join the game before answering.")
    if game.phase != Phase.QUESTION or sub.question_id != question["id"]:
        return None, ClientError("question_closed", "This question is closed.")
    try:
        return kinds.get(question["kind"]).check(question, sub), None
    except kinds.Refused as refused:
        return None, ClientError(refused.code, refused.message)


def answers_store(
    *, game_id: int, submissions: Sequence[Submission]
) -> tuple[list[SubmissionResult], int | None]:
    """Store a group of answers of one game in one transaction (group commit).

    Each submission is judged on its own; the results come back in order. An answer
    stamped after the player's own deadline is `question_closed`. One submission's
    failure (while judging it, or a constraint its row breaks) is that submission's
    error alone; the others are stored. If the database fails, every submission gets
    `try_again` and nothing is stored.

    Also returns the index of the question every connected player has now answered
    (the caller closes it with `question_close_all_answered`), else None.

    The live server acknowledges the answers between the two: closing scores every
    player and builds every reveal, which the last answers' acks need not wait for.
    """
    if not submissions:
        return [], None
    try:
        return _store_answers(game_id, submissions)
    except DatabaseError:
        logger.exception("storing %d answers of game %s failed", len(submissions), game_id)
        return [SubmissionResult(s, _try_again()) for s in submissions], None


def question_close_all_answered(*, game_id: int, expected_index: int) -> None:
    """Close the question everyone answered; a database error is left to the timer."""
    try:
        question_close(game_id=game_id, expected_index=expected_index, reason="all_answered")
    except DatabaseError:
        # The answers are stored; the timer closes the question at its deadline.
        logger.exception("closing question %s of game %s failed", expected_index, game_id)


@dataclass(frozen=True)
class _AnswerRow:
    """An Answer row to insert, in the model's field names (created_at is set on insert)."""

    game_id: int
    player_id: int
    question_index: int
    question_id: int
    choice_id: int | None
    value: Any
    elapsed_ms: int
    correct: bool
    points: int


_ANSWER_COLUMNS = tuple(f.name for f in fields(_AnswerRow))
_VALUE_AT = _ANSWER_COLUMNS.index("value")


def _insert_answers(rows: Sequence[_AnswerRow]) -> None:
    """Insert answer rows with one prepared INSERT run for every row.

    `bulk_create` of 200 Answer objects cost ~29 ms of CPU (building the models and one
    statement with 2,000 placeholders) against ~4 ms here, on the one database thread
    every answer of the process waits for. Same columns, same conversions (the JSON
    `value`, the `created_at` stamp), same unique constraint.
    Rows of one batch share their `created_at`; Answer's ordering ties then fall back
    to the database's order.
    """
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = Answer._meta
    names = (*_ANSWER_COLUMNS, "created_at")
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    placeholders = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    value_field = meta.get_field("value")
    stamp_field = meta.get_field("created_at")
    # One stamp for the batch: its rows are stored by one commit, and converting a
    # datetime for the database costs more than the rest of a row.
    stamp = stamp_field.get_db_prep_save(timezone.now(), connection)
    data = []
    for row in rows:
        values = [getattr(row, name) for name in _ANSWER_COLUMNS]
        if row.value is not None:
            values[_VALUE_AT] = value_field.get_db_prep_save(row.value, connection)
        values.append(stamp)
        data.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, data)


def _answer_row(
    game: Game,
    question: dict[str, Any],
    players: dict[int, Player],
    already: set[int],
    sub: Submission,
    accuracy_only: bool,
) -> tuple[_AnswerRow | None, ClientError | None]:
    """The row one submission stores, or the error refusing it (judged on its own)."""
    player = players.get(sub.player_id)
    if player is not None and player.game_id != game.id:
        player = None
    value, error = _validate(game, question, player, sub)
    if error is not None:
        return None, error
    assert player is not None
    if sub.player_id in already:
        return None, ClientError("already_answered", "You have already answered this question.")
    started = game.question_started_at
    limit = player_time_limit_ms(question, player.extra_time_s)
    if sub.arrived_at > started + timedelta(milliseconds=limit):
        return None, ClientError("question_closed", "Time is up for this question.")
    elapsed = min(_elapsed_ms(started, sub.arrived_at), limit)
    scored = _score_one(
        question=question,
        answer=value,
        elapsed_ms=elapsed,
        time_limit_ms=limit,
        accuracy_only=accuracy_only,
        streak_before=player.streak,
    )
    choice_id, stored = kinds.get(question["kind"]).columns(value)
    row = _AnswerRow(
        game_id=game.id,
        player_id=player.id,
        question_index=game.question_index,
        question_id=question["id"],
        choice_id=choice_id,
        value=stored,
        elapsed_ms=elapsed,
        correct=scored.correct,
        points=scored.points,
    )
    return row, None


def _insert_rows(
    index: int,
    rows: Sequence[tuple[int, _AnswerRow]],
    results: list[SubmissionResult | None],
    submissions: Sequence[Submission],
) -> set[int]:
    """Insert the group's rows; the positions (in `submissions`) of those stored.

    The normal case is one INSERT for the group, in a savepoint. If one row's data makes
    it fail (a constraint, a value a column cannot hold), the savepoint is rolled back
    and each row is inserted in its own savepoint: the others are stored, that row gets
    its error in `results`. A failing database raises on: the caller's transaction
    fails and every answer of the group gets try_again.
    """
    if not rows:
        return set()
    try:
        with transaction.atomic():
            _insert_answers([row for _, row in rows])
        return {at for at, _ in rows}
    except _ROW_ERRORS:
        logger.warning("a group of %d answers failed; storing them one by one", len(rows))
    stored: set[int] = set()
    for at, row in rows:
        try:
            with transaction.atomic():
                _insert_answers([row])
        except IntegrityError:
            # One answer per player and question: another writer stored this player's.
            exists = Answer.objects.filter(player_id=row.player_id, question_index=index).exists()
            error = (
                ClientError("already_answered", "You have already answered this question.")
                if exists
                else _try_again()
            )
            results[at] = SubmissionResult(submissions[at], error)
        except _ROW_ERRORS:
            logger.exception("an answer of player %s could not be stored", row.player_id)
            results[at] = SubmissionResult(submissions[at], _server_error())
        else:
            stored.add(at)
    return stored


def _store_answers(
    game_id: int, submissions: Sequence[Submission]
) -> tuple[list[SubmissionResult], int | None]:
    close_index: int | None = None
    with transaction.atomic():
        game = _lock_game(game_id)
        results: list[SubmissionResult | None] = [None] * len(submissions)
        if game.phase != Phase.QUESTION or game.question_index < 0:
            closed = ClientError("question_closed", "This question is closed.")
            return [SubmissionResult(s, closed) for s in submissions], None
        index = game.question_index
        question = game.questions[index]
        accuracy_only = bool(game.options.get("accuracy_only"))
        players = Player.objects.in_bulk({s.player_id for s in submissions})
        already = set(
            Answer.objects.filter(
                game=game, question_index=index, player_id__in=list(players)
            ).values_list("player_id", flat=True)
        )
        rows: list[tuple[int, _AnswerRow]] = []
        for at, sub in enumerate(submissions):
            try:
                row, error = _answer_row(game, question, players, already, sub, accuracy_only)
            except Exception:
                # A bug met by one answer (its scoring raised): that answer alone fails.
                logger.exception("judging an answer of game %s failed", game_id)
                row, error = None, _server_error()
            if error is not None or row is None:
                results[at] = SubmissionResult(sub, error or _server_error())
                continue
            already.add(sub.player_id)
            rows.append((at, row))
        stored = _insert_rows(index, rows, results, submissions)
        rows = [(at, row) for at, row in rows if at in stored]
        for at in stored:
            results[at] = SubmissionResult(submissions[at])
        if rows:
            Player.objects.filter(pk__in=[r.player_id for _, r in rows]).update(
                last_seen=timezone.now()
            )
            answered, away, connected = _answer_tally(game)
            _broadcast(
                game,
                Broadcast(
                    host=frames.answer_count(
                        question_id=question["id"], answered=answered, total=connected + away
                    )
                ),
            )
            # One answer per player and question (a unique constraint), so the connected
            # players who answered are answered - away: the same test as
            # _everyone_answered, without its two more queries per batch.
            if connected > 0 and answered - away >= connected:
                close_index = index
    return [r for r in results if r is not None], close_index


# --- lookups the consumers need ----------------------------------------------------


def game_for_host(*, pin: str, user: Any) -> Game:
    """The game `user` may host under `pin`: the running one, else their latest ended one.

    ClientError game_not_found (4404) or not_host (4403).
    """
    games = Game.objects.defer("questions")
    game = games.filter(pin=pin, ended_at__isnull=True).first()
    if game is None:
        ended = games.filter(pin=pin)
        if not getattr(user, "is_superuser", False):
            ended = ended.filter(host_id=getattr(user, "id", None))
        game = ended.first()
    if game is None:
        raise ClientError("game_not_found", "There is no game with that PIN.", close_code=4404)
    if not user_may_host(user=user, game=game):
        raise ClientError("not_host", "Only the game's host can do that.", close_code=4403)
    return _with_questions(game)


def user_may_host(*, user: Any, game: Game) -> bool:
    """Host rights: the game's host, or a superuser. Staff who edit quiz content do
    not control other teachers' games (protocol 1.1, "Fair play")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or user.id == game.host_id)

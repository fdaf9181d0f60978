"""How a write's frames reach the clients: `Broadcast`, sequence numbers, after commit.

Host frames count `Game.seq`, phone frames `Game.player_seq` (docs/protocol.md, Part
2): a delta only the projector sees (a join, an answer count) must not look like a lost
frame to every phone. A broadcast is handed to the publisher only once the transaction
has committed (`transaction.on_commit`).

The publisher is the hub's (classroom/relay.py), installed by ClassroomConfig.ready();
services never import Channels. Without one (a management command before start-up
wiring, a bare script) nothing is published.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from classroom.models import Game

logger = logging.getLogger(__name__)

# Takes (game_id, message) and must not raise.
Publisher = Callable[[int, dict[str, Any]], None]

_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> None:
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


def broadcast(game: Game, broadcast: Broadcast, *, save: bool = True) -> None:
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

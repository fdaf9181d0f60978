"""Which game a PIN opens, and whose games a user may see.

PINs are reused once a game has ended, so one PIN can name several games.
"""

from __future__ import annotations

from typing import Any

from classroom.errors import ClientError
from classroom.models import Game
from classroom.questions_cache import with_questions


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
    return with_questions(game)


def user_may_host(*, user: Any, game: Game) -> bool:
    """Host rights: the game's host, or a superuser. Staff who edit quiz content do
    not control other teachers' games (protocol 1.1, "Fair play")."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    return bool(user.is_superuser or user.id == game.host_id)

"""The database thread's cost of storing answer groups of many small games, in process.

    python -m bench.answer_groups [--games 50] [--players 30] [--per-window 7 20 50]

Every phone of every game answers once; the answers, shuffled over the games, are
stored a window at a time (`--per-window` answers, as one 20 ms group of the live
server would hold), two ways on the same database:
- `per game`: one `answers.answers_store` transaction per game in the window (how the
  server stored them before one group commit per process);
- `one group`: one `answers.answers_store_games` transaction for the whole window.
Each way has games of its own; the two take turns window by window.

Prints, per way, the CPU time of the storing thread (`time.thread_time`) and the wall
time per window and per answer. CPU does not count the commit's wait for the disk,
which holds the database thread all the same: the wall time does, but moves with
whatever else the machine runs. A fresh SQLite file in a temp dir, the seed quiz,
the project's settings; no server, no sockets.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

WAYS = ("per game", "one group")
WARM_UP_WINDOWS = 5


def _fields(question: dict[str, Any]) -> dict[str, Any]:
    """A valid answer's fields for `question` (its first choice, order, or year)."""
    ids = [c["id"] for c in question.get("choices") or []]
    if question["kind"] == "order":
        return {"choice_ids": tuple(ids)}
    if question["kind"] == "year_guess":
        return {"year": int(question["year_min"])}
    return {"choice_id": ids[0]}


def _open_games(*, quiz: Any, host: Any, games: int, players: int) -> list[tuple[Any, int]]:
    """(game, player id) of every phone of `games` new games, the first question open."""
    from classroom.models import Game
    from classroom.services import phases
    from classroom.services import players as players_service

    phones: list[tuple[Game, int]] = []
    for _ in range(games):
        game = phases.game_create(quiz=quiz, host=host)
        names = [f"p{i}" for i in range(players)]
        joined = players_service.players_join(game_id=game.pk, nicknames=names)
        phases.game_start(game_id=game.pk)
        game = Game.objects.get(pk=game.pk)
        phones += [(game, result.player.pk) for result in joined if result.player is not None]
    return phones


def _groups(window: Sequence[tuple[Any, int]]) -> dict[int, list[Any]]:
    """The window's answers by game, as the answer batcher hands them over."""
    from classroom.services import answers

    found: dict[int, list[answers.Submission]] = {}
    for game, player_id in window:
        question = game.questions[game.question_index]
        found.setdefault(game.pk, []).append(
            answers.Submission(
                player_id=player_id,
                question_id=question["id"],
                arrived_at=game.question_started_at + timedelta(milliseconds=500),
                **_fields(question),
            )
        )
    return found


def _store(way: str, window: Sequence[tuple[Any, int]]) -> int:
    """Store a window `way`; how many answers were stored."""
    from classroom.services import answers

    if way == "one group":
        stored = answers.answers_store_games(groups=_groups(window))
        return sum(r.ok for results, _close in stored.values() for r in results)
    ok = 0
    for game_id, submissions in _groups(window).items():
        results, _close = answers.answers_store(game_id=game_id, submissions=submissions)
        ok += sum(r.ok for r in results)
    return ok


def measure(
    *, quiz: Any, host: Any, games: int, players: int, per_window: int
) -> list[dict[str, Any]]:
    """Open `games` new games of `quiz` with `players` each for each way, store every
    phone's answer `per_window` at a time, the two ways taking turns window by window
    (so a neighbour's load falls on both alike), and return each way's costs."""
    windows: dict[str, list[list[tuple[Any, int]]]] = {}
    for at, way in enumerate(WAYS):
        phones = _open_games(quiz=quiz, host=host, games=games, players=players)
        random.Random(at).shuffle(phones)
        windows[way] = [phones[i : i + per_window] for i in range(0, len(phones), per_window)]
    cpu = dict.fromkeys(WAYS, 0.0)
    wall = dict.fromkeys(WAYS, 0.0)
    stored = dict.fromkeys(WAYS, 0)
    sent = dict.fromkeys(WAYS, 0)
    for turn in range(len(windows[WAYS[0]])):
        for way in WAYS:
            window = windows[way][turn]
            if turn < WARM_UP_WINDOWS:  # statements prepared, caches filled
                _store(way, window)
                continue
            started_cpu, started_wall = time.thread_time(), time.perf_counter()
            stored[way] += _store(way, window)
            cpu[way] += time.thread_time() - started_cpu
            wall[way] += time.perf_counter() - started_wall
            sent[way] += len(window)
    measured = max(0, len(windows[WAYS[0]]) - WARM_UP_WINDOWS)
    return [
        {
            "way": way,
            "per_window": per_window,
            "windows": measured,
            "answers": sent[way],
            "stored": stored[way],
            "cpu_ms_per_window": cpu[way] * 1000 / max(1, measured),
            "cpu_ms_per_answer": cpu[way] * 1000 / max(1, sent[way]),
            "wall_ms_per_window": wall[way] * 1000 / max(1, measured),
        }
        for way in WAYS
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=50)
    parser.add_argument("--players", type=int, default=30)
    parser.add_argument("--per-window", type=int, nargs="+", default=[7, 20, 50])
    args = parser.parse_args(argv)
    if not 1 <= args.games <= 500 or not 1 <= args.players <= 200:
        parser.error("--games must be 1-500 and --players 1-200")
    if any(not 1 <= n <= 1000 for n in args.per_window):
        parser.error("--per-window must be 1-1000")
    workdir = Path(tempfile.mkdtemp(prefix="quiz-answer-groups-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "classroom.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from quizzes.models import Quiz

    call_command("migrate", verbosity=0)
    call_command("load_seeds", verbosity=0)
    host = get_user_model().objects.create_user("bench-teacher", password=os.urandom(16).hex())
    quiz = Quiz.objects.order_by("pk").first()
    print(f"{args.games} games x {args.players} phones, SQLite in {workdir}")
    print(
        "way       | per window | windows | stored/answers | CPU ms/window | CPU ms/answer"
        " | wall ms/window"
    )
    for per_window in args.per_window:
        rows = measure(
            quiz=quiz, host=host, games=args.games, players=args.players, per_window=per_window
        )
        for row in rows:
            print(
                f"{row['way']:9} | {per_window:10} | {row['windows']:7} | "
                f"{row['stored']:>6}/{row['answers']:<7} | {row['cpu_ms_per_window']:13.2f} | "
                f"{row['cpu_ms_per_answer']:13.3f} | {row['wall_ms_per_window']:14.2f}"
            )


if __name__ == "__main__":
    main()

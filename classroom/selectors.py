"""Reads of the live game: the snapshots a socket gets on connect and on `sync`, and
the counts, standings and links the writes put in their frames.

Built from the database alone, so any process can answer any client after a restart.
Shapes are docs/protocol.md, Part 2 ("The player's snapshot", "The host's snapshot").
Writes (classroom/services/) call these; these never write and never call a service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from classroom import frames, inbound, join_gate, self_paced, teams
from classroom.game_setup import SELF_PACED
from classroom.machine import allowed_actions
from classroom.models import Answer, Game, Player
from classroom.questions_cache import game_questions, game_read
from classroom.ranking import Standing, podium, scoreboard
from classroom.scoring import player_time_limit_ms
from quizzes import kinds

SCOREBOARD_TOP = 5
# The options a host may set: the wire's declaration of `set_options` is their one list.
OPTION_KEYS = inbound.SetOptions.OPTIONS


# (index, deadline, moment answers are taken (both epoch seconds), question id) of a
# game's open question, or None.
OpenQuestion = tuple[int, float, float, int] | None


def open_question(game: Game) -> OpenQuestion:
    """The open question a socket's process must arm a timer for (classroom/timers.py),
    with the end of its reading time (an earlier answer is `too_early`)."""
    if game.phase == Game.Phase.QUESTION and game.question_deadline is not None:
        opens = game.question_started_at or game.question_deadline
        question_id = int(game.questions[game.question_index]["id"])
        return (
            game.question_index,
            game.question_deadline.timestamp(),
            opens.timestamp(),
            question_id,
        )
    return None


def timer_of(game: Game) -> dict[str, Any] | None:
    """The broadcast's `timer` of the game's open question (the hub arms it)."""
    found = open_question(game)
    if found is None:
        return None
    index, deadline, opens, question_id = found
    return {"index": index, "deadline": deadline, "opens": opens, "question_id": question_id}


def answerable_in_ms(game: Game) -> int:
    """How long until the open question takes answers (0 once reading time is over)."""
    if game.question_started_at is None:
        return 0
    return max(0, int((game.question_started_at - timezone.now()).total_seconds() * 1000))


def reading_ms(game: Game) -> int:
    """The game's reading time per question, from its stored setup."""
    return int((game.setup or {}).get("reading_s") or 0) * 1000


def _remaining_ms(game: Game, limit_ms: int) -> int:
    """Time left to answer, counted from the end of reading: during reading it is the
    whole limit."""
    if game.question_started_at is None:
        return 0
    ends = game.question_started_at + timedelta(milliseconds=limit_ms)
    counted_from = max(timezone.now(), game.question_started_at)
    return max(0, int((ends - counted_from).total_seconds() * 1000))


def _your_answer(question: dict[str, Any], answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    kind = kinds.get(question["kind"])
    return {"question_id": question["id"], **kind.echo(kind.value(answer.choice_id, answer.value))}


def _rank_and_count(game: Game, player: Player) -> tuple[int | None, int]:
    """Competition rank ("1224": one more than the players ahead) and players counted.

    Two aggregates, not every score: a join storm asks this once per join.
    """
    totals = Player.objects.filter(game=game, kicked=False).aggregate(
        count=Count("id"), ahead=Count("id", filter=Q(score__gt=player.score))
    )
    rank = None if player.kicked else totals["ahead"] + 1
    return rank, totals["count"]


def player_with_game(*, player_id: int) -> Player:
    """The player row with its game, the game's questions from the per-process cache."""
    player = Player.objects.select_related("game").defer("game__questions").get(pk=player_id)
    player.game.questions = game_questions(game=player.game)
    return player


def is_self_paced(game: Game) -> bool:
    """Whether `game` is homework (its setup's mode; docs/protocol.md)."""
    return (game.setup or {}).get("mode") == SELF_PACED


def closes_at(game: Game) -> datetime | None:
    """A homework game's closing time, as its setup stores it."""
    stored = (game.setup or {}).get("closes_at")
    return datetime.fromisoformat(stored) if stored else None


def paced_reveal(
    game: Game, player: Player, index: int, answer: Answer | None, *, rank: int | None
) -> dict[str, Any]:
    """A homework player's reveal of their question `index` (`answer`: theirs, if any)."""
    question = game.questions[index]
    return frames.reveal_paced(
        question=question,
        fields=reveal_fields(question, answer, score=player.score, rank=rank, streak=player.streak),
        verdicts_to_come=frozenset(_verdict_events(game.questions[index + 1 :])),
    )


def paced_progress(player: Player, game: Game) -> self_paced.Progress:
    """A homework player's position (classroom/self_paced.py), as `Player` stores it."""
    return self_paced.Progress(
        index=player.paced_index,
        count=len(game.questions or []),
        deadline=player.paced_deadline,
        answered=player.paced_answered,
        finished=player.paced_finished_at is not None,
    )


def homework_is_open(game: Game, now: datetime) -> bool:
    """Whether a homework still takes answers: not ended, not past its closing time."""
    return self_paced.homework_open(now=now, closes_at=closes_at(game), ended=game.is_ended)


def paced_place(player: Player, now: datetime) -> self_paced.Place:
    """Where a homework player is now (classroom/self_paced.py, `place`)."""
    game = player.game
    return self_paced.place(
        paced_progress(player, game), now=now, is_open=homework_is_open(game, now)
    )


def _paced_snapshot(player: Player, rank: int | None, count: int) -> dict[str, Any]:
    """A homework player's `state`: where that player is (classroom/self_paced.py).
    Not started: `lobby`; their question open (with its remaining time): `question`;
    answered or timed out: `reveal`; done or the homework closed: `finished`."""
    game = player.game
    now = timezone.now()
    progress = paced_progress(player, game)
    where = self_paced.place(progress, now=now, is_open=homework_is_open(game, now))
    question_frame = reveal = finished = None
    phase = Game.Phase.LOBBY
    index = player.paced_index
    if where is self_paced.Place.OPEN:
        phase = Game.Phase.QUESTION
        question = game.questions[index]
        limit = player_time_limit_ms(question, player.extra_time_s)
        question_frame = frames.question_player(
            question=question,
            index=index,
            count=len(game.questions),
            time_limit_ms=limit,
            remaining_ms=self_paced.remaining_ms(progress, now=now, limit_ms=limit),
        )
    elif where is self_paced.Place.REVEALED:
        phase = Game.Phase.REVEAL
        answer = Answer.objects.filter(player=player, question_index=index).first()
        reveal = paced_reveal(game, player, index, answer, rank=rank)
    elif where is self_paced.Place.FINISHED:
        phase = Game.Phase.FINISHED
        finished = {"rank": rank, "score": player.score, "count": count}
    return _player_state(
        game,
        player,
        phase=phase,
        rank=rank,
        count=count,
        question=question_frame,
        your_answer=None,
        reveal=reveal,
        finished=finished,
        mode=SELF_PACED,
    )


def player_snapshot_of(
    player: Player,
    *,
    rank_and_count: tuple[int | None, int] | None = None,
    has_answers: bool = True,
    board: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The `state` frame of a player row just read with its game (`select_related`).

    `rank_and_count`, `has_answers=False` and `board` (the teams' standings) spare
    queries when the caller knows them.
    """
    game = player.game
    rank, count = rank_and_count or _rank_and_count(game, player)
    if is_self_paced(game):
        return _paced_snapshot(player, rank, count)
    if board is None and teams_shown(game):
        board = team_standings(game)
    own_team = team_fields(player.team, board) if teams_shown(game) else {}
    question_frame = your_answer = reveal = finished = None
    index = game.question_index
    phase = game.phase
    if phase in (Game.Phase.QUESTION, Game.Phase.REVEAL, Game.Phase.SCOREBOARD) and index >= 0:
        question = game.questions[index]
        answer = (
            Answer.objects.filter(player=player, question_index=index).first()
            if has_answers
            else None
        )
        if phase == Game.Phase.QUESTION:
            limit = player_time_limit_ms(question, player.extra_time_s)
            question_frame = frames.question_player(
                question=question,
                index=index,
                count=len(game.questions),
                time_limit_ms=limit,
                remaining_ms=_remaining_ms(game, limit),
                reading_ms=reading_ms(game),
                answerable_in_ms=answerable_in_ms(game),
            )
            your_answer = _your_answer(question, answer)
        else:
            reveal = frames.reveal_player(
                question=question,
                fields={
                    **reveal_fields(
                        question, answer, score=player.score, rank=rank, streak=player.streak
                    ),
                    **own_team,
                },
            )
    if phase == Game.Phase.FINISHED:
        finished = {"rank": rank, "score": player.score, "count": count, **own_team}
    return _player_state(
        game,
        player,
        phase=phase,
        rank=rank,
        count=count,
        question=question_frame,
        your_answer=your_answer,
        reveal=reveal,
        finished=finished,
        team=team_public(player.team),
        team_rank=own_team.get("team_rank"),
        team_score=own_team.get("team_score"),
    )


def _player_state(game: Game, player: Player, **parts: Any) -> dict[str, Any]:
    """A player's `state` frame: what every game says of the player, and `parts`."""
    return frames.player_state(
        player={"id": player.id, "nickname": player.nickname},
        score=player.score,
        streak=player.streak,
        host_connected=bool(game.host_connection),
        seq=game.player_seq,
        **parts,
    )


def new_player_snapshots(*, game_id: int, players: Sequence[Player]) -> list[dict[str, Any]]:
    """The `state` frames of players who have just joined (score 0, no answers yet).

    Three queries whatever the number of players: for a class joining at once.
    """
    game = game_read(game_id=game_id)
    totals = Player.objects.filter(game=game, kicked=False).aggregate(
        count=Count("id"), ahead=Count("id", filter=Q(score__gt=0))
    )
    board = teams_now(game)
    states = []
    for player in players:
        player.game = game
        states.append(
            player_snapshot_of(
                player,
                rank_and_count=(totals["ahead"] + 1, totals["count"]),
                has_answers=False,
                board=board,
            )
        )
    return states


def roster(game: Game) -> list[dict[str, Any]]:
    """The players the projector lists: connected, not kicked, in joining order."""
    return list(
        Player.objects.filter(game=game, kicked=False, connected=True)
        .order_by("joined_at", "id")
        .values("id", "nickname", "extra_time_s")
    )


def host_lobby(*, game: Game, base_url: str = "") -> dict[str, Any]:
    """The projector's `lobby` frame: the full roster of connected players."""
    return frames.lobby(
        pin=game.pin,
        join_url=join_url(game.pin, base_url),
        players=roster(game),
        locked=game.locked,
        join_gate=join_gate.shown(game),
        teams=teams_now(game),
        seq=game.seq,
    )


def host_snapshot(*, game: Game) -> dict[str, Any]:
    """The projector's `state` frame (with `seq`), read fresh from the database."""
    game = game_read(game_id=game.pk)
    phase = game.phase
    index = game.question_index
    question_frame = reveal = top = podium_entries = None
    standings_ = standings(game)
    if phase in (Game.Phase.QUESTION, Game.Phase.REVEAL, Game.Phase.SCOREBOARD) and index >= 0:
        question = game.questions[index]
        if phase == Game.Phase.QUESTION:
            answered, total = answer_totals(game)
            limit = int(question["time_limit_ms"])
            deadline_ms = 0
            if game.question_deadline is not None:
                # Counted from the end of reading, as the phones' remaining_ms.
                counted_from = max(timezone.now(), game.question_started_at or timezone.now())
                deadline_ms = max(
                    0, int((game.question_deadline - counted_from).total_seconds() * 1000)
                )
            question_frame = frames.question_host(
                question=question,
                index=index,
                count=len(game.questions),
                time_limit_ms=limit,
                remaining_ms=deadline_ms,
                answered=answered,
                total=total,
                reading_ms=reading_ms(game),
                answerable_in_ms=answerable_in_ms(game),
            )
        else:
            answers = list(Answer.objects.filter(game=game, question_index=index))
            reveal = host_reveal(game, question, answers)
            top = scoreboard_top(game, standings_)
    finished = phase == Game.Phase.FINISHED
    if finished:
        podium_entries = podium(standings_)
        top = scoreboard_top(game, standings_)
    return frames.host_state(
        phase=phase,
        pin=game.pin,
        locked=game.locked,
        count=connected_count(game),
        question=question_frame,
        reveal=reveal,
        top=top,
        podium=podium_entries,
        report_url=report_url(game) if finished else None,
        timeline_url=timeline_url(game) if finished else None,
        answer_url=answer_url(game) if finished else None,
        options=public_options(game),
        allowed_actions=[str(a) for a in allowed_actions(phase)],
        join_gate=join_gate.shown(game),
        homework=homework_progress(game) if is_self_paced(game) else None,
        teams=teams_now(game),
        seq=game.seq,
    )


def homework_progress(game: Game) -> dict[str, Any]:
    """A homework game's part of the host's `state`: every player's progress (the
    `progress` frame's fields, with when they started and finished)."""
    answered = answer_counts(Answer.objects.filter(game=game))
    rows = Player.objects.filter(game=game, kicked=False).order_by("joined_at", "id")
    return {
        "closes_at": _stamp(closes_at(game)),
        "questions": len(game.questions),
        "players": [progress_frame(p, answered.get(p.id, 0), with_times=True) for p in rows],
    }


def answer_counts(answers: Any) -> dict[int, int]:
    """Player id -> how many of `answers` (a queryset of Answer) are theirs."""
    return dict(answers.values("player_id").annotate(n=Count("id")).values_list("player_id", "n"))


def progress_frame(player: Player, answered: int, *, with_times: bool = False) -> dict[str, Any]:
    """A homework player's `progress` frame (`with_times`: when they started and
    finished, as the host's state lists them)."""
    times = (
        {
            "started_at": _stamp(player.paced_started_at),
            "finished_at": _stamp(player.paced_finished_at),
        }
        if with_times
        else {}
    )
    return frames.progress(
        player_id=player.id,
        nickname=player.nickname,
        answered=answered,
        correct=player.correct_count,
        score=player.score,
        reached=player.paced_index + 1,
        finished=player.paced_finished_at is not None,
        **times,
    )


def _stamp(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


# --- what the writes show: reveals, standings, counts, links ------------------------------


def reveal_fields(
    question: dict[str, Any], answer: Answer | None, *, score: int, rank: int | None, streak: int
) -> dict[str, Any]:
    """A player's own part of a reveal: what they answered (their kind's `your_*`
    fields), whether it was right, its points, and their score, rank and streak."""
    kind = kinds.get(question["kind"])
    value = kind.value(answer.choice_id, answer.value) if answer else None
    return {
        **kind.your_fields(value),
        "correct": bool(answer and answer.correct),
        "points": answer.points if answer else 0,
        "score": score,
        "rank": rank,
        "streak": streak,
    }


def host_reveal(
    game: Game, question: dict[str, Any], answers: Sequence[Answer], *, reason: str | None = None
) -> dict[str, Any]:
    """The projector's `reveal` of the game's current question, `answers` its answers."""
    kind = kinds.get(question["kind"])
    answered, total = answer_totals(game)
    return frames.reveal_host(
        question=question,
        distribution=kind.distribution(
            question, [kind.value(a.choice_id, a.value) for a in answers]
        ),
        answered=answered,
        total=total,
        correct_count=sum(1 for a in answers if a.correct),
        reason=reason,
        verdicts_to_come=verdicts_to_come(game),
    )


def _verdict_events(questions: Sequence[dict[str, Any]]) -> set[str]:
    return {
        q["event"]["slug"]
        for q in questions
        if q.get("kind") == kinds.VERDICT.name and isinstance(q.get("event"), dict)
    }


def verdicts_to_come(game: Game) -> frozenset[str]:
    """Slugs of the events of the verdict questions after the current one: the class
    has still to judge them, so no reveal shows their verdict before then."""
    return frozenset(_verdict_events(game.questions[game.question_index + 1 :]))


def verdicts_asked(game: Game) -> bool:
    """Whether the game has reached a verdict question (the answer page has votes)."""
    reached = game.questions[: max(game.question_index + 1, 0)]
    return any(q.get("kind") == kinds.VERDICT.name for q in reached)


# --- teams (classroom/teams.py) ------------------------------------------------------------


def teams_count(game: Game) -> int:
    """How many teams the game plays in (0: none), from its stored setup."""
    return int((game.setup or {}).get("teams") or 0)


def teams_shown(game: Game) -> bool:
    """Whether the game's frames carry teams: a team game after `start`."""
    return teams_count(game) > 0 and game.phase != Game.Phase.LOBBY


def team_public(team_id: int | None) -> dict[str, Any] | None:
    """A team as a phone is told it: {id, name, colour}; None for none. The name is the
    English one on the wire: a broadcast reaches phones and projectors of any language,
    and each page shows it in its own (static/js/common.js, `Q.teamName`)."""
    if team_id is None:
        return None
    found = teams.team(team_id)
    return {"id": found.id, "name": found.name, "colour": found.colour}


def team_board(members: Sequence[teams.Member]) -> list[dict[str, Any]]:
    """The teams' standings of `members` (classroom/teams.py), English names (as in
    `team_public`)."""
    return list(teams.standings(members))


def teams_now(game: Game) -> list[dict[str, Any]] | None:
    """The teams' standings in a team game after its start, else None (no `teams`)."""
    return team_standings(game) if teams_shown(game) else None


def team_standings(game: Game) -> list[dict[str, Any]]:
    """The teams' standings now: every player still in the game (a player who left
    counts with their points; a kicked one does not)."""
    return team_board(
        [
            teams.Member(team_id=team, score=score, previous_score=previous)
            for team, score, previous in Player.objects.filter(
                game=game, kicked=False, team__isnull=False
            ).values_list("team", "score", "previous_score")
        ]
    )


def team_fields(team_id: int | None, board: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
    """A player's `team_rank` and `team_score` from a team board; {} without teams."""
    if board is None:
        return {}
    entry = next((e for e in board if e["id"] == team_id), None)
    return {
        "team_rank": entry["rank"] if entry else None,
        "team_score": entry["score"] if entry else 0,
    }


def standings(game: Game) -> list[Standing]:
    """Every player still in the game (not kicked), with their score and the one before."""
    return [
        Standing(player_id=pid, nickname=nick, score=score, previous_score=prev)
        for pid, nick, score, prev in Player.objects.filter(game=game, kicked=False)
        .order_by("id")
        .values_list("id", "nickname", "score", "previous_score")
    ]


def scoreboard_top(game: Game, standings: Sequence[Standing]) -> list[dict[str, Any]]:
    top = scoreboard(standings, top=SCOREBOARD_TOP)
    if game.question_index <= 0:
        # Before the first question there was no ranking to move from.
        top = [{**entry, "previous_rank": None} for entry in top]
    return top


def connected_count(game: Game) -> int:
    return Player.objects.filter(game=game, kicked=False, connected=True).count()


def everyone_answered(game: Game) -> bool:
    """Whether every connected player has answered the game's current question."""
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


def answer_tally(game: Game) -> tuple[int, int, int]:
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
    answered, away, connected = answer_tally(game)
    return answered, connected + away


def public_options(game: Game) -> dict[str, bool]:
    return {key: bool(game.options.get(key, False)) for key in OPTION_KEYS}


def join_url(pin: str, base_url: str = "") -> str:
    """The link students type or scan: PUBLIC_BASE_URL when set, else `base_url` (the
    address the projector's page or socket came in on)."""
    base = settings.PUBLIC_BASE_URL or base_url.rstrip("/")
    return base + reverse("play_pin", kwargs={"pin": pin})


def report_url(game: Game) -> str:
    return reverse("report", kwargs={"pin": game.pin})


def answer_url(game: Game) -> str | None:
    """The answer page (the class's verdicts beside the source's), for a game that
    asked verdict questions; None otherwise."""
    return reverse("answer", kwargs={"pin": game.pin}) if verdicts_asked(game) else None


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

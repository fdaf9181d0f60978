"""Builders of every frame of docs/protocol.md: the only place frame shapes are written.

Each builder copies the fields it names from its inputs (an allowlist), so a frame can
never carry more than it should: above all, no frame before `reveal` carries which
choice is correct (`correct_choice_ids`, `answer_year`, `correct`...). The stored
question snapshot holds the keys; only the `reveal_*` builders read them.

`seq` is filled in by whoever sends the frame (services for broadcasts, the consumer
for replies); builders leave it out unless given.

What differs by question kind (a year guess's range, its correct year) each kind
declares in quizzes/kinds.py.

Pure: no Django, no Channels. Every value is JSON-safe (str, int, bool, None, lists
and dicts with string keys).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quizzes import kinds

Frame = dict[str, Any]

# Keys that give an answer away; tests scan every pre-reveal frame for them.
ANSWER_KEYS = frozenset(
    {
        "correct_choice_ids",
        "is_correct",
        "answer_year",
        "correct_year",
        "correct",
        "correct_count",
        "distribution",
        "verdict_choice_id",
    }
)


def _with_seq(frame: Frame, seq: int | None) -> Frame:
    if seq is not None:
        frame["seq"] = seq
    return frame


def error(*, code: str, message: str, seq: int | None = None) -> Frame:
    return _with_seq({"type": "error", "code": code, "message": message}, seq)


def pong(*, ref: Any, seq: int | None = None) -> Frame:
    return _with_seq({"type": "pong", "ref": ref}, seq)


def _public_choices(question: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"id": c["id"], "text": c["text"]} for c in question.get("choices", [])]


def question_player(
    *,
    question: Mapping[str, Any],
    index: int,
    count: int,
    time_limit_ms: int,
    remaining_ms: int,
    reading_ms: int = 0,
    answerable_in_ms: int = 0,
    seq: int | None = None,
) -> Frame:
    """`reading_ms` (the game's reading time) and `answerable_in_ms` (how long until
    answers are taken) only in a game with a reading time; `time_limit_ms` and
    `remaining_ms` count from the end of reading."""
    frame: Frame = {
        "type": "question",
        "question_id": question["id"],
        "index": index,
        "count": count,
        "prompt": question["prompt"],
        "kind": question["kind"],
        "choices": _public_choices(question),
        "time_limit_ms": int(time_limit_ms),
        "remaining_ms": max(0, int(remaining_ms)),
        "points_multiplier": int(question.get("points_multiplier", 1)),
    }
    # What else the kind shows (a year guess's range): never anything of the key.
    frame.update(kinds.get(question["kind"]).public_fields(question))
    frame["image"] = question_image(question.get("image"))
    if reading_ms > 0:
        frame["reading_ms"] = int(reading_ms)
        frame["answerable_in_ms"] = max(0, int(answerable_in_ms))
    return _with_seq(frame, seq)


def question_image(image: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A question's picture as every `question` frame carries it: {`url`, `alt`,
    `width`, `height`}, or None when the question has none. The URL is a random name
    (quizzes/models.py, `picture_name`): nothing in it tells the answer."""
    if not image:
        return None
    return {
        "url": str(image["url"]),
        "alt": str(image["alt"]),
        "width": int(image["width"]),
        "height": int(image["height"]),
    }


def question_host(
    *,
    question: Mapping[str, Any],
    index: int,
    count: int,
    time_limit_ms: int,
    remaining_ms: int,
    answered: int,
    total: int,
    reading_ms: int = 0,
    answerable_in_ms: int = 0,
    seq: int | None = None,
) -> Frame:
    frame = question_player(
        question=question,
        index=index,
        count=count,
        time_limit_ms=time_limit_ms,
        remaining_ms=0,
        reading_ms=reading_ms,
        answerable_in_ms=answerable_in_ms,
    )
    frame.update(remaining_ms=max(0, int(remaining_ms)), answered=answered, total=total)
    return _with_seq(frame, seq)


def answer_received(*, fields: Mapping[str, Any], seq: int | None = None) -> Frame:
    frame: Frame = {
        "type": "answer_received",
        "question_id": fields["question_id"],
        "choice_id": fields.get("choice_id"),
    }
    if "choice_ids" in fields:
        frame["choice_ids"] = list(fields["choice_ids"])
    if "year" in fields:
        frame["year"] = fields["year"]
    return _with_seq(frame, seq)


def answer_count(*, question_id: int, answered: int, total: int, seq: int | None = None) -> Frame:
    return _with_seq(
        {"type": "answer_count", "question_id": question_id, "answered": answered, "total": total},
        seq,
    )


def _event(event: Mapping[str, Any] | None, *, verdict_shown: bool = True) -> dict[str, Any] | None:
    if not event:
        return None
    keys = ("slug", "title", "year", "date_label", "effect", "verdict", "verdict_reason")
    shown = {key: event.get(key) for key in keys}
    if not verdict_shown:
        shown.update(verdict=None, verdict_reason=None)
    return shown


def _reveal_common(question: Mapping[str, Any]) -> Frame:
    frame: Frame = {
        "type": "reveal",
        "question_id": question["id"],
        "kind": question["kind"],
        "correct_choice_ids": list(question.get("correct_choice_ids") or []),
        "explanation": question.get("explanation", ""),
    }
    frame.update(kinds.get(question["kind"]).reveal_fields(question))
    return frame


# What a phone's reveal may carry of its own: what it answered, in each kind's `your_*`
# fields (your_choice_id, your_choice_ids, your_year), then its result.
PLAYER_REVEAL_FIELDS = (
    *dict.fromkeys(key for kind in kinds.KINDS.values() for key in kind.your_fields(None)),
    "correct",
    "points",
    "score",
    "rank",
    "streak",
    # In a team game: the player's team's rank and score (classroom/teams.py).
    "team_rank",
    "team_score",
)


def player_reveal_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {key: fields[key] for key in PLAYER_REVEAL_FIELDS if key in fields}


def reveal_player(
    *, question: Mapping[str, Any], fields: Mapping[str, Any], seq: int | None = None
) -> Frame:
    """A phone's reveal; `fields` are the player's own (your_choice_id, points, ...)."""
    frame = _reveal_common(question)
    frame.update(player_reveal_fields(fields))
    return _with_seq(frame, seq)


def reveal_paced(
    *,
    question: Mapping[str, Any],
    fields: Mapping[str, Any],
    verdicts_to_come: frozenset[str] = frozenset(),
    seq: int | None = None,
) -> Frame:
    """A homework player's reveal: their own, plus the teaching part the projector shows
    in a live game (the event and its neighbours on the timeline), under the same rules
    of what a reveal may not give away yet. There is no projector in homework."""
    frame = reveal_player(question=question, fields=fields)
    shown = reveal_host(
        question=question,
        distribution={},
        answered=0,
        total=0,
        correct_count=0,
        verdicts_to_come=verdicts_to_come,
    )
    frame.update(event=shown["event"], neighbours=shown["neighbours"])
    return _with_seq(frame, seq)


def reveal_host(
    *,
    question: Mapping[str, Any],
    distribution: Mapping[str, int],
    answered: int,
    total: int,
    correct_count: int,
    reason: str | None = None,
    verdicts_to_come: frozenset[str] = frozenset(),
    seq: int | None = None,
) -> Frame:
    """The projector's reveal. `verdicts_to_come`: slugs of events the class has still to
    judge in a verdict question; the question's event or a neighbour among them is
    shown without its verdict, so the reveal does not give the source's judgement
    before the class votes."""
    frame = _reveal_common(question)
    neighbours = question.get("neighbours") or {}

    def shown(event: Mapping[str, Any] | None) -> dict[str, Any] | None:
        return _event(event, verdict_shown=(event or {}).get("slug") not in verdicts_to_come)

    # A later question of the game asks about this event: it is shown at that one
    # (quizzes/selection.py, conceal_later_events).
    event_shown = question.get("event_shown", True)
    frame.update(
        {
            "prompt": question["prompt"],
            "choices": _public_choices(question),
            "distribution": {str(k): int(v) for k, v in distribution.items()},
            "answered": answered,
            "total": total,
            "correct_count": correct_count,
            "event": shown(question.get("event")) if event_shown else None,
            "neighbours": {
                "prev": shown(neighbours.get("prev")),
                "next": shown(neighbours.get("next")),
            },
        }
    )
    if reason is not None:
        frame["reason"] = reason
    return _with_seq(frame, seq)


def _entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "player_id": entry["player_id"],
        "nickname": entry["nickname"],
        "score": entry["score"],
        "rank": entry["rank"],
        "delta": entry.get("delta", 0),
        "previous_rank": entry.get("previous_rank"),
    }


def team(*, team: Mapping[str, Any] | None, seq: int | None = None) -> Frame:
    """A player's team at `start` ({id, name, colour}; None: not in one)."""
    return _with_seq({"type": "team", "team": _team(team)}, seq)


def _team(team: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if team is None:
        return None
    return {"id": int(team["id"]), "name": str(team["name"]), "colour": str(team["colour"])}


def _team_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A team on the projector's boards: its standing and movement (classroom/teams.py)."""
    return {
        **(_team(entry) or {}),
        "score": int(entry["score"]),
        "rank": int(entry["rank"]),
        "members": int(entry["members"]),
        "delta": int(entry.get("delta", 0)),
        "previous_rank": entry.get("previous_rank"),
    }


def _with_teams(frame: Frame, teams: Sequence[Mapping[str, Any]] | None) -> Frame:
    """`teams` added in a team game only: other games' frames stay as they were."""
    if teams is not None:
        frame["teams"] = [_team_entry(t) for t in teams]
    return frame


def _with_team_standing(frame: Frame, team_rank: int | None, team_score: int | None) -> Frame:
    if team_score is not None:
        frame.update(team_rank=team_rank, team_score=int(team_score))
    return frame


def scoreboard_host(
    *,
    top: Sequence[Mapping[str, Any]],
    teams: Sequence[Mapping[str, Any]] | None = None,
    seq: int | None = None,
) -> Frame:
    return _with_seq(
        _with_teams({"type": "scoreboard", "top": [_entry(e) for e in top]}, teams), seq
    )


def _standing(
    kind: str,
    rank: int | None,
    score: int,
    count: int,
    team_rank: int | None,
    team_score: int | None,
    seq: int | None,
) -> Frame:
    """A phone's own standing (its `scoreboard` or `finished` frame)."""
    frame = {"type": kind, "rank": rank, "score": score, "count": count}
    return _with_seq(_with_team_standing(frame, team_rank, team_score), seq)


def scoreboard_player(
    *,
    rank: int | None,
    score: int,
    count: int,
    team_rank: int | None = None,
    team_score: int | None = None,
    seq: int | None = None,
) -> Frame:
    return _standing("scoreboard", rank, score, count, team_rank, team_score, seq)


def finished_host(
    *,
    podium: Sequence[Mapping[str, Any]],
    report_url: str,
    timeline_url: str | None,
    answer_url: str | None = None,
    teams: Sequence[Mapping[str, Any]] | None = None,
    seq: int | None = None,
) -> Frame:
    """`answer_url` (the answer page) only for a game that had verdict questions;
    `teams` (the team podium's standings) only in a team game."""
    frame: Frame = {
        "type": "finished",
        "podium": [_entry(e) for e in podium],
        "report_url": report_url,
        "timeline_url": timeline_url,
    }
    if answer_url is not None:
        frame["answer_url"] = answer_url
    return _with_seq(_with_teams(frame, teams), seq)


def finished_player(
    *,
    rank: int | None,
    score: int,
    count: int,
    team_rank: int | None = None,
    team_score: int | None = None,
    seq: int | None = None,
) -> Frame:
    return _standing("finished", rank, score, count, team_rank, team_score, seq)


def _player(player: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": player["id"], "nickname": player["nickname"]}


def _roster_entry(player: Mapping[str, Any]) -> dict[str, Any]:
    """A player as the projector's roster shows them: with their extra time, so a
    projector that reconnects (or a lobby redrawn after a lock) keeps the accommodation."""
    return {**_player(player), "extra_time_s": int(player["extra_time_s"])}


def _join_gate(shown: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The join gate as the projector shows it; host frames only (docs/protocol.md)."""
    if shown is None:
        return None
    return {
        "shapes": [str(s) for s in shown["shapes"]],
        "changes_in_ms": int(shown["changes_in_ms"]),
    }


def lobby(
    *,
    pin: str,
    join_url: str,
    players: Sequence[Mapping[str, Any]],
    locked: bool,
    join_gate: Mapping[str, Any] | None = None,
    teams: Sequence[Mapping[str, Any]] | None = None,
    seq: int | None = None,
) -> Frame:
    frame: Frame = {
        "type": "lobby",
        "pin": pin,
        "join_url": join_url,
        "players": [_roster_entry(p) for p in players],
        "locked": bool(locked),
        "join_gate": _join_gate(join_gate),
    }
    return _with_seq(_with_teams(frame, teams), seq)


def join_gate(*, shown: Mapping[str, Any], seq: int | None = None) -> Frame:
    """To each projector socket when the shapes change (every 20 s, not a broadcast)."""
    return _with_seq({"type": "join_gate", **(_join_gate(shown) or {})}, seq)


def player_joined(
    *, player: Mapping[str, Any], count: int, resumed: bool, seq: int | None = None
) -> Frame:
    return _with_seq(
        {
            "type": "player_joined",
            "player": _roster_entry(player),
            "count": count,
            "resumed": resumed,
        },
        seq,
    )


def player_left(*, player_id: int, count: int, reason: str, seq: int | None = None) -> Frame:
    return _with_seq(
        {"type": "player_left", "player_id": player_id, "count": count, "reason": reason}, seq
    )


def host_status(*, connected: bool, seq: int | None = None) -> Frame:
    return _with_seq({"type": "host_status", "connected": bool(connected)}, seq)


def options(
    *,
    options: Mapping[str, bool],
    join_gate: Mapping[str, Any] | None = None,
    seq: int | None = None,
) -> Frame:
    return _with_seq(
        {
            "type": "options",
            "options": {k: bool(v) for k, v in options.items()},
            "join_gate": _join_gate(join_gate),
        },
        seq,
    )


def extra_time(*, player_id: int, seconds: int, seq: int | None = None) -> Frame:
    return _with_seq({"type": "extra_time", "player_id": player_id, "seconds": seconds}, seq)


def joined(
    *,
    player: Mapping[str, Any],
    token: str,
    state: Mapping[str, Any],
    resumed: bool,
    seq: int | None = None,
) -> Frame:
    frame: Frame = {
        "type": "joined",
        "player": _player(player),
        "token": token,
        "resumed": resumed,
        "state": dict(state),
    }
    # A player in a team: said beside the player too, as in their state.
    if state.get("team") is not None:
        frame["team"] = state["team"]
    return _with_seq(frame, seq)


def progress(
    *,
    player_id: int,
    nickname: str,
    answered: int,
    correct: int,
    score: int,
    reached: int,
    finished: bool,
    started_at: str | None = None,
    finished_at: str | None = None,
    seq: int | None = None,
) -> Frame:
    """A homework player's progress for the teacher: answers stored, right ones, score,
    questions reached (sent) and whether they finished."""
    frame: Frame = {
        "type": "progress",
        "player_id": player_id,
        "nickname": nickname,
        "answered": int(answered),
        "correct": int(correct),
        "score": int(score),
        "reached": int(reached),
        "finished": bool(finished),
    }
    if started_at is not None or finished_at is not None:
        frame.update(started_at=started_at, finished_at=finished_at)
    return _with_seq(frame, seq)


def player_state(
    *,
    phase: str,
    player: Mapping[str, Any],
    score: int,
    rank: int | None,
    count: int,
    streak: int,
    host_connected: bool,
    question: Frame | None,
    your_answer: Mapping[str, Any] | None,
    reveal: Frame | None,
    finished: Mapping[str, Any] | None,
    mode: str = "live",
    team: Mapping[str, Any] | None = None,
    team_rank: int | None = None,
    team_score: int | None = None,
    seq: int | None = None,
) -> Frame:
    """`team` once the player is in one; `team_rank` and `team_score` in a team game
    after `start`."""
    frame: Frame = {
        "type": "state",
        "phase": phase,
        "mode": mode,
        "player": _player(player),
        "score": score,
        "rank": rank,
        "count": count,
        "streak": streak,
        "host_connected": bool(host_connected),
        "question": _strip_type(question),
        "your_answer": dict(your_answer) if your_answer else None,
        "reveal": _strip_type(reveal),
        "finished": dict(finished) if finished else None,
    }
    if team is not None:
        frame["team"] = _team(team)
    return _with_seq(_with_team_standing(frame, team_rank, team_score), seq)


def host_state(
    *,
    phase: str,
    pin: str,
    locked: bool,
    count: int,
    question: Frame | None,
    reveal: Frame | None,
    top: Sequence[Mapping[str, Any]] | None,
    podium: Sequence[Mapping[str, Any]] | None,
    report_url: str | None,
    timeline_url: str | None,
    options: Mapping[str, bool],
    allowed_actions: Sequence[str],
    join_gate: Mapping[str, Any] | None = None,
    answer_url: str | None = None,
    homework: Mapping[str, Any] | None = None,
    teams: Sequence[Mapping[str, Any]] | None = None,
    seq: int | None = None,
) -> Frame:
    frame = _with_seq(
        _with_teams(
            {
                "type": "state",
                "phase": phase,
                "pin": pin,
                "locked": bool(locked),
                "count": count,
                "question": _strip_type(question),
                "reveal": _strip_type(reveal),
                "top": [_entry(e) for e in top] if top is not None else None,
                "podium": [_entry(e) for e in podium] if podium is not None else None,
                "report_url": report_url,
                "timeline_url": timeline_url,
                "answer_url": answer_url,
                "options": {k: bool(v) for k, v in options.items()},
                "allowed_actions": sorted(allowed_actions),
                "join_gate": _join_gate(join_gate),
            },
            teams,
        ),
        seq,
    )
    if homework is not None:
        # A homework game: its closing time, question count and every player's progress.
        frame["mode"] = "self_paced"
        frame["homework"] = {
            "closes_at": homework["closes_at"],
            "questions": int(homework["questions"]),
            "players": [_strip_type(p) for p in homework["players"]],
        }
    return frame


def _strip_type(frame: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if frame is None:
        return None
    return {k: v for k, v in frame.items() if k not in ("type", "seq")}

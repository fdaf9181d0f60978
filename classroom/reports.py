"""The teacher's report on one game, computed from the stored rows.

Everything is read from `Player`, `Answer` and the game's question snapshot
(`Game.questions`), never from the live quiz: the quiz may have been edited since.

Definitions (also printed on the report page):
- A question counts as asked once the game reached it, or once anyone answered it.
- A player's accuracy is correct answers / questions asked: a missing answer is a
  wrong answer, and speed plays no part (points do; accuracy does not).
- A question's accuracy is correct answers / players in the game (kicked players
  left out), for the same reason.
- Only a fully right answer is correct: a right order, the exact year.
- A verdict question is a vote, not a test: no answer to it is right or wrong, so it is
  left out of every accuracy figure (a player's, a question's, a period's, the class's).
  The report counts instead how many of those who voted agreed with the source's
  verdict (the model answer's), and the share of the votes that is.
- The periods are the quiz timeline's as they were when the game started (stored with
  the game); a question is in its event's period (quizzes/periods.py).
- Questions not asked: those the game's setup left out (with the selection's reason,
  quizzes/selection.py) and those the game did not reach before it ended.
- Teams (a team game): a team's score is its members' mean score, as in the game
  (classroom/teams.py); its accuracy is its members' correct answers / (members x
  questions asked). Kicked players are in no team's row; players who left are.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import openpyxl
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext

from classroom import setups, teams
from classroom.game_setup import SELF_PACED
from classroom.models import Answer, Game, Player
from classroom.ranking import competition_ranks
from classroom.report_setup import NotAskedRow, chosen_periods, game_periods, not_asked
from classroom.reteach import EventScore, weakest
from classroom.verdicts import VERDICT_COLUMNS, VerdictRow, is_verdict, verdict_cells, verdict_row
from quizzes import kinds
from quizzes.periods import Period, period_of
from quizzes.spreadsheet import safe_text_cell


@dataclass
class PlayerRow:
    rank: int
    nickname: str
    score: int
    correct: int
    asked: int
    accuracy: float | None
    kicked: bool
    # Homework: when the student asked for their first question and got `finished`.
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass
class ChoiceCount:
    label: str
    text: str
    count: int
    correct: bool
    percent: float


@dataclass
class QuestionRow:
    number: int
    prompt: str
    kind: str
    asked: bool
    answered: int
    correct: int
    accuracy: float | None
    average_seconds: float | None
    distribution: list[ChoiceCount] = field(default_factory=list)
    # The year that places the question in a period, and the date the teacher reads:
    # the event's own label ("mid-1980s", "12 March 1966"), never a year inferred for it.
    year: int | None = None
    date_label: str = ""
    verdict: str = ""
    # False for a vote (a verdict question): no accuracy, left out of every figure.
    judged: bool = True

    @property
    def kind_label(self) -> str:
        return kinds.label(self.kind)

    @property
    def mark(self) -> str:
        """The word the summary marks a row with ("correct", "model answer")."""
        kind = self._kind
        return kind.report_mark if kind else "correct"

    @property
    def _kind(self) -> kinds.Kind | None:
        return kinds.KINDS.get(self.kind)

    @property
    def value_heading(self) -> str:
        kind = self._kind
        return kind.report_columns[0] if kind else "Choice"

    @property
    def count_heading(self) -> str:
        kind = self._kind
        return kind.report_columns[1] if kind else "Answers"

    @property
    def marks_correct(self) -> bool:
        kind = self._kind
        return kind.report_marks_correct if kind else True


@dataclass
class GroupRow:
    label: str
    questions: int
    correct: int
    possible: int
    accuracy: float | None


@dataclass
class TeamRow:
    rank: int
    name: str
    colour: str
    score: int
    members: list[str]
    correct: int
    accuracy: float | None


@dataclass
class GameReport:
    game: Game
    players: list[PlayerRow]
    questions: list[QuestionRow]
    periods: list[GroupRow]
    verdicts: list[GroupRow]
    asked: int
    player_count: int
    average_accuracy: float | None
    # The verdict questions asked, one row each, in the order asked.
    verdict_round: list[VerdictRow] = field(default_factory=list)
    # Every question of the quiz the class was not asked, and why.
    not_asked: list[NotAskedRow] = field(default_factory=list)
    # The game's setup in plain words (classroom/setups.py).
    setup_words: str = ""
    # Accuracy on each event's questions, in timeline order ("Reteach the weakest").
    events: list[EventScore] = field(default_factory=list)
    # A homework game (the players' start and finish times are shown).
    homework: bool = False
    # A team game's teams, best first (empty in a game without teams).
    teams: list[TeamRow] = field(default_factory=list)

    @property
    def weakest_events(self) -> list[EventScore]:
        return weakest(self.events)

    @property
    def not_asked_reasons(self) -> list[tuple[str, int]]:
        """(reason, how many questions) in the order the reasons first appear."""
        return list(Counter(row.reason for row in self.not_asked).items())


def _percent(part: int, whole: int) -> float | None:
    if whole <= 0:
        return None
    return round(100.0 * part / whole, 1)


def _question_year(question: dict[str, Any]) -> int | None:
    """The year of the question's event (its place in the history), if it has one."""
    event = question.get("event")
    if isinstance(event, dict) and isinstance(event.get("year"), int):
        return event["year"]
    for key in ("event_year", "year"):
        if isinstance(question.get(key), int):
            return question[key]
    if question.get("kind") == "year_guess":
        return _question_year_answer(question)
    return None


def _question_date(question: dict[str, Any], year: int | None) -> str:
    """The date the teacher reads for the question: its event's label ("mid-1980s"),
    else the year it is placed by, if any."""
    event = question.get("event")
    if isinstance(event, dict) and event.get("date_label"):
        return str(event["date_label"])
    return str(year) if year is not None else ""


def _question_verdict(question: dict[str, Any]) -> str:
    """The event's verdict for the relationship: success, failure, neutral or ''."""
    event = question.get("event")
    if isinstance(event, dict) and event.get("verdict"):
        return str(event["verdict"])
    return str(question.get("event_verdict") or question.get("verdict") or "")


def _correct_ids(question: dict[str, Any]) -> list[Any]:
    ids = question.get("correct_choice_ids")
    if isinstance(ids, list):
        return ids
    # Older snapshots flagged the right choice on the choice itself.
    return [c.get("id") for c in question.get("choices") or [] if c.get("correct")]


def _question_period(question: dict[str, Any], periods: tuple[Period, ...]) -> str | None:
    """The slug of the question's period: as the game stored it, else by its year."""
    if "period" in question:
        stored = question["period"]
        return stored if isinstance(stored, str) else None
    period = period_of(_question_year(question), periods)
    return period.slug if period else None


def _stored_value(value: Any) -> Any:
    # Older rows kept an order or a year inside a dict.
    if isinstance(value, dict):
        return value.get("choice_ids", value.get("year"))
    return value


def _distribution(
    question: dict[str, Any], answers: list[Answer], players: int
) -> list[ChoiceCount]:
    """The kind's summary of the answers (quizzes/kinds.py, `report`), with shares."""
    kind = kinds.get(question.get("kind", "choice"))
    # Older snapshots: the key flagged on the choices, the year under another name.
    question = {
        **question,
        "choices": question.get("choices") or [],
        "correct_choice_ids": _correct_ids(question),
        "answer_year": _question_year_answer(question),
    }
    values = [kind.value(a.choice_id, _stored_value(a.value)) for a in answers]
    return [
        ChoiceCount(
            label=tally.label,
            text=tally.text,
            count=tally.count,
            correct=tally.correct,
            percent=_percent(tally.count, players) or 0.0,
        )
        for tally in kind.report(question, values)
    ]


def _question_year_answer(question: dict[str, Any]) -> int | None:
    for key in ("answer_year", "correct_year"):
        if isinstance(question.get(key), int):
            return question[key]
    return None


def _group(label: str, rows: list[QuestionRow], player_count: int) -> GroupRow:
    correct = sum(row.correct for row in rows)
    possible = player_count * len(rows)
    return GroupRow(
        label=label,
        questions=len(rows),
        correct=correct,
        possible=possible,
        accuracy=_percent(correct, possible),
    )


def _player_rows(
    players: list[Player], answers: list[Answer], asked: int, judged: set[int]
) -> list[PlayerRow]:
    """The players in rank order (ties share a rank), then the kicked ones, unranked.
    `judged`: the indexes of the questions asked that have a right answer (no votes)."""
    correct_by_player: Counter[int] = Counter(
        a.player_id for a in answers if a.correct and a.question_index in judged
    )
    ranks = competition_ranks({p.id: p.score for p in players if not p.kicked})
    return [
        PlayerRow(
            rank=0 if player.kicked else ranks[player.id],
            nickname=player.nickname,
            score=player.score,
            correct=correct_by_player[player.id],
            asked=len(judged),
            accuracy=_percent(correct_by_player[player.id], len(judged)),
            kicked=player.kicked,
            started_at=player.paced_started_at,
            finished_at=player.paced_finished_at,
        )
        for player in _by_kicked(players)
    ]


def _team_rows(players: list[Player], rows: list[PlayerRow]) -> list[TeamRow]:
    """The teams of the players still in the game, best first (classroom/teams.py)."""
    in_game = [p for p in players if not p.kicked and p.team is not None]
    correct = {p.nickname: row.correct for p, row in zip(_by_kicked(players), rows, strict=True)}
    asked = rows[0].asked if rows else 0
    found = []
    for entry in teams.standings(teams.Member(p.team, p.score, p.score) for p in in_game):
        members = [p.nickname for p in in_game if p.team == entry["id"]]
        right = sum(correct[name] for name in members)
        found.append(
            TeamRow(
                rank=entry["rank"],
                name=gettext(entry["name"]),
                colour=entry["colour"],
                score=entry["score"],
                members=members,
                correct=right,
                accuracy=_percent(right, len(members) * asked),
            )
        )
    return found


def _by_kicked(players: list[Player]) -> list[Player]:
    """The players in the order of their report rows: in rank order, kicked last."""
    return sorted(players, key=lambda p: p.kicked)


def _question_row(
    index: int, question: dict[str, Any], given: list[Answer], asked: bool, player_count: int
) -> QuestionRow:
    correct = sum(1 for a in given if a.correct)
    times = [a.elapsed_ms for a in given]
    year = _question_year(question)
    judged = _judged(question)
    return QuestionRow(
        number=index + 1,
        prompt=str(question.get("prompt", "")),
        kind=str(question.get("kind", "choice")),
        asked=asked,
        answered=len(given),
        correct=correct,
        accuracy=_percent(correct, player_count) if asked and judged else None,
        average_seconds=round(sum(times) / len(times) / 1000.0, 1) if times else None,
        distribution=_distribution(question, given, player_count),
        year=year,
        date_label=_question_date(question, year),
        verdict=_question_verdict(question),
        judged=judged,
    )


def _judged(question: dict[str, Any]) -> bool:
    """Whether an answer to `question` can be right or wrong (not for a vote)."""
    kind = kinds.KINDS.get(str(question.get("kind", "choice")))
    return kind.judged if kind else True


def game_report(*, game: Game) -> GameReport:
    """Compute the whole report of `game` from its rows (a handful of queries)."""
    snapshot: list[dict[str, Any]] = list(game.questions or [])
    # Ties in name order; the look-alike keys are no order to show ("m" is "rn").
    players = list(Player.objects.filter(game=game).order_by("-score", Lower("nickname"), "id"))
    answers = list(Answer.objects.filter(game=game).order_by("question_index", "created_at"))

    answered_indexes = {answer.question_index for answer in answers}
    reached = game.question_index + 1 if game.question_index is not None else 0
    asked = min(len(snapshot), max([reached, *(i + 1 for i in answered_indexes)]))
    player_count = sum(1 for p in players if not p.kicked)
    judged = {i for i in range(asked) if _judged(snapshot[i])}
    player_rows = _player_rows(players, answers, asked, judged)
    kicked_ids = {p.id for p in players if p.kicked}
    by_index: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.player_id not in kicked_ids:
            by_index[answer.question_index].append(answer)
    question_rows = [
        _question_row(index, question, by_index.get(index, []), index < asked, player_count)
        for index, question in enumerate(snapshot)
    ]

    # Accuracy is about questions with a right answer: votes are counted apart.
    asked_rows = [row for row in question_rows if row.asked and row.judged]
    known = game_periods(game)
    in_period = {
        index: _question_period(question, known) for index, question in enumerate(snapshot)
    }
    periods = [
        _group(
            period.title,
            [r for r in asked_rows if in_period[r.number - 1] == period.slug],
            player_count,
        )
        for period in chosen_periods(game, known)
    ]
    verdicts = [
        _group(label, [r for r in asked_rows if r.verdict == key], player_count)
        for key, label in (("success", "Success"), ("failure", "Failure"))
    ]
    total_correct = sum(r.correct for r in player_rows if not r.kicked)
    return GameReport(
        game=game,
        players=player_rows,
        questions=question_rows,
        periods=periods,
        verdicts=verdicts,
        asked=asked,
        player_count=player_count,
        average_accuracy=_percent(total_correct, len(judged) * player_count),
        verdict_round=[
            verdict_row(index, snapshot[index], by_index.get(index, []))
            for index in range(asked)
            if is_verdict(snapshot[index])
        ],
        not_asked=not_asked(
            game, [(r.prompt, r.kind) for r in question_rows if not r.asked], known
        ),
        setup_words=setups.words(game),
        events=_event_scores(snapshot, asked_rows, player_count),
        homework=(game.setup or {}).get("mode") == SELF_PACED,
        teams=_team_rows(players, player_rows),
    )


def _event_scores(
    snapshot: list[dict[str, Any]], asked_rows: list[QuestionRow], player_count: int
) -> list[EventScore]:
    """The class's accuracy on each event's judged questions asked, in timeline order."""
    by_event: dict[str, list[QuestionRow]] = defaultdict(list)
    events: dict[str, dict[str, Any]] = {}
    for row in asked_rows:
        event = snapshot[row.number - 1].get("event")
        if isinstance(event, dict) and event.get("slug"):
            by_event[event["slug"]].append(row)
            events[event["slug"]] = event
    ordered = sorted(events.values(), key=lambda e: (e.get("year") or 0, e["slug"]))
    scores = []
    for position, event in enumerate(ordered):
        group = _group(str(event.get("title", "")), by_event[event["slug"]], player_count)
        scores.append(
            EventScore(
                slug=event["slug"],
                title=group.label,
                date_label=str(event.get("date_label") or event.get("year") or ""),
                questions=group.questions,
                correct=group.correct,
                possible=group.possible,
                accuracy=group.accuracy,
                position=position,
            )
        )
    return scores


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# The sections both downloads hold: their columns, and one row's cells (None: empty).
PLAYER_COLUMNS = ("rank", "nickname", "score", "correct", "questions asked", "accuracy %", "kicked")
QUESTION_COLUMNS = (
    "number",
    "prompt",
    "kind",
    "answered",
    "correct",
    "accuracy %",
    "average time s",
    "event date",
    "verdict",
    "distribution",
)
GROUP_COLUMNS = ("questions", "accuracy %")
TEAM_COLUMNS = ("rank", "team", "score (members' mean)", "members", "accuracy %", "players")


def _team_cells(t: TeamRow) -> tuple[Any, ...]:
    return (t.rank, t.name, t.score, len(t.members), t.accuracy, ", ".join(t.members))


def _player_cells(p: PlayerRow) -> tuple[Any, ...]:
    return (
        p.rank or None,
        p.nickname,
        p.score,
        p.correct,
        p.asked,
        p.accuracy,
        "yes" if p.kicked else None,
    )


HOMEWORK_COLUMNS = ("started", "finished")
EVENT_COLUMNS = ("event", "date", "questions", "accuracy %")


def _stamp(value: datetime | None) -> str | None:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else None


def _players_table(report: GameReport) -> list[tuple[Any, ...]]:
    """The players' rows; a homework's with when each started and finished."""
    if not report.homework:
        return [PLAYER_COLUMNS] + [_player_cells(p) for p in report.players]
    return [PLAYER_COLUMNS + HOMEWORK_COLUMNS] + [
        (*_player_cells(p), _stamp(p.started_at), _stamp(p.finished_at)) for p in report.players
    ]


def _event_rows(report: GameReport) -> list[tuple[Any, ...]]:
    return [EVENT_COLUMNS] + [
        (e.title, e.date_label, e.questions, e.accuracy) for e in report.events
    ]


def _question_cells(q: QuestionRow) -> tuple[Any, ...]:
    return (
        q.number,
        q.prompt,
        q.kind,
        q.answered if q.asked else None,
        q.correct if q.asked else None,
        q.accuracy,
        q.average_seconds,
        q.date_label or None,
        q.verdict or None,
        _distribution_text(q),
    )


def _not_asked_rows(report: GameReport) -> list[tuple[Any, ...]]:
    return [("prompt", "kind", "period", "why not")] + [
        (row.prompt, row.kind, row.period or None, row.reason) for row in report.not_asked
    ]


def _group_rows(first: str, groups: list[GroupRow]) -> list[tuple[Any, ...]]:
    return [(first, *GROUP_COLUMNS)] + [(g.label, g.questions, g.accuracy) for g in groups]


def _csv_cell(value: Any) -> Any:
    # Empty for nothing, one decimal for a percentage or a time, text never a formula.
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return csv_safe(value)


def report_csv(*, report: GameReport) -> str:
    """The report as CSV: a players section, a blank line, a questions section, then
    the accuracy by period and by the events' verdict."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def section(title: str, rows: list[tuple[Any, ...]]) -> None:
        writer.writerow([])
        writer.writerow([title])
        writer.writerows([_csv_cell(cell) for cell in row] for row in rows)

    writer.writerow([_csv_cell(c) for c in ("Game", report.game.title, "PIN", report.game.pin)])
    writer.writerow([_csv_cell(c) for c in ("Setup", report.setup_words)])
    section("Players", _players_table(report))
    if report.teams:
        section("Teams", [TEAM_COLUMNS] + [_team_cells(t) for t in report.teams])
    section("Questions", [QUESTION_COLUMNS] + [_question_cells(q) for q in report.questions])
    section("By period", _group_rows("period", report.periods))
    section("By event", _event_rows(report))
    section("By event verdict", _group_rows("verdict", report.verdicts))
    if report.verdict_round:
        section(
            "Verdict round", [VERDICT_COLUMNS] + [verdict_cells(v) for v in report.verdict_round]
        )
    section("Not asked", _not_asked_rows(report))
    return buffer.getvalue()


def report_xlsx(*, report: GameReport) -> bytes:
    """The report as an Excel workbook: the CSV's sections, one sheet each, numbers as
    numbers (so a teacher can sort and chart them) and every text cell stored as text,
    never as a formula (`quizzes.spreadsheet.safe_text_cell`)."""
    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "Game"
    game = report.game
    _sheet_rows(
        summary,
        [
            ("Game", game.title),
            ("PIN", game.pin),
            ("Setup", report.setup_words),
            ("Started", timezone.localtime(game.created_at).strftime("%Y-%m-%d %H:%M")),
            ("Players", report.player_count),
            ("Questions asked", report.asked),
            ("Average accuracy %", report.average_accuracy),
        ],
    )
    sheets = {
        "Players": _players_table(report),
        "Questions": [QUESTION_COLUMNS] + [_question_cells(q) for q in report.questions],
        "By period": _group_rows("period", report.periods),
        "By verdict": _group_rows("verdict", report.verdicts),
        "By event": _event_rows(report),
        "Not asked": _not_asked_rows(report),
    }
    if report.teams:
        sheets["Teams"] = [TEAM_COLUMNS] + [_team_cells(t) for t in report.teams]
    if report.verdict_round:
        sheets["Verdict round"] = [VERDICT_COLUMNS] + [
            verdict_cells(v) for v in report.verdict_round
        ]
    for title, rows in sheets.items():
        _sheet_rows(workbook.create_sheet(title), rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_rows(sheet: Any, rows: list[tuple[Any, ...]]) -> None:
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            safe_text_cell(sheet, row_number, column, value)


def _distribution_text(q: QuestionRow) -> str:
    def marked(c: ChoiceCount) -> str:
        return f" ({q.mark})" if c.correct else ""

    return "; ".join(
        f"{c.label}: {c.text} = {c.count}{marked(c)}"
        if c.label != c.text
        else f"{c.label} = {c.count}{marked(c)}"
        for c in q.distribution
    )

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
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from django.db.models.functions import Lower
from django.utils import timezone

from classroom.models import Answer, Game, Player
from classroom.ranking import competition_ranks
from quizzes.spreadsheet import safe_text_cell

# The periods of the Pakistan–USSR relationship the lesson is built on. Each period
# starts in its first year and runs up to (not including) the next period's first
# year; the last one includes its end year.
PERIODS: list[tuple[str, int, int]] = [
    ("1947–58", 1947, 1958),
    ("1958–71", 1958, 1971),
    ("1971–79", 1971, 1979),
    ("1979–88", 1979, 1988),
]
LETTERS = "ABCDEFGH"
KIND_LABELS = {
    "choice": "Multiple choice",
    "true_false": "True or false",
    "order": "Put in order",
    "year_guess": "Guess the year",
}


@dataclass
class PlayerRow:
    rank: int
    nickname: str
    score: int
    correct: int
    asked: int
    accuracy: float | None
    kicked: bool


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
    year: int | None = None
    verdict: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class GroupRow:
    label: str
    questions: int
    correct: int
    possible: int
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

    @property
    def not_asked(self) -> list[QuestionRow]:
        return [q for q in self.questions if not q.asked]


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
        for key in ("answer_year", "correct_year"):
            if isinstance(question.get(key), int):
                return question[key]
    return None


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


def period_of(year: int | None) -> str | None:
    if year is None:
        return None
    for label, start, end in PERIODS:
        last = label == PERIODS[-1][0]
        if start <= year < end or (last and year == end):
            return label
    return None


def _distribution(
    question: dict[str, Any], answers: list[Answer], players: int
) -> list[ChoiceCount]:
    kind = question.get("kind", "choice")
    choices = question.get("choices") or []
    if kind == "year_guess":
        years: Counter[int] = Counter()
        for answer in answers:
            value = answer.value
            if isinstance(value, dict):
                value = value.get("year")
            if isinstance(value, int):
                years[value] += 1
        right = _question_year_answer(question)
        return [
            ChoiceCount(
                label=str(year),
                text=str(year),
                count=count,
                correct=year == right,
                percent=_percent(count, players) or 0.0,
            )
            for year, count in sorted(years.items())
        ]
    counts: Counter[Any] = Counter()
    correct_ids = _correct_ids(question)
    if kind == "order":
        # As on the projector: per choice, the players who put it in its right place,
        # listed in the right order (the players saw them shuffled).
        right_order = correct_ids
        by_id = {c.get("id"): c for c in choices}
        choices = [by_id[i] for i in right_order if i in by_id] + [
            c for c in choices if c.get("id") not in right_order
        ]
        for answer in answers:
            given = answer.value
            if isinstance(given, dict):
                given = given.get("choice_ids")
            if not isinstance(given, list):
                continue
            for position, choice_id in enumerate(given):
                if position < len(right_order) and right_order[position] == choice_id:
                    counts[choice_id] += 1
    else:
        for answer in answers:
            if answer.choice_id is not None:
                counts[answer.choice_id] += 1
    return [
        ChoiceCount(
            label=LETTERS[position] if position < len(LETTERS) else str(position + 1),
            text=str(choice.get("text", "")),
            count=counts.get(choice.get("id"), 0),
            correct=kind == "order" or choice.get("id") in correct_ids,
            percent=_percent(counts.get(choice.get("id"), 0), players) or 0.0,
        )
        for position, choice in enumerate(choices)
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


def game_report(*, game: Game) -> GameReport:
    """Compute the whole report of `game` from its rows (a handful of queries)."""
    snapshot: list[dict[str, Any]] = list(game.questions or [])
    # Ties in name order; the look-alike keys are no order to show ("m" is "rn").
    players = list(Player.objects.filter(game=game).order_by("-score", Lower("nickname"), "id"))
    answers = list(Answer.objects.filter(game=game).order_by("question_index", "created_at"))

    answered_indexes = {answer.question_index for answer in answers}
    reached = game.question_index + 1 if game.question_index is not None else 0
    asked = min(len(snapshot), max([reached, *(i + 1 for i in answered_indexes)]))
    asked_indexes = set(range(asked))

    counted = [p for p in players if not p.kicked]
    player_count = len(counted)

    correct_by_player: Counter[int] = Counter()
    for answer in answers:
        if answer.correct and answer.question_index in asked_indexes:
            correct_by_player[answer.player_id] += 1

    ranks = competition_ranks({p.id: p.score for p in counted})
    player_rows: list[PlayerRow] = []
    for player in counted:
        rank = ranks[player.id]
        correct = correct_by_player[player.id]
        player_rows.append(
            PlayerRow(
                rank=rank,
                nickname=player.nickname,
                score=player.score,
                correct=correct,
                asked=asked,
                accuracy=_percent(correct, asked),
                kicked=False,
            )
        )
    for player in players:
        if player.kicked:
            correct = correct_by_player[player.id]
            player_rows.append(
                PlayerRow(
                    rank=0,
                    nickname=player.nickname,
                    score=player.score,
                    correct=correct,
                    asked=asked,
                    accuracy=_percent(correct, asked),
                    kicked=True,
                )
            )

    kicked_ids = {p.id for p in players if p.kicked}
    by_index: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.player_id not in kicked_ids:
            by_index[answer.question_index].append(answer)

    question_rows: list[QuestionRow] = []
    for index, question in enumerate(snapshot):
        given = by_index.get(index, [])
        correct = sum(1 for a in given if a.correct)
        is_asked = index in asked_indexes
        times = [a.elapsed_ms for a in given]
        question_rows.append(
            QuestionRow(
                number=index + 1,
                prompt=str(question.get("prompt", "")),
                kind=str(question.get("kind", "choice")),
                asked=is_asked,
                answered=len(given),
                correct=correct,
                accuracy=_percent(correct, player_count) if is_asked else None,
                average_seconds=round(sum(times) / len(times) / 1000.0, 1) if times else None,
                distribution=_distribution(question, given, player_count),
                year=_question_year(question),
                verdict=_question_verdict(question),
            )
        )

    asked_rows = [row for row in question_rows if row.asked]
    periods = [
        _group(label, [r for r in asked_rows if period_of(r.year) == label], player_count)
        for label, _start, _end in PERIODS
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
        average_accuracy=_percent(total_correct, asked * player_count),
    )


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Neutralise a text cell a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def report_csv(*, report: GameReport) -> str:
    """The report as CSV: a players section, a blank line, a questions section."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def row(*cells: Any) -> None:
        writer.writerow([csv_safe(cell) for cell in cells])

    row("Game", report.game.title, "PIN", report.game.pin)
    row()
    row("Players")
    row("rank", "nickname", "score", "correct", "questions asked", "accuracy %", "kicked")
    for p in report.players:
        row(
            p.rank or "",
            p.nickname,
            p.score,
            p.correct,
            p.asked,
            _fmt(p.accuracy),
            "yes" if p.kicked else "",
        )
    row()
    row("Questions")
    row(
        "number",
        "prompt",
        "kind",
        "answered",
        "correct",
        "accuracy %",
        "average time s",
        "event year",
        "verdict",
        "distribution",
    )
    for q in report.questions:
        distribution = _distribution_text(q)
        row(
            q.number,
            q.prompt,
            q.kind,
            q.answered if q.asked else "",
            q.correct if q.asked else "",
            _fmt(q.accuracy),
            _fmt(q.average_seconds),
            q.year or "",
            q.verdict,
            distribution,
        )
    row()
    row("By period")
    row("period", "questions", "accuracy %")
    for g in report.periods:
        row(g.label, g.questions, _fmt(g.accuracy))
    row()
    row("By event verdict")
    row("verdict", "questions", "accuracy %")
    for g in report.verdicts:
        row(g.label, g.questions, _fmt(g.accuracy))
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
            ("Started", timezone.localtime(game.created_at).strftime("%Y-%m-%d %H:%M")),
            ("Players", report.player_count),
            ("Questions asked", report.asked),
            ("Average accuracy %", report.average_accuracy),
        ],
    )
    _sheet_rows(
        workbook.create_sheet("Players"),
        [("rank", "nickname", "score", "correct", "questions asked", "accuracy %", "kicked")]
        + [
            (
                p.rank or None,
                p.nickname,
                p.score,
                p.correct,
                p.asked,
                p.accuracy,
                "yes" if p.kicked else None,
            )
            for p in report.players
        ],
    )
    _sheet_rows(
        workbook.create_sheet("Questions"),
        [
            (
                "number",
                "prompt",
                "kind",
                "answered",
                "correct",
                "accuracy %",
                "average time s",
                "event year",
                "verdict",
                "distribution",
            )
        ]
        + [
            (
                q.number,
                q.prompt,
                q.kind,
                q.answered if q.asked else None,
                q.correct if q.asked else None,
                q.accuracy,
                q.average_seconds,
                q.year,
                q.verdict or None,
                _distribution_text(q),
            )
            for q in report.questions
        ],
    )
    _sheet_rows(
        workbook.create_sheet("By period"),
        [("period", "questions", "accuracy %")]
        + [(g.label, g.questions, g.accuracy) for g in report.periods],
    )
    _sheet_rows(
        workbook.create_sheet("By verdict"),
        [("verdict", "questions", "accuracy %")]
        + [(g.label, g.questions, g.accuracy) for g in report.verdicts],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_rows(sheet: Any, rows: list[tuple[Any, ...]]) -> None:
    for row_number, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            safe_text_cell(sheet, row_number, column, value)


def _distribution_text(q: QuestionRow) -> str:
    return "; ".join(
        f"{c.label}: {c.text} = {c.count}{' (correct)' if c.correct else ''}"
        if c.label != c.text
        else f"{c.label} = {c.count}{' (correct)' if c.correct else ''}"
        for c in q.distribution
    )

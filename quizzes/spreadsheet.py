"""Read and write quiz spreadsheets: Kahoot's quiz template (.xlsx) and this server's CSV.

Pure: no Django. A file is untrusted input, so reading goes in three steps, each
refusing what it cannot vouch for before the next one runs:

1. `read_table(name, data)`: the bytes. Size first, then the file type from its content
   (never from its name), then for .xlsx the zip's declared uncompressed size before
   openpyxl opens it; openpyxl reads with `read_only=True, data_only=False`, so a formula
   arrives as its text and is never evaluated, and through defusedxml (entity bombs).
   The result is a `Table`: cells with their row, column letter and type.
2. `parse_table(table)`: finds the layout (Kahoot's header row, or a CSV header) and
   turns each row into an `ImportedQuestion`, collecting every problem (`Problem`: row,
   column, value, what was expected) instead of stopping at the first.
3. The service (`quizzes/transfer.py`) matches the questions against the database and
   writes them in one transaction, or nothing.

Writing (`kahoot_xlsx`, `quiz_csv`) escapes every text cell a spreadsheet program would
run as a formula. docs/authoring.md describes both formats and every limit below.

Why one module of about 1,200 lines: it is two file formats both ways, and reading and
writing must agree on the same column tables, limits and formula escaping; the
sections below (limits, problems, reading the bytes, parsing the questions, writing)
are the places to split it along if it grows.
"""

from __future__ import annotations

import csv
import datetime
import difflib
import hashlib
import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from quizzes.kinds import VERDICT
from quizzes.schema_fields import (
    CHOICE_NOTE_MAX,
    CHOICE_TEXT_MAX,
    POINTS_MULTIPLIER_MAX,
    POINTS_MULTIPLIER_MIN,
    QUESTION_KINDS,
    QUESTION_SLUG_MAX,
    SLUG_RE,
    TIME_LIMIT_MAX,
    TIME_LIMIT_MIN,
    YEAR_MAX,
    YEAR_MIN,
)
from quizzes.yaml_schema import TRUE_FALSE_TEXTS

# A kind a spreadsheet cannot carry: it needs its event (quizzes/kinds.py, `Verdict`).
VERDICT_KIND = VERDICT.name

# -- Limits (docs/authoring.md, "Limits") -------------------------------------------------

# nginx (docs/deploy/nginx.conf) caps a request body at 1 MB; the file must fit beside
# the form's other fields, so a bigger upload gets this message, not nginx's 413 page.
MAX_UPLOAD_BYTES = 768 * 1024
# Declared uncompressed size of every member of an .xlsx together: a real quiz of 500
# questions is well under 1 MB unzipped, so 20 MB leaves room and refuses zip bombs.
MAX_UNZIPPED_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 200
MAX_QUESTIONS = 500
# Rows read after the header (Kahoot's template numbers 100 empty rows, so blank rows
# are normal); a non-empty row beyond this is refused rather than silently dropped.
MAX_DATA_ROWS = 1000
HEADER_SEARCH_ROWS = 20
# Rows the sheet's XML may hold at all, empty formatted ones included: reading stays
# cheap, and content past MAX_DATA_ROWS is still found and refused.
MAX_SHEET_ROWS = 10_000
MAX_COLUMNS = 30
PROMPT_MAX = 500
EXPLANATION_MAX = 2000
ANSWERS = 4

# What Kahoot itself accepts (its template's headers and the exams2kahoot documentation,
# docs/authoring.md "Sources"). The importer accepts this server's wider limits; the
# exporter warns where a question would not fit Kahoot.
KAHOOT_TIME_LIMITS = (5, 10, 20, 30, 60, 90, 120, 240)
KAHOOT_QUESTION_MAX = 120
KAHOOT_ANSWER_MAX = 75
KAHOOT_HEADER_ROW = 8
KAHOOT_HEADERS = {
    "B": "Question - max 120 characters",
    "C": "Answer 1 - max 75 characters",
    "D": "Answer 2 - max 75 characters",
    "E": "Answer 3 - max 75 characters",
    "F": "Answer 4 - max 75 characters",
    "G": "Time limit (sec) – 5, 10, 20, 30, 60, 90, 120, or 240 secs",
    "H": "Correct answer(s) - choose at least one",
}
# Short names for the columns in problem messages.
_KAHOOT_HEADINGS = {
    "question": "Question",
    "answer_1": "Answer 1",
    "answer_2": "Answer 2",
    "answer_3": "Answer 3",
    "answer_4": "Answer 4",
    "time_limit": "Time limit",
    "correct": "Correct answer(s)",
    "explanation": "Explanation",
}
# This server's addition to the template: the reveal's explanation, after Kahoot's columns.
KAHOOT_EXPLANATION_COLUMN = "I"
KAHOOT_EXPLANATION_HEADER = "Explanation (this quiz server's column)"
# The start of each Kahoot header, matched case-insensitively, so the "max ..." hints
# (and Kahoot's en dash or a hyphen) may differ.
_KAHOOT_HEADER_STARTS = {
    "B": "question",
    "C": "answer 1",
    "D": "answer 2",
    "E": "answer 3",
    "F": "answer 4",
    "G": "time limit",
    "H": "correct answer",
}
_KAHOOT_FIELDS = {
    "B": "question",
    "C": "answer_1",
    "D": "answer_2",
    "E": "answer_3",
    "F": "answer_4",
    "G": "time_limit",
    "H": "correct",
}

# The CSV header, in the order the exporter writes it. Only `question` is required.
CSV_COLUMNS = (
    "question",
    "answer_1",
    "answer_2",
    "answer_3",
    "answer_4",
    "correct",
    "time_limit",
    "explanation",
    "kind",
    "points",
    "answer_year",
    "note_1",
    "note_2",
    "note_3",
    "note_4",
    "slug",
)

# A text cell starting with one of these is run as a formula by spreadsheet programs
# (OWASP "CSV injection"); tab and carriage return hide the rest of the cell.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_CONTROL_NO_NEWLINE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# -- Problems -----------------------------------------------------------------------------


def show_value(value: Any, limit: int = 60) -> str:
    """A cell's value as a teacher would recognise it, shortened, in quotes."""
    if isinstance(value, ArrayFormula):
        value = value.text
    if isinstance(value, DataTableFormula):
        value = "=TABLE(...)"
    text = str(value)
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"“{text}”"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (row, column), the value found, and what was
    expected. Row and column are as a spreadsheet program shows them (row 1 is the
    first line, column A the first column)."""

    message: str
    row: int | None = None
    column: str | None = None
    heading: str = ""
    value: str = ""

    @property
    def place(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}" + (f" ({self.heading})" if self.heading else ""))
        elif self.heading:
            parts.append(f"column {self.heading} (not in this file)")
        return ", ".join(parts)

    def __str__(self) -> str:
        found = f"{self.value}: " if self.value else ""
        place = self.place
        if not place:
            return f"{found}{self.message}"
        return f"{place[0].upper()}{place[1:]}: {found}{self.message}"


def problem_order(problem: Problem) -> tuple[int, int]:
    """Row by row, left to right, as a teacher reads the sheet."""
    column = column_index_from_string(problem.column) if problem.column else 0
    return (problem.row or 0, column)


class FileRefused(Exception):
    """The file as a whole cannot be read (type, size, zip bomb, layout)."""

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# -- Reading the bytes --------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One non-empty cell. `kind` is text, number, bool, date, formula or error."""

    row: int
    column: str
    value: Any
    kind: str


@dataclass
class Table:
    """The first sheet of a workbook, or a CSV file: non-empty cells by row."""

    file_type: str  # "xlsx" or "csv"
    rows: dict[int, dict[str, Cell]] = field(default_factory=dict)
    # The first row number past the rows that were read, when more rows were there.
    truncated_at: int | None = None

    def cell(self, row: int, column: str) -> Cell | None:
        return self.rows.get(row, {}).get(column)


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


def read_table(name: str, data: bytes) -> Table:
    """The cells of an uploaded .xlsx or .csv file; `FileRefused` says why not."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused(
            f"The file is {len(data) // 1024} KB; the limit is {MAX_UPLOAD_BYTES // 1024} KB. "
            "A quiz spreadsheet is far smaller: remove pictures and other sheets, or "
            "split the quiz."
        )
    if not data.strip():
        raise FileRefused("The file is empty.")
    if data.startswith(_OLE_MAGIC):
        raise FileRefused(
            "This is an old Excel .xls file or a password-protected workbook. "
            "Open it in Excel or LibreOffice, remove any password, and save it as "
            "Excel Workbook (.xlsx)."
        )
    if data.startswith(_ZIP_MAGIC):
        return _xlsx_table(data)
    if data.startswith(b"%PDF"):
        raise FileRefused("This is a PDF. Upload the quiz as .xlsx or .csv.")
    if name.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        raise FileRefused(
            f"“{name}” is named like a spreadsheet but is not one inside. "
            "Save it again from Excel or LibreOffice as Excel Workbook (.xlsx)."
        )
    return _csv_table(data)


def _xlsx_table(data: bytes) -> Table:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise FileRefused(
            "The file looks like an .xlsx but is damaged. Save it again as Excel Workbook."
        ) from exc
    with archive:
        members = archive.infolist()
        names = {info.filename for info in members}
        if "mimetype" in names and "xl/workbook.xml" not in names:
            raise FileRefused(
                "This is an OpenDocument file (.ods). In LibreOffice use File > Save As "
                "and choose Excel 2007-365 (.xlsx)."
            )
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise FileRefused("This is a Word or PowerPoint file. Upload the quiz as .xlsx.")
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise FileRefused("This zip file is not an Excel workbook (.xlsx).")
        if len(members) > MAX_ZIP_MEMBERS:
            raise FileRefused(
                f"The workbook has {len(members)} parts; at most {MAX_ZIP_MEMBERS} are "
                "read. Remove pictures, charts and extra sheets."
            )
        if any(info.flag_bits & 0x1 for info in members):
            raise FileRefused("The workbook is encrypted. Remove the password and save again.")
        # zipfile stops each member at its declared size (and fails its CRC check if
        # the data is longer), so the declared total bounds what openpyxl can unpack.
        unzipped = sum(info.file_size for info in members)
        if unzipped > MAX_UNZIPPED_BYTES:
            raise FileRefused(
                f"The workbook unpacks to {unzipped / 1024 / 1024:.0f} MB; at most "
                f"{MAX_UNZIPPED_BYTES // 1024 // 1024} MB is read. A quiz needs far less: "
                "remove pictures and extra sheets."
            )
    if not openpyxl.DEFUSEDXML:
        # Without defusedxml openpyxl parses with entity expansion on (its own README).
        raise FileRefused(
            "This server cannot read .xlsx files safely (defusedxml is not installed)."
        )
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; none matter here.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=False, keep_links=False
            )
    except Exception as exc:  # openpyxl raises many types for a damaged or hostile file
        raise FileRefused(
            "The workbook cannot be read: it is damaged or not a plain Excel workbook. "
            "Save it again as Excel Workbook (.xlsx)."
        ) from exc
    try:
        return _sheet_table(workbook)
    except FileRefused:
        raise
    except Exception as exc:
        raise FileRefused(
            "The workbook's first sheet cannot be read: it is damaged. "
            "Save it again as Excel Workbook (.xlsx)."
        ) from exc
    finally:
        workbook.close()


def _cell_kind(value: Any, data_type: str) -> str:
    if data_type == "f" or isinstance(value, ArrayFormula | DataTableFormula):
        return "formula"
    if data_type == "e":
        return "error"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        return "date"
    return "text"


def _sheet_table(workbook: Any) -> Table:
    if not workbook.worksheets:
        raise FileRefused("The workbook has no sheets.")
    sheet = workbook.worksheets[0]
    if not hasattr(sheet, "iter_rows"):
        raise FileRefused("The first sheet is a chart, not a table of questions.")
    table = Table(file_type="xlsx")
    limit = HEADER_SEARCH_ROWS + MAX_DATA_ROWS
    # openpyxl fills the gap before a far-away row (say row 1,048,576) by yielding one
    # shared empty tuple per missing row; skipping it by identity keeps such a sheet
    # cheap to read through to the far row, which is then refused, not dropped.
    gap: tuple[Any, ...] | None = None
    stored_rows = 0
    for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
        if row is gap:
            continue
        stored_rows += 1
        if stored_rows > MAX_SHEET_ROWS:
            raise FileRefused(
                f"The first sheet stores more than {MAX_SHEET_ROWS:,} rows (empty but "
                "formatted rows count too). Copy the questions into a new workbook."
            )
        cells = {}
        for index, cell in enumerate(row, start=1):
            value = cell.value
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            column = get_column_letter(index)
            cells[column] = Cell(number, column, value, _cell_kind(value, cell.data_type))
        if not cells:
            gap = row
            continue
        if number > limit:
            table.truncated_at = number
            break
        table.rows[number] = cells
    return table


def _csv_table(data: bytes) -> Table:
    if b"\x00" in data:
        raise FileRefused("This is not a text file (it contains zero bytes). Upload .xlsx or .csv.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "The CSV file is not UTF-8 text. In Excel choose Save As > “CSV UTF-8 "
            "(Comma delimited)”; in LibreOffice tick “Edit filter settings” and pick UTF-8."
        ) from exc
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" in locales whose decimal mark is a comma; use what the header uses.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    table = Table(file_type="csv")
    limit = HEADER_SEARCH_ROWS + MAX_DATA_ROWS
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells = {}
            for index, value in enumerate(record[:MAX_COLUMNS], start=1):
                if not value.strip():
                    continue
                column = get_column_letter(index)
                cells[column] = Cell(number, column, value, "text")
            if not cells:
                continue
            if number > limit:
                table.truncated_at = number
                break
            table.rows[number] = cells
    except csv.Error as exc:
        raise FileRefused(
            [Problem(f"the CSV cannot be read here ({exc}); check the quotes", row=number + 1)]
        ) from exc
    return table


# -- Parsing the questions ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportedChoice:
    text: str
    correct: bool = False
    # None when the file has no note column: an update keeps the stored note.
    note: str | None = None


@dataclass(frozen=True)
class ImportedQuestion:
    """One question as the file gives it. A field the file's format does not carry is
    None, so an update keeps the stored value and a new question gets the default."""

    row: int
    slug: str
    slug_given: bool
    prompt: str
    kind: str
    choices: tuple[ImportedChoice, ...] = ()
    time_limit_s: int | None = None
    points_multiplier: int | None = None
    explanation: str | None = None
    answer_year: int | None = None

    @property
    def prompt_key(self) -> str:
        return prompt_key(self.prompt)

    @property
    def content_key(self) -> str:
        return content_key(self.prompt, [c.text for c in self.choices], self.answer_year)


@dataclass
class ParsedFile:
    file_type: str  # xlsx or csv
    layout: str  # "kahoot" or "csv"
    questions: list[ImportedQuestion]
    problems: list[Problem]
    # The fields this file's layout carries (see ImportedQuestion).
    carried: frozenset[str] = frozenset()

    @property
    def layout_label(self) -> str:
        return "Kahoot quiz template" if self.layout == "kahoot" else "CSV with a header row"

    def fingerprint(self) -> str:
        """A digest of the questions (not of the bytes: a re-saved .xlsx differs in its
        zip timestamps), so the same questions name the same new quiz."""
        data = [
            [
                q.slug,
                q.prompt,
                q.kind,
                [[c.text, c.correct, c.note] for c in q.choices],
                q.time_limit_s,
                q.points_multiplier,
                q.explanation,
                q.answer_year,
            ]
            for q in self.questions
        ]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prompt_key(prompt: str) -> str:
    """Two prompts that differ only in case, spacing or Unicode form are the same."""
    return " ".join(unicodedata.normalize("NFKC", prompt).split()).casefold()


def slugify(text: str, max_length: int) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def content_key(prompt: str, answers: Iterable[str], answer_year: int | None = None) -> str:
    """What makes two questions the same question: the prompt and the set of answers
    (ignoring case, spacing and order). "Which came first?" asked about two different
    pairs of events is two questions; the same prompt and answers twice is one."""
    parts = [prompt_key(prompt), *sorted(prompt_key(answer) for answer in answers)]
    if answer_year is not None:
        parts.append(str(answer_year))
    return "\n".join(parts)


def question_slug(prompt: str, answers: Iterable[str] = (), answer_year: int | None = None) -> str:
    """A stable slug from the question's content: readable words and a digest, so the
    same question imported twice is recognised and two different ones never collide."""
    key = content_key(prompt, answers, answer_year)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    words = slugify(prompt, 60)
    return f"{words}-{digest}" if words else f"q-{digest}"


def unescape_formula(text: str) -> str:
    """Undo `escape_formula`: the apostrophe this exporter put before a formula sign."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def escape_formula(text: str) -> str:
    """An apostrophe before a text that a spreadsheet would run as a formula (also
    before one that already starts with apostrophes and then a sign, so that
    `unescape_formula` gives back exactly the stored text)."""
    if text.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _normal_heading(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().casefold())


@dataclass
class _Row:
    """The cells of one data row by field, and where each field lives."""

    number: int
    cells: dict[str, Cell]
    columns: dict[str, str]
    headings: dict[str, str]


class _RowReader:
    """Reads typed values out of a row, recording a Problem for each bad cell."""

    def __init__(self, row: _Row, problems: list[Problem]) -> None:
        self.row = row
        self.problems = problems
        self.ok = True
        # The fields with a problem, so later checks that need them are skipped
        # instead of repeating the problem in other words.
        self.bad: set[str] = set()

    def problem(self, name: str, message: str, value: Any = None) -> None:
        self.ok = False
        self.bad.add(name)
        column = self.row.columns.get(name)
        self.problems.append(
            Problem(
                message,
                row=self.row.number,
                column=column,
                # A column the file lacks is named, so the teacher knows what to add.
                heading=self.row.headings.get(name, "") if column else name,
                value="" if value is None else show_value(value),
            )
        )

    def _usable(self, name: str, what: str) -> Cell | None:
        cell = self.row.cells.get(name)
        if cell is None:
            return None
        if cell.kind == "formula":
            self.problem(
                name,
                f"a formula where {what} belongs; formulas are never run here: "
                "type the value itself",
                cell.value,
            )
            return None
        if cell.kind == "error":
            self.problem(name, f"a spreadsheet error value where {what} belongs", cell.value)
            return None
        return cell

    def text(
        self, name: str, max_length: int, *, multiline: bool = False, unescape: bool = False
    ) -> str | None:
        cell = self._usable(name, "text")
        if cell is None:
            return None
        value = cell.value
        if cell.kind == "date":
            self.problem(
                name,
                "the spreadsheet turned this into a date; format the cell as Text and "
                "type it again",
                value,
            )
            return None
        if cell.kind == "bool":
            value = "True" if value else "False"
        elif cell.kind == "number":
            value = _number_text(value)
        text = str(value).strip()
        if unescape:
            text = unescape_formula(text)
        pattern = _CONTROL_RE if multiline else _CONTROL_NO_NEWLINE_RE
        if pattern.search(text.replace("\r\n", "\n") if multiline else text):
            self.problem(
                name,
                "contains an invisible control character"
                + ("" if multiline else " or a line break")
                + "; retype the text",
                text,
            )
            return None
        if len(text) > max_length:
            self.problem(name, f"too long: {len(text)} characters, at most {max_length}", text)
            return None
        return text.replace("\r\n", "\n") if multiline else text

    def whole_number(self, name: str, low: int, high: int, expected: str) -> int | None:
        cell = self._usable(name, "a number")
        if cell is None:
            return None
        value = cell.value
        number: int | None = None
        if cell.kind == "number":
            if isinstance(value, float) and value.is_integer():
                number = int(value)
            elif isinstance(value, int):
                number = value
        elif cell.kind == "text":
            text = str(value).strip()
            if re.fullmatch(r"\d{1,6}(\.0+)?", text):
                number = int(text.split(".")[0])
        if number is None or not low <= number <= high:
            self.problem(name, expected, value)
            return None
        return number


def _number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _kahoot_header_row(table: Table) -> int | None:
    for number in sorted(table.rows):
        if number > HEADER_SEARCH_ROWS:
            return None
        cells = table.rows[number]
        if all(
            column in cells
            and cells[column].kind == "text"
            and str(cells[column].value).strip().casefold().startswith(start)
            for column, start in _KAHOOT_HEADER_STARTS.items()
        ):
            return number
    return None


def _csv_header(table: Table) -> tuple[int, dict[str, str], list[Problem]] | None:
    """The CSV layout's header: the first non-empty row, if it names `question`."""
    if not table.rows:
        return None
    number = min(table.rows)
    cells = table.rows[number]
    names = {column: _normal_heading(str(cell.value)) for column, cell in cells.items()}
    if "question" not in names.values():
        return None
    problems = []
    fields: dict[str, str] = {}
    for column, name in sorted(names.items(), key=lambda item: column_index_from_string(item[0])):
        if name not in CSV_COLUMNS:
            close = difflib.get_close_matches(name, CSV_COLUMNS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                Problem(
                    f"unknown column{hint}; the columns are: {', '.join(CSV_COLUMNS)}",
                    row=number,
                    column=column,
                    value=show_value(cells[column].value),
                )
            )
        elif name in fields.values():
            problems.append(
                Problem(
                    "this column appears twice", row=number, column=column, value=show_value(name)
                )
            )
        else:
            fields[column] = name
    return number, fields, problems


def parse_table(table: Table) -> ParsedFile:
    """The questions of a table in Kahoot's template layout or the CSV layout."""
    header_row = _kahoot_header_row(table)
    problems: list[Problem] = []
    if header_row is not None:
        layout = "kahoot"
        fields = dict(_KAHOOT_FIELDS)
        explanation = table.cell(header_row, KAHOOT_EXPLANATION_COLUMN)
        if explanation is not None and str(explanation.value).strip().casefold().startswith(
            "explanation"
        ):
            fields[KAHOOT_EXPLANATION_COLUMN] = "explanation"
        headings = {name: _KAHOOT_HEADINGS[name] for name in fields.values()}
    else:
        found = _csv_header(table)
        if found is None:
            raise FileRefused([_layout_problem(table)])
        layout = "csv"
        header_row, fields, problems = found
        if problems:
            # Rows read with a wrong header only repeat its mistake; fix the header first.
            return ParsedFile(table.file_type, layout, [], problems, frozenset(fields.values()))
        headings = {name: name for name in fields.values()}
    columns = {name: column for column, name in fields.items()}
    carried = frozenset(fields.values())
    if table.truncated_at is not None:
        problems.append(
            Problem(
                f"the sheet goes on past row {header_row + MAX_DATA_ROWS}; at most "
                f"{MAX_DATA_ROWS} rows after the header are read. Split the quiz into "
                "several files",
                row=table.truncated_at,
            )
        )
    questions: list[ImportedQuestion] = []
    data_rows = [n for n in sorted(table.rows) if n > header_row]
    for number in data_rows:
        cells = table.rows[number]
        by_field = {fields[c]: cell for c, cell in cells.items() if c in fields}
        if not any(name == "question" or name.startswith("answer_") for name in by_field):
            # Kahoot's template numbers its empty rows in column A; a row with no
            # question and no answer holds no question to import.
            continue
        row = _Row(number, by_field, columns, headings)
        question = _read_question(row, layout, carried, problems)
        if question is not None:
            questions.append(question)
    if not questions and not problems:
        problems.append(
            Problem(f"no questions found below the header in row {header_row}", row=header_row)
        )
    if len(questions) > MAX_QUESTIONS:
        problems.append(
            Problem(
                f"{len(questions)} questions; at most {MAX_QUESTIONS} are imported from "
                "one file. Split the quiz into several files"
            )
        )
    problems.extend(_duplicates(questions, columns, headings))
    problems.sort(key=problem_order)
    return ParsedFile(
        file_type=table.file_type,
        layout=layout,
        questions=questions,
        problems=problems,
        carried=carried,
    )


def _layout_problem(table: Table) -> Problem:
    row = table.rows.get(KAHOOT_HEADER_ROW, {})
    seen = ", ".join(f"{c}: {show_value(cell.value, 30)}" for c, cell in sorted(row.items()))
    return Problem(
        "this is neither Kahoot's quiz template nor a CSV with a header. Kahoot's template "
        f"has its headers in row {KAHOOT_HEADER_ROW}: B “Question”, C to F “Answer 1” to "
        "“Answer 4”, G “Time limit (sec)”, H “Correct answer(s)”"
        + (f" (row {KAHOOT_HEADER_ROW} here has {seen})" if seen else "")
        + "; a CSV starts with a header row naming at least the column “question” "
        "(see docs/authoring.md)",
        row=KAHOOT_HEADER_ROW if table.file_type == "xlsx" else 1,
    )


def _parse_correct(reader: _RowReader) -> list[int] | None:
    """The answer numbers in the correct-answer cell: `2`, or `1,3` for several."""
    cell = reader._usable("correct", "the answer number")
    if cell is None:
        return [] if "correct" not in reader.row.cells else None
    value = cell.value
    expected = "expected the number of the correct answer, 1 to 4 (e.g. 2)"
    if cell.kind == "number":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and 1 <= value <= ANSWERS:
            return [value]
        reader.problem("correct", expected, value)
        return None
    if cell.kind != "text":
        reader.problem("correct", expected, value)
        return None
    parts = [part.strip() for part in re.split(r"[,;]", str(value))]
    if not all(re.fullmatch(r"[1-4]", part) for part in parts):
        reader.problem("correct", expected, value)
        return None
    numbers = [int(part) for part in parts]
    if len(set(numbers)) != len(numbers):
        reader.problem("correct", "an answer number is repeated", value)
        return None
    return numbers


_STRUCTURAL_FIELDS = frozenset(
    {"question", "answer_1", "answer_2", "answer_3", "answer_4", "correct", "kind", "answer_year"}
)


def _read_question(
    row: _Row, layout: str, carried: frozenset[str], problems: list[Problem]
) -> ImportedQuestion | None:
    reader = _RowReader(row, problems)
    unescape = layout == "csv"
    prompt = reader.text("question", PROMPT_MAX, multiline=True, unescape=unescape)
    if "question" not in row.cells:
        reader.problem("question", "this row has answers but no question text")
        prompt = None
    answers: list[tuple[int, str, Cell]] = []
    for number in range(1, ANSWERS + 1):
        name = f"answer_{number}"
        text = reader.text(name, CHOICE_TEXT_MAX, unescape=unescape)
        if text:
            answers.append((number, text, row.cells[name]))
    notes: dict[int, str] = {}
    for number in range(1, ANSWERS + 1):
        name = f"note_{number}"
        note = reader.text(name, CHOICE_NOTE_MAX, unescape=unescape)
        if note:
            if not any(n == number for n, _, _ in answers):
                reader.problem(name, f"a note for answer {number}, which is empty", note)
            notes[number] = note
    correct = _parse_correct(reader)
    time_limit = (
        reader.whole_number(
            "time_limit",
            TIME_LIMIT_MIN,
            TIME_LIMIT_MAX,
            f"time limit not allowed: expected a whole number of seconds from "
            f"{TIME_LIMIT_MIN} to {TIME_LIMIT_MAX} (Kahoot offers "
            f"{', '.join(str(t) for t in KAHOOT_TIME_LIMITS)})",
        )
        if "time_limit" in row.cells
        else None
    )
    points = (
        reader.whole_number(
            "points",
            POINTS_MULTIPLIER_MIN,
            POINTS_MULTIPLIER_MAX,
            "expected 1 (normal points), 2 (double points) or 0 (no points)",
        )
        if "points" in row.cells
        else None
    )
    explanation = reader.text("explanation", EXPLANATION_MAX, multiline=True, unescape=unescape)
    answer_year = (
        reader.whole_number(
            "answer_year", YEAR_MIN, YEAR_MAX, f"expected a year, {YEAR_MIN} to {YEAR_MAX}"
        )
        if "answer_year" in row.cells
        else None
    )
    kind = reader.text("kind", 20)
    if kind is not None:
        normal = kind.casefold().replace(" ", "_").replace("-", "_")
        if normal not in QUESTION_KINDS:
            reader.problem("kind", f"expected one of {', '.join(QUESTION_KINDS)}", kind)
            kind = None
        else:
            kind = normal
    slug = reader.text("slug", QUESTION_SLUG_MAX)
    if slug is not None and not SLUG_RE.match(slug):
        reader.problem("slug", "not a slug: use lowercase letters, digits and single hyphens", slug)
    # The kind rules need the question, answers, correct numbers, kind and year; a
    # problem elsewhere in the row (time limit, points, ...) still lets them run, so
    # every problem of the row is reported at once.
    if prompt is None or correct is None or reader.bad & _STRUCTURAL_FIELDS:
        return None

    texts = [text for _, text, _ in answers]
    if kind is None:
        looks_true_false = len(texts) == 2 and sorted(t.casefold() for t in texts) == [
            "false",
            "true",
        ]
        if answer_year is not None and not texts:
            kind = "year_guess"
        else:
            kind = "true_false" if looks_true_false else "choice"
    if kind == "true_false":
        texts = [t.capitalize() if t.casefold() in ("true", "false") else t for t in texts]
    seen: dict[str, int] = {}
    for (number, text, _), shown in zip(answers, texts, strict=True):
        key = text.casefold()
        if key in seen:
            reader.problem(
                f"answer_{number}",
                f"the same text as answer {seen[key]}; every answer must differ",
                shown,
            )
        seen.setdefault(key, number)
    numbers = [number for number, _, _ in answers]
    for value in correct:
        if value not in numbers:
            reader.problem(
                "correct",
                f"answer {value} is marked correct but is empty",
                ",".join(str(v) for v in correct),
            )
    if reader.bad & _STRUCTURAL_FIELDS:
        return None
    _kind_rules(reader, kind, texts, correct, answer_year)
    if not reader.ok:
        return None
    choices = tuple(
        ImportedChoice(
            text=text,
            correct=kind in ("choice", "true_false") and number in correct,
            note=notes.get(number, "") if any(f.startswith("note_") for f in carried) else None,
        )
        for (number, _, _), text in zip(answers, texts, strict=True)
    )
    return ImportedQuestion(
        row=row.number,
        slug=slug or question_slug(prompt, [c.text for c in choices], answer_year),
        slug_given=slug is not None,
        prompt=prompt,
        kind=kind,
        choices=choices,
        time_limit_s=time_limit,
        points_multiplier=points,
        explanation=explanation,
        answer_year=answer_year,
    )


def _kind_rules(
    reader: _RowReader, kind: str, texts: list[str], correct: list[int], answer_year: int | None
) -> None:
    count = len(texts)
    shown = ",".join(str(v) for v in correct)
    if kind != "year_guess" and answer_year is not None:
        reader.problem(
            "answer_year", "only guess-the-year questions (kind year_guess) have an answer year"
        )
    if kind == "choice":
        if count < 2:
            reader.problem(
                "answer_2" if count == 1 else "answer_1",
                f"a multiple-choice question needs at least 2 answers; this row has {count}",
            )
        elif not correct:
            reader.problem(
                "correct", "no correct answer: give the number of the correct answer, 1 to 4"
            )
        elif len(correct) > 1:
            reader.problem(
                "correct",
                "several correct answers: this server marks exactly one answer correct per "
                "question; keep one number (or split it into separate questions)",
                shown,
            )
    elif kind == "true_false":
        if sorted(texts) != sorted(TRUE_FALSE_TEXTS):
            reader.problem(
                "answer_1", 'a true-or-false question has exactly two answers, "True" and "False"'
            )
        elif len(correct) != 1:
            reader.problem(
                "correct",
                "no correct answer: give 1 or 2" if not correct else "mark only one of True/False",
                shown or None,
            )
    elif kind == "order":
        if not 3 <= count <= ANSWERS:
            reader.problem(
                "answer_1", f"a put-in-order question needs 3 or 4 answers; this row has {count}"
            )
        if correct:
            reader.problem(
                "correct",
                "a put-in-order question has no correct answer number: list the answers "
                "in the right order and leave this empty",
                shown,
            )
    elif kind == VERDICT_KIND:
        reader.problem(
            "kind",
            "a verdict question needs the event the class judges, which a spreadsheet "
            "cannot name: write it in the quiz's YAML or in the admin",
            kind,
        )
    elif kind == "year_guess":
        if count:
            reader.problem("answer_1", "a guess-the-year question has no answers")
        if correct:
            reader.problem(
                "correct", "a guess-the-year question has no correct answer number", shown
            )
        if answer_year is None:
            reader.problem("answer_year", "a guess-the-year question needs its answer year")


def _duplicates(
    questions: Sequence[ImportedQuestion], columns: dict[str, str], headings: dict[str, str]
) -> list[Problem]:
    problems = []
    by_content: dict[str, int] = {}
    by_slug: dict[str, int] = {}

    def repeats(question: ImportedQuestion, field: str, value: str, message: str) -> None:
        problems.append(
            Problem(
                message,
                row=question.row,
                column=columns.get(field),
                heading=headings.get(field, ""),
                value=show_value(value),
            )
        )

    for question in questions:
        first = by_content.setdefault(question.content_key, question.row)
        if first != question.row:
            message = f"duplicate question: the same question and answers as row {first}"
            repeats(question, "question", question.prompt, message)
            continue
        first = by_slug.setdefault(question.slug, question.row)
        if first != question.row:
            repeats(question, "slug", question.slug, f"duplicate slug: row {first} has it too")
    return problems


def default_explanation(
    kind: str, choices: Sequence[ImportedChoice], answer_year: int | None
) -> str:
    """The reveal text for a question whose file gave none (Kahoot's template has no
    explanation column). The import result tells the teacher to write a real one."""
    if kind == "order":
        return "The right order: " + ", ".join(choice.text for choice in choices) + "."
    if kind == "year_guess":
        return f"The answer is {answer_year}."
    right = [choice.text for choice in choices if choice.correct]
    return f"The answer is: {right[0]}." if right else "See the correct answer above."


# -- Writing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportChoice:
    text: str
    correct: bool
    note: str = ""


@dataclass(frozen=True)
class ExportQuestion:
    slug: str
    kind: str
    prompt: str
    choices: tuple[ExportChoice, ...]
    time_limit_s: int
    points_multiplier: int
    explanation: str
    answer_year: int | None


def _correct_numbers(question: ExportQuestion) -> str:
    if question.kind not in ("choice", "true_false"):
        return ""
    return ",".join(str(i) for i, c in enumerate(question.choices, start=1) if c.correct)


def kahoot_warnings(questions: Sequence[ExportQuestion]) -> list[str]:
    """What Kahoot itself would refuse or lose in `kahoot_xlsx`'s file (this server
    reads it back whole)."""
    notes: list[str] = []
    for number, q in enumerate(questions, start=1):
        label = f"Question {number} (“{q.prompt[:40]}”)"
        if q.kind == VERDICT_KIND:
            notes.append(
                f"{label} is left out: a verdict question needs its event, which a "
                "spreadsheet cannot name. The YAML export keeps it."
            )
            continue
        if q.kind not in ("choice", "true_false"):
            notes.append(
                f"{label} is left out: Kahoot's template holds only quiz and true-or-false "
                "questions. The CSV export keeps it."
            )
            continue
        if len(q.prompt) > KAHOOT_QUESTION_MAX:
            notes.append(f"{label} is longer than Kahoot's {KAHOOT_QUESTION_MAX} characters.")
        long = [i for i, c in enumerate(q.choices, start=1) if len(c.text) > KAHOOT_ANSWER_MAX]
        if long:
            notes.append(
                f"{label}: answer {', '.join(map(str, long))} is longer than Kahoot's "
                f"{KAHOOT_ANSWER_MAX} characters."
            )
        if q.time_limit_s not in KAHOOT_TIME_LIMITS:
            notes.append(
                f"{label} has {q.time_limit_s} seconds; Kahoot offers only "
                f"{', '.join(map(str, KAHOOT_TIME_LIMITS))}."
            )
        if q.points_multiplier != 1:
            notes.append(
                f"{label} has {'double' if q.points_multiplier == 2 else 'no'} points; the "
                "template has no points column (the CSV export keeps it)."
            )
    return notes


def _text_cell(sheet: Any, row: int, column: int, value: str) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    # Assigning a str starting with "=" makes openpyxl write a formula; force a text
    # cell, and mark it the way Excel marks a typed leading apostrophe (quotePrefix),
    # so that editing the cell later does not turn it into a formula either.
    cell.data_type = "s"
    if value.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True


def kahoot_xlsx(*, title: str, questions: Sequence[ExportQuestion]) -> bytes:
    """The questions in Kahoot's quiz template layout (docs/authoring.md): instructions
    in rows 2-6, headers in row 8, one question a row from row 9, column A numbered.
    Questions Kahoot cannot hold (order, year_guess) are left out; see kahoot_warnings."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Quiz"
    intro = [
        f"Quiz: {title}",
        "Written by the classroom quiz server in the layout of Kahoot's quiz template.",
        "One question a row from row 9: the question, up to 4 answers, the time limit in "
        "seconds and the number of the correct answer.",
        "Column I (the explanation shown at the reveal) is this server's addition.",
        "Import it with “Import questions” in the quiz admin, or with manage.py import_quiz.",
    ]
    for offset, line in enumerate(intro):
        _text_cell(sheet, 2 + offset, 2, line)
    for column, heading in KAHOOT_HEADERS.items():
        _text_cell(sheet, KAHOOT_HEADER_ROW, column_index_from_string(column), heading)
    explanation_index = column_index_from_string(KAHOOT_EXPLANATION_COLUMN)
    _text_cell(sheet, KAHOOT_HEADER_ROW, explanation_index, KAHOOT_EXPLANATION_HEADER)
    row = KAHOOT_HEADER_ROW
    for q in questions:
        if q.kind not in ("choice", "true_false"):
            continue
        row += 1
        sheet.cell(row=row, column=1, value=row - KAHOOT_HEADER_ROW)
        _text_cell(sheet, row, 2, q.prompt)
        for index, choice in enumerate(q.choices[:ANSWERS]):
            _text_cell(sheet, row, 3 + index, choice.text)
        sheet.cell(row=row, column=7, value=q.time_limit_s)
        correct = _correct_numbers(q)
        if correct.isdigit():
            sheet.cell(row=row, column=8, value=int(correct))
        else:
            _text_cell(sheet, row, 8, correct)
        _text_cell(sheet, row, explanation_index, q.explanation)
    for column, width in zip("ABCDEFGHI", (4, 60, 25, 25, 25, 25, 14, 14, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def quiz_csv(questions: Iterable[ExportQuestion]) -> str:
    """The questions as CSV with the full header (CSV_COLUMNS); text that a spreadsheet
    would run as a formula gets an apostrophe in front, which the importer removes.
    Verdict questions are left out: they need their event, which the CSV cannot name
    (the YAML export keeps them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for q in questions:
        if q.kind == VERDICT_KIND:
            continue
        answers = [c.text for c in q.choices] + [""] * (ANSWERS - len(q.choices))
        notes = [c.note for c in q.choices] + [""] * (ANSWERS - len(q.choices))
        values = {
            "question": q.prompt,
            **{f"answer_{i}": answers[i - 1] for i in range(1, ANSWERS + 1)},
            "correct": _correct_numbers(q),
            "time_limit": q.time_limit_s,
            "explanation": q.explanation,
            "kind": q.kind,
            "points": q.points_multiplier,
            "answer_year": "" if q.answer_year is None else q.answer_year,
            **{f"note_{i}": notes[i - 1] for i in range(1, ANSWERS + 1)},
            "slug": q.slug,
        }
        writer.writerow(
            escape_formula(value) if isinstance(value, str) else value
            for value in (values[name] for name in CSV_COLUMNS)
        )
    return buffer.getvalue()


def safe_text_cell(sheet: Any, row: int, column: int, value: Any) -> None:
    """Write one value into a sheet: numbers as numbers, text always as text (never a
    formula). For other modules' .xlsx files (the game report)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        _text_cell(sheet, row, column, str(value))
    else:
        sheet.cell(row=row, column=column, value=value)

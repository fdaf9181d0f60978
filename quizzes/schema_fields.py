"""The seed schema's field tables: every key of every YAML section, in one place.

One `Table` a section of a seed document (docs/yaml-schema.md): each `Field` says its
key, its type, whether it is required or what it defaults to, its bounds (length,
range, choices), the table its items follow, and the model column it is stored in
(`column`). `quizzes/yaml_schema.py` walks these tables to validate a document; the
spreadsheet importer, the admin and the exporter take their limits from the constants
at the bottom, which are read out of the tables; docs/yaml-schema.md shows the tables
as `markdown()` prints them (`python -m quizzes.schema_fields`).

Why the limits are written here and not read from `quizzes/models.py`: this module and
`yaml_schema.py` are pure (no Django: the linter, the generator and their tests run
without settings, tests/quizzes/test_pure_modules.py). So the tables hold the numbers,
and tests/quizzes/test_schema_fields.py proves each one equals its model field's
(max_length, MinValueValidator/MaxValueValidator, choices, default, blank): a change on
either side that is not made on the other fails that test, naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from quizzes import periods
from quizzes.kinds import KINDS

SCHEMA_VERSION = 1

EFFECTS = ("improved", "worsened", "neutral")
VERDICTS = ("success", "failure", "neutral")
# The kinds an author may write: the registry (quizzes/kinds.py) is their one home.
QUESTION_KINDS = tuple(KINDS)
QUESTION_SOURCES = ("hand", "generated")
GENERATOR_KINDS = ("year_of_event", "event_in_year", "effect", "which_first", "actor")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A question's picture in YAML: a relative path, in the YAML file's folder or below it,
# with `/` between folders (a file's address, not a Windows path). The file itself is
# read and checked by quizzes/picture_files.py.
PICTURE_PATH_RE = re.compile(
    r"^(?!/)(?:[A-Za-z0-9_][A-Za-z0-9_. -]*/)*[A-Za-z0-9_][A-Za-z0-9_. -]*$"
)
PICTURE_PATH_MAX = 200


class Type(StrEnum):
    """How a value is read; `yaml_schema._Validator.read_<type>` reads each."""

    VERSION = "version"  # a whole number equal to SCHEMA_VERSION
    TEXT = "text"
    SLUG = "slug"  # text matching SLUG_RE
    EVENT = "event"  # a slug naming an event of the file's timeline
    WHOLE = "whole"  # a whole number (never true/false)
    FLAG = "flag"  # true or false
    ONE_OF = "one_of"  # one of `choices`
    TEXTS = "texts"  # a list of non-empty texts
    KINDS = "kinds"  # a list of generator kinds, each at most once
    MAPPING = "mapping"  # a mapping read by the table `section`
    LIST = "list"  # a list of mappings, each read by the table `section`
    PICTURE = "picture"  # a path to a picture file beside the YAML file (PICTURE_PATH_RE)


@dataclass(frozen=True)
class Field:
    key: str
    type: Type
    required: bool = False
    # What an absent (or null) optional key reads as.
    default: Any = None
    # TEXT, SLUG, TEXTS (each item): at most this many characters.
    max_length: int | None = None
    # TEXT: must hold more than spaces.
    nonempty: bool = False
    # WHOLE: the range allowed, both ends included.
    low: int | None = None
    high: int | None = None
    # ONE_OF: the values allowed, in the order an error message lists them.
    choices: tuple[str, ...] = ()
    # MAPPING, LIST: the name of the table each item follows.
    section: str = ""
    # LIST: items must differ in this ("slug": the item's slug; "text": a choice's text,
    # ignoring case and surrounding spaces).
    unique: str = ""
    # LIST, TEXTS, KINDS: an empty list is refused with "must list at least one <this>".
    at_least_one: str = ""
    # "Model.field" the value is stored in or becomes (a key actor's name becomes a
    # generated question's choice text): its limits must be this field's.
    column: str = ""

    def describe(self) -> str:
        """The field's type and bounds in an author's words (docs/yaml-schema.md)."""
        if self.type in (Type.TEXT, Type.SLUG, Type.TEXTS):
            words = {Type.TEXT: "text", Type.SLUG: "slug", Type.TEXTS: "list of non-empty texts"}
            shown = words[self.type]
            if self.nonempty:
                shown = "non-empty text"
            if self.max_length is not None:
                each = " each" if self.type is Type.TEXTS else ""
                shown += f", at most {self.max_length} characters{each}"
        elif self.type is Type.VERSION:
            shown = f"whole number, must be {SCHEMA_VERSION}"
        elif self.type is Type.EVENT:
            shown = "slug of an event of this file's timeline"
        elif self.type is Type.WHOLE:
            shown = "whole number"
            if self.low is not None:
                shown += f", {self.low}–{self.high}"
        elif self.type is Type.FLAG:
            shown = "true or false"
        elif self.type is Type.ONE_OF:
            shown = " \\| ".join(f"`{choice}`" for choice in self.choices)
        elif self.type is Type.KINDS:
            kinds = ", ".join(f"`{kind}`" for kind in GENERATOR_KINDS)
            shown = f"list of generator kinds ({kinds}), each at most once"
        elif self.type is Type.MAPPING:
            shown = f"mapping, see *{self.section}*"
        elif self.type is Type.PICTURE:
            shown = (
                "path of a PNG, JPEG or WebP file in this file's folder or below it, at most "
                f"{self.max_length} characters"
            )
        else:
            shown = f"list of mappings, each as *{self.section}*"
        if self.at_least_one:
            shown += ", at least one"
        if self.unique == "slug":
            shown += ", slugs differ"
        elif self.unique == "text":
            shown += ", texts differ (ignoring case)"
        return shown


@dataclass(frozen=True)
class Table:
    name: str
    fields: tuple[Field, ...]
    # The model a row of this section is stored as, if any.
    model: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(field.key for field in self.fields)

    def field(self, key: str) -> Field:
        return next(field for field in self.fields if field.key == key)

    def defaults(self) -> dict[str, Any]:
        """Every optional key with the value it reads as when absent."""
        return {field.key: field.default for field in self.fields if not field.required}


# Row builders for the shapes most keys share; each row still reads key, limit, column.


def _slug(key: str, column: str, *, required: bool = True, max_length: int = 100) -> Field:
    return Field(key, Type.SLUG, required=required, max_length=max_length, column=column)


def _required_text(key: str, column: str = "", max_length: int | None = None) -> Field:
    return Field(key, Type.TEXT, required=True, nonempty=True, max_length=max_length, column=column)


def _text(key: str, column: str, max_length: int | None = None) -> Field:
    return Field(key, Type.TEXT, default="", max_length=max_length, column=column)


def _year(key: str, column: str, *, required: bool = False) -> Field:
    # A PositiveSmallIntegerField holds up to 32767; no year 0.
    return Field(key, Type.WHOLE, required=required, low=1, high=9999, column=column)


# A written question's time limit, and the one the generator gives its questions.
_TIME_LIMIT = Field(
    "time_limit_s", Type.WHOLE, default=20, low=5, high=240, column="Question.time_limit_s"
)

# Fields are read in table order, so within one section errors come in this order.
TABLES = {
    table.name: table
    for table in (
        Table(
            "document",
            (
                Field("version", Type.VERSION, required=True),
                Field("timeline", Type.MAPPING, required=True, section="timeline"),
                Field("quizzes", Type.LIST, default=(), section="quiz", unique="slug"),
            ),
        ),
        Table(
            "timeline",
            (
                _slug("slug", "Timeline.slug"),
                _required_text("title", "Timeline.title", 200),
                _text("description", "Timeline.description"),
                _text("overall_verdict", "Timeline.overall_verdict"),
                Field("period", Type.MAPPING, required=True, section="period"),
                # The parts the period is taught in (quizzes/periods.py): a game is set
                # up on some of them, and the report groups its questions by them.
                Field(
                    "periods",
                    Type.LIST,
                    default=(),
                    section="timeline period",
                    unique="slug",
                    column="Timeline.periods",
                ),
                Field(
                    "events",
                    Type.LIST,
                    required=True,
                    section="event",
                    unique="slug",
                    at_least_one="event",
                ),
                Field(
                    "unverified",
                    Type.LIST,
                    default=(),
                    section="unverified claim",
                    column="Timeline.unverified",
                ),
            ),
            model="Timeline",
        ),
        Table(
            "period",
            (
                _year("start", "Timeline.period_start", required=True),
                _year("end", "Timeline.period_end", required=True),
            ),
        ),
        Table(
            "timeline period",
            (
                _slug("slug", "", max_length=periods.SLUG_MAX),
                _required_text("title", max_length=periods.TITLE_MAX),
                _year("start", "", required=True),
                _year("end", "", required=True),
            ),
        ),
        Table(
            "unverified claim",
            (
                _required_text("claim"),
                Field("match", Type.TEXTS, required=True, at_least_one="text to look for"),
                _slug("event", "Event.slug", required=False),
            ),
        ),
        Table(
            "event",
            (
                _slug("slug", "Event.slug"),
                _year("year", "Event.year", required=True),
                Field("month", Type.WHOLE, low=1, high=12, column="Event.month"),
                Field("day", Type.WHOLE, low=1, high=31, column="Event.day"),
                _required_text("title", "Event.title", 200),
                _required_text("summary", "Event.summary"),
                Field("actors", Type.TEXTS, default=(), column="Event.actors"),
                Field("effect", Type.ONE_OF, required=True, choices=EFFECTS, column="Event.effect"),
                Field(
                    "verdict", Type.ONE_OF, required=True, choices=VERDICTS, column="Event.verdict"
                ),
                _text("verdict_reason", "Event.verdict_reason"),
                _text("correction", "Event.correction"),
                Field("in_period", Type.FLAG, default=True, column="Event.in_period"),
                Field("sources", Type.TEXTS, default=(), column="Event.sources"),
                Field("key_actor", Type.MAPPING, section="key actor", column="Event.key_actor"),
                Field("generate", Type.KINDS, default=(), column="Event.generate_kinds"),
                Field(
                    "exclude_from_generation",
                    Type.FLAG,
                    default=False,
                    column="Event.exclude_from_generation",
                ),
                _text("date_text", "Event.date_text", 40),
            ),
            model="Event",
        ),
        Table(
            "key actor",
            (
                # The generated "who" question: the name is its key, the distractors its
                # other choices, the prompt its prompt.
                _required_text("name", "Choice.text", 200),
                _required_text("prompt", "Question.prompt"),
                Field("distractors", Type.TEXTS, default=(), max_length=200, column="Choice.text"),
            ),
        ),
        Table(
            "quiz",
            (
                _slug("slug", "Quiz.slug"),
                _required_text("title", "Quiz.title", 200),
                _text("description", "Quiz.description"),
                Field("generator", Type.MAPPING, section="generator", column="Quiz.generator"),
                Field("questions", Type.LIST, default=(), section="question", unique="slug"),
            ),
            model="Quiz",
        ),
        Table(
            "generator",
            (
                # Any whole number: the same seed gives the same questions.
                Field("seed", Type.WHOLE, required=True),
                Field("count", Type.WHOLE, required=True, low=1, high=200),
                Field("kinds", Type.KINDS, default=GENERATOR_KINDS, at_least_one="kind"),
                _TIME_LIMIT,
            ),
        ),
        Table(
            "question",
            (
                _slug("slug", "Question.slug", max_length=120),
                Field(
                    "kind",
                    Type.ONE_OF,
                    default="choice",
                    choices=QUESTION_KINDS,
                    column="Question.kind",
                ),
                _required_text("prompt", "Question.prompt"),
                Field("event", Type.EVENT, max_length=100, column="Question.event"),
                _TIME_LIMIT,
                Field(
                    "points_multiplier",
                    Type.WHOLE,
                    default=1,
                    low=0,
                    high=2,
                    column="Question.points_multiplier",
                ),
                # Required, but a verdict question may leave it to its event's
                # verdict_reason (yaml_schema._question_checks says which).
                Field(
                    "explanation",
                    Type.TEXT,
                    default="",
                    nonempty=True,
                    column="Question.explanation",
                ),
                _year("answer_year", "Question.answer_year"),
                Field(
                    "source",
                    Type.ONE_OF,
                    default="hand",
                    choices=QUESTION_SOURCES,
                    column="Question.source",
                ),
                _text("generator_kind", "Question.generator_kind", 30),
                # A picture and its alt text (required with a picture): docs/authoring.md.
                Field("image", Type.PICTURE, max_length=PICTURE_PATH_MAX),
                _text("alt", "Question.image_alt", 250),
                # Read last: the kind's rules (yaml_schema.KIND_RULES) check it.
                Field("choices", Type.LIST, default=(), section="choice", unique="text"),
            ),
            model="Question",
        ),
        Table(
            "choice",
            (
                _required_text("text", "Choice.text", 200),
                Field("correct", Type.FLAG, default=False, column="Choice.is_correct"),
                _text("note", "Choice.note", 300),
            ),
            model="Choice",
        ),
    )
}


def field(section: str, key: str) -> Field:
    return TABLES[section].field(key)


def columns() -> Iterator[tuple[str, Field]]:
    """(table name, field) for every field stored in, or checked against, a model column."""
    for table in TABLES.values():
        for item in table.fields:
            if item.column:
                yield table.name, item


def markdown() -> str:
    """The tables as docs/yaml-schema.md shows them, between its "field tables" marks."""
    lines: list[str] = []
    for table in TABLES.values():
        stored = f" (stored as `{table.model}`)" if table.model else ""
        lines += [f"**{table.name}**{stored}", ""]
        lines += ["| key | required / default | type and limits |", "| --- | --- | --- |"]
        for item in table.fields:
            if item.required:
                need = "required"
            elif item.default is None or item.default in ((), ""):
                need = "optional"
            elif isinstance(item.default, bool):
                need = f"default `{str(item.default).lower()}`"
            elif isinstance(item.default, tuple):
                need = "default: all"
            else:
                need = f"default `{item.default}`"
            lines.append(f"| `{item.key}` | {need} | {item.describe()} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


# -- Limits other modules use (the importer, the admin, the exporter) ----------------------

SLUG_MAX = field("quiz", "slug").max_length
QUESTION_SLUG_MAX = field("question", "slug").max_length
TITLE_MAX = field("quiz", "title").max_length
CHOICE_TEXT_MAX = field("choice", "text").max_length
CHOICE_NOTE_MAX = field("choice", "note").max_length
TIME_LIMIT_MIN = field("question", "time_limit_s").low
TIME_LIMIT_MAX = field("question", "time_limit_s").high
TIME_LIMIT_DEFAULT = field("question", "time_limit_s").default
POINTS_MULTIPLIER_MIN = field("question", "points_multiplier").low
POINTS_MULTIPLIER_MAX = field("question", "points_multiplier").high
YEAR_MIN = field("question", "answer_year").low
YEAR_MAX = field("question", "answer_year").high
PICTURE_ALT_MAX = field("question", "alt").max_length


if __name__ == "__main__":
    print(markdown(), end="")

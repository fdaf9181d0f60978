"""The seed schema's field tables agree with the models, and docs/yaml-schema.md shows them.

`quizzes/schema_fields.py` is pure, so it writes its limits down instead of reading
them from the models; these tests are what ties the two together. Each field that
names a `column` is checked against that model field: a limit changed on one side only
fails here, with the field's name in the test id.
"""

from pathlib import Path

import pytest
from django.apps import apps
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from quizzes.schema_fields import TABLES, Field, Table, Type, columns, markdown
from quizzes.yaml_schema import KIND_RULES, _Validator

DOCS = Path(__file__).resolve().parents[2] / "docs" / "yaml-schema.md"
COLUMNS = list(columns())
IDS = [f"{table}.{item.key}" for table, item in COLUMNS]


def model_field(column: str) -> models.Field:
    model, name = column.split(".")
    return apps.get_model("quizzes", model)._meta.get_field(name)


def bounds(column: models.Field) -> tuple[int | None, int | None]:
    """The range the column accepts: its own validators and the database's."""
    lows = [v.limit_value for v in column.validators if isinstance(v, MinValueValidator)]
    highs = [v.limit_value for v in column.validators if isinstance(v, MaxValueValidator)]
    return (max(lows) if lows else None, min(highs) if highs else None)


@pytest.mark.parametrize(("table", "item"), COLUMNS, ids=IDS)
def test_a_text_is_at_most_as_long_as_its_column(table: str, item: Field):
    column = model_field(item.column)
    if column.is_relation:
        # A reference is stored as a link; its text must fit the slug it names.
        column = column.related_model._meta.get_field("slug")
    if item.type in (Type.TEXT, Type.SLUG, Type.EVENT, Type.TEXTS):
        assert item.max_length == column.max_length


@pytest.mark.parametrize(("table", "item"), COLUMNS, ids=IDS)
def test_a_number_has_its_columns_range(table: str, item: Field):
    column = model_field(item.column)
    if item.type is not Type.WHOLE:
        return
    declared = [
        v for v in column._validators if isinstance(v, MinValueValidator | MaxValueValidator)
    ]
    low, high = bounds(column)
    if declared:
        # The model states the rule (time limits, points): the schema's is the same.
        assert (item.low, item.high) == (low, high)
    else:
        # Only the database limits it (years): the schema's range must fit inside.
        assert low <= item.low <= item.high <= high


@pytest.mark.parametrize(("table", "item"), COLUMNS, ids=IDS)
def test_a_choice_of_values_is_the_columns_choices(table: str, item: Field):
    column = model_field(item.column)
    if item.type is Type.ONE_OF:
        assert item.choices == tuple(value for value, _label in column.choices)
        assert max(map(len, item.choices)) <= column.max_length
    else:
        assert not column.choices


@pytest.mark.parametrize(("table", "item"), COLUMNS, ids=IDS)
def test_an_absent_key_reads_as_the_columns_default(table: str, item: Field):
    column = model_field(item.column)
    if item.required or item.type is Type.MAPPING or column.is_relation:
        return  # an absent mapping or link is None in the document, {} or NULL in a row
    if column.has_default():
        default = column.get_default()
        expected = tuple(default) if isinstance(default, list) else default
        assert item.default == expected
    elif item.column.startswith(f"{TABLES[table].model}."):
        # No default: the row stores an absent key as blank (empty text, NULL).
        assert column.blank and item.default in ("", None)


@pytest.mark.parametrize(
    ("table", "item"),
    [(table.name, item) for table in TABLES.values() if table.model for item in table.fields],
    ids=lambda value: value if isinstance(value, str) else value.key,
)
def test_a_required_key_is_a_column_that_cannot_be_blank(table: str, item: Field):
    if not item.column or not item.column.startswith(f"{TABLES[table].model}."):
        return  # a list of other rows (events, questions) or a value stored elsewhere
    column = model_field(item.column)
    assert item.required == (not column.blank and not column.has_default())


def test_every_table_a_field_names_exists_and_every_type_has_a_reader():
    named = {item.section for table in TABLES.values() for item in table.fields if item.section}
    assert named <= set(TABLES)
    assert all(callable(getattr(_Validator, f"read_{kind}", None)) for kind in Type)


def test_every_question_kind_has_its_authoring_rules():
    kinds = TABLES["question"].field("kind").choices
    assert tuple(KIND_RULES) == kinds


# Columns no key fills: the loader sets them from where a value stands in the file.
FROM_THE_SHAPE = {
    "Event.timeline",
    "Quiz.timeline",
    "Quiz.created_at",
    "Quiz.updated_at",
    "Question.quiz",
    "Question.position",
    "Choice.question",
    "Choice.position",
    # A question's picture: the key `image` names a file beside the YAML; the loader
    # stores the cleaned file under a random name and records its size.
    "Question.image",
    "Question.image_width",
    "Question.image_height",
}


@pytest.mark.parametrize(
    "table", [table for table in TABLES.values() if table.model], ids=lambda table: table.name
)
def test_every_column_of_a_stored_section_is_checked_against_a_key(table: Table):
    model = apps.get_model("quizzes", table.model)
    fields = {f"{table.model}.{field.name}" for field in model._meta.concrete_fields}
    stored = {item.column for _table, item in COLUMNS}
    missing = fields - stored - FROM_THE_SHAPE - {f"{table.model}.id"}
    assert not missing, f"no key of {table.name} fills {sorted(missing)}"


def test_the_docs_show_the_tables_as_the_module_prints_them():
    text = DOCS.read_text(encoding="utf-8")
    start = text.index("<!-- field tables:")
    start = text.index("\n", start) + 1
    end = text.index("<!-- end of field tables -->")
    assert text[start:end] == markdown(), "run: python -m quizzes.schema_fields"

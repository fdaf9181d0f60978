"""This server's CSV: the documented header, every question kind, and every bad cell
reported by row and column. Pure: no database."""

import pytest

from quizzes.spreadsheet import (
    CSV_COLUMNS,
    ImportedChoice,
    escape_formula,
    parse_table,
    read_table,
    unescape_formula,
)

from .spreadsheets import csv_bytes, sheet_bytes

HEADER = ["question", "answer_1", "answer_2", "answer_3", "answer_4", "correct", "explanation"]
GOOD = ["Who brokered Tashkent?", "Kosygin", "Brezhnev", "", "", "1", "Kosygin hosted it."]


def parse(rows, **options):
    return parse_table(read_table("quiz.csv", csv_bytes(rows, **options)))


def only_problem(rows):
    parsed = parse(rows)
    assert len(parsed.problems) == 1, [str(p) for p in parsed.problems]
    return parsed.problems[0]


def test_the_documented_example_is_read():
    rows = [
        [*HEADER, "time_limit"],
        [*GOOD, "30"],
        ["Pakistan joined SEATO in 1954.", "True", "False", "", "", "1", "It joined in 1954.", ""],
    ]
    parsed = parse(rows)
    assert parsed.problems == [] and parsed.layout == "csv"
    choice, true_false = parsed.questions
    assert choice.row == 2 and choice.kind == "choice" and choice.time_limit_s == 30
    assert choice.explanation == "Kosygin hosted it."
    assert choice.choices == (ImportedChoice("Kosygin", True), ImportedChoice("Brezhnev"))
    assert true_false.kind == "true_false" and true_false.time_limit_s is None


def test_only_the_question_column_is_required():
    parsed = parse([["question", "kind", "answer_year"], ["Year of Tashkent?", "", "1966"]])
    assert parsed.problems == []
    assert parsed.questions[0].kind == "year_guess"
    assert parsed.questions[0].answer_year == 1966


def test_headings_are_read_loosely_and_any_delimiter_excel_writes_works():
    rows = [["Question", "Answer 1", "Answer-2", "Correct", "Time Limit"], [*GOOD[:3], "2", "10"]]
    for options in ({}, {"delimiter": ";"}, {"delimiter": "\t"}, {"bom": True}):
        parsed = parse(rows, **options)
        assert parsed.problems == [], options
        assert parsed.questions[0].choices[1].correct
        assert parsed.questions[0].time_limit_s == 10


def test_every_kind_and_every_column():
    rows = [
        list(CSV_COLUMNS),
        [
            "Put in order",
            "Partition",
            "Tashkent",
            "Geneva",
            "",
            "",
            "60",
            "Earliest first.",
            "order",
            "2",
            "",
            "1947",
            "",
            "1988",
            "",
            "put-in-order",
        ],
        ["Year?", "", "", "", "", "", "", "1966.", "year_guess", "0", "1966", "", "", "", "", ""],
    ]
    order, year = parse(rows).questions
    assert order.kind == "order" and order.slug == "put-in-order" and order.slug_given
    assert order.points_multiplier == 2 and order.time_limit_s == 60
    assert [(c.text, c.correct, c.note) for c in order.choices] == [
        ("Partition", False, "1947"),
        ("Tashkent", False, ""),
        ("Geneva", False, "1988"),
    ]
    assert year.kind == "year_guess" and year.answer_year == 1966 and year.choices == ()
    assert year.points_multiplier == 0


def test_the_csv_layout_is_also_read_from_an_xlsx():
    parsed = parse_table(read_table("quiz.xlsx", sheet_bytes([HEADER, GOOD])))
    assert parsed.problems == [] and parsed.layout == "csv" and parsed.file_type == "xlsx"


def test_cells_starting_with_formula_signs_are_stored_as_text():
    rows = [HEADER, ["=1+1 is?", "+2", "-2", "@two", "=SUM(A1:A2)", "1", "@explained"]]
    question = parse(rows).questions[0]
    assert question.prompt == "=1+1 is?"
    assert [c.text for c in question.choices] == ["+2", "-2", "@two", "=SUM(A1:A2)"]
    assert question.explanation == "@explained"


@pytest.mark.parametrize(
    "text", ["=1+1", "-5", "@x", "+1", "'=x", "''-x", "plain", "'plain", "it's", ""]
)
def test_the_exporters_apostrophe_is_undone_exactly(text):
    assert unescape_formula(escape_formula(text)) == text


def test_an_escaped_cell_reads_back_as_the_text_it_was():
    question = parse([HEADER, ["'=1+1 is?", "'-2", "'+2", "", "", "1", "''=x"]]).questions[0]
    assert question.prompt == "=1+1 is?"
    assert [c.text for c in question.choices] == ["-2", "+2"]
    assert question.explanation == "'=x"


def test_a_quoted_line_break_is_allowed_in_a_question_but_not_in_an_answer():
    parsed = parse([HEADER, ["Line one\nline two", "a\nb", "c", "", "", "1", "x"]])
    assert [(p.row, p.column) for p in parsed.problems] == [(2, "B")]
    assert "line break" in parsed.problems[0].message


def test_control_characters_are_refused():
    problem = only_problem([HEADER, ["Q\x07?", "a", "b", "", "", "1", "x"]])
    assert (problem.row, problem.column) == (2, "A")
    assert "invisible control character" in problem.message


def test_an_unknown_column_is_refused_with_the_columns_that_exist():
    problem = only_problem([["question", "answers_1", "correct"], ["Q?", "a", "1"]])
    assert (problem.row, problem.column, problem.value) == (1, "B", "“answers_1”")
    assert "unknown column (did you mean answer_1?)" in problem.message
    assert "question, answer_1" in problem.message


def test_a_column_given_twice_is_refused():
    problem = only_problem([["question", "answer_1", "Answer 1"], ["Q?", "a", "b"]])
    assert (problem.row, problem.column) == (1, "C")
    assert problem.message == "this column appears twice"


@pytest.mark.parametrize(
    ("cells", "column", "expected"),
    [
        ({"kind": "essay"}, "B", "expected one of choice, true_false, order, year_guess"),
        ({"points": "3"}, "B", "expected 1 (normal points), 2 (double points) or 0"),
        ({"slug": "Not A Slug"}, "B", "not a slug"),
        ({"answer_year": "1966"}, "B", "only guess-the-year questions"),
        ({"note_3": "why"}, "B", "a note for answer 3, which is empty"),
        ({"kind": "order"}, "C", "a put-in-order question needs 3 or 4 answers"),
        ({"kind": "year_guess"}, None, "a guess-the-year question needs its answer year"),
        ({"kind": "true_false"}, "C", 'exactly two answers, "True" and "False"'),
    ],
)
def test_a_bad_cell_is_reported_with_row_and_column(cells, column, expected):
    header = ["question", *cells, "answer_1", "answer_2", "correct"]
    row = ["Q?", *cells.values(), "a", "b", "1"]
    problems = parse([header, row]).problems
    matching = [p for p in problems if expected in p.message]
    assert len(matching) == 1, [str(p) for p in problems]
    assert (matching[0].row, matching[0].column) == (2, column)
    if column is None:
        # The file has no answer_year column: the message names the one to add.
        assert str(matching[0]).startswith("Row 2, column answer_year (not in this file): ")


def test_an_order_question_with_a_correct_number_is_refused():
    rows = [
        ["question", "kind", "answer_1", "answer_2", "answer_3", "correct"],
        ["Order?", "order", "a", "b", "c", "1"],
    ]
    problem = only_problem(rows)
    assert problem.column == "F" and "no correct answer number" in problem.message


def test_a_duplicate_slug_is_reported():
    rows = [["question", "slug", "answer_1", "answer_2", "correct"]]
    rows += [["One?", "same", "a", "b", "1"], ["Two?", "same", "a", "b", "1"]]
    problem = only_problem(rows)
    assert (problem.row, problem.column) == (3, "B")
    assert problem.message == "duplicate slug: row 2 has it too"


def test_a_csv_without_a_question_column_is_neither_layout():
    from quizzes.spreadsheet import FileRefused

    with pytest.raises(FileRefused) as caught:
        parse([["prompt", "answer_1"], ["Q?", "a"]])
    assert "a CSV starts with a header row naming at least the column “question”" in str(
        caught.value
    )


def test_the_example_in_the_authoring_docs_imports_cleanly():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "authoring.md").read_text(encoding="utf-8")
    example = text.split("```csv\n", 1)[1].split("```", 1)[0]
    parsed = parse_table(read_table("example.csv", example.encode("utf-8")))
    assert parsed.problems == []
    assert [q.kind for q in parsed.questions] == ["choice", "true_false"]
    assert parsed.questions[0].explanation.startswith("Kosygin, the Soviet Premier")


def test_a_verdict_question_cannot_come_from_a_spreadsheet():
    # It needs the event the class judges, which no column names.
    problem = only_problem([["question", "kind"], ["Was Tashkent a success?", "verdict"]])
    assert problem.column == "B" and problem.row == 2
    assert "a verdict question needs the event the class judges" in problem.message
    assert "write it in the quiz's YAML or in the admin" in problem.message

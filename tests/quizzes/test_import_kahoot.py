"""Kahoot's quiz template: its layout read exactly, and every bad row reported by row and
column with the value and what was expected. Pure: no database."""

import datetime

import pytest

from quizzes.schema_fields import CHOICE_TEXT_MAX
from quizzes.spreadsheet import (
    PROMPT_MAX,
    ImportedChoice,
    parse_table,
    question_slug,
    read_table,
)

from .spreadsheets import GOOD_ROWS, Text, kahoot_bytes


def parse(rows, **options):
    return parse_table(read_table("quiz.xlsx", kahoot_bytes(rows, **options)))


def only_problem(rows, **options):
    parsed = parse(rows, **options)
    assert len(parsed.problems) == 1, [str(p) for p in parsed.problems]
    return parsed.problems[0]


def test_the_template_layout_is_read_row_9_onwards_columns_b_to_h():
    parsed = parse(GOOD_ROWS, numbered_to=100)
    assert parsed.problems == []
    first, second, third = parsed.questions
    assert (first.row, second.row, third.row) == (9, 10, 11)
    assert first.prompt == "Who brokered the Tashkent Declaration?"
    assert first.kind == "choice"
    assert first.choices == (
        ImportedChoice("Kosygin", correct=True),
        ImportedChoice("Brezhnev"),
        ImportedChoice("Gromyko"),
    )
    assert first.time_limit_s == 20
    # The template carries no explanation, points or notes: None means "not given".
    assert (first.explanation, first.points_multiplier, first.choices[0].note) == (None,) * 3
    assert first.slug == question_slug(first.prompt, ["Kosygin", "Brezhnev", "Gromyko"])
    assert first.slug.startswith("who-brokered-the-tashkent-declaration-")
    assert not first.slug_given
    assert third.time_limit_s == 30


def test_two_answers_true_and_false_make_a_true_false_question():
    rows = [
        ["Typed as text", "true", "FALSE", None, None, 20, 2],
        ["Excel booleans", True, False, None, None, 20, 1],
    ]
    typed, booleans = parse(rows).questions
    assert typed.kind == booleans.kind == "true_false"
    assert [(c.text, c.correct) for c in typed.choices] == [("True", False), ("False", True)]
    assert [(c.text, c.correct) for c in booleans.choices] == [("True", True), ("False", False)]


def test_the_header_is_found_by_its_text_when_an_instruction_row_was_deleted():
    parsed = parse(GOOD_ROWS, header_row=7)
    assert parsed.problems == []
    assert parsed.questions[0].row == 8


def test_an_explanation_in_column_i_is_read_when_its_header_says_so():
    rows = [[*GOOD_ROWS[0], "Alexei Kosygin, the Soviet Premier, hosted both leaders."]]
    assert parse(rows, explanation=True).questions[0].explanation.startswith("Alexei Kosygin")
    assert parse(rows).questions[0].explanation is None  # no header in I: not read


def test_gaps_between_answers_are_closed_and_the_correct_answer_follows_its_text():
    question = parse([["Gap?", "a", None, "c", None, 20, 3]]).questions[0]
    assert [(c.text, c.correct) for c in question.choices] == [("a", False), ("c", True)]


def test_numbers_typed_as_answers_become_their_text():
    question = parse([["Year?", 1965, 1966.0, 1971, None, 20.0, 2.0]]).questions[0]
    assert [c.text for c in question.choices] == ["1965", "1966", "1971"]
    assert question.time_limit_s == 20


def test_an_empty_time_limit_means_the_default_later():
    assert parse([["Q?", "a", "b", None, None, None, 1]]).questions[0].time_limit_s is None


def test_text_that_looks_like_a_formula_is_kept_as_text():
    rows = [["Which is right?", Text("=2+2"), "+4", "-4", "@four", 20, 1]]
    question = parse(rows).questions[0]
    assert [c.text for c in question.choices] == ["=2+2", "+4", "-4", "@four"]


@pytest.mark.parametrize(
    ("row", "column", "value", "expected"),
    [
        (["=A1", "a", "b", None, None, 20, 1], "B", "“=A1”", "a formula where text belongs"),
        (["Q?", "=B9", "b", None, None, 20, 1], "C", "“=B9”", "a formula where text belongs"),
        (["Q?", "a", "b", None, None, "=10*2", 1], "G", "“=10*2”", "a formula where a number"),
        (["Q?", "a", "b", None, None, 20, "=1"], "H", "“=1”", "formula where the answer number"),
        (["Q?", "#N/A", "b", None, None, 20, 1], "C", "“#N/A”", "a spreadsheet error value"),
        (
            ["Q?", datetime.datetime(2024, 1, 2), "b", None, None, 20, 1],
            "C",
            "“2024-01-02 00:00:00”",
            "turned this into a date",
        ),
        (["x" * (PROMPT_MAX + 1), "a", "b", None, None, 20, 1], "B", "", "too long: 501"),
        (
            ["Q?", "a" * (CHOICE_TEXT_MAX + 1), "b", None, None, 20, 1],
            "C",
            "",
            f"too long: {CHOICE_TEXT_MAX + 1} characters, at most {CHOICE_TEXT_MAX}",
        ),
        (["Q?", "a", "b", None, None, 20, None], "H", "", "no correct answer"),
        (["Q?", "a", "b", "c", None, 20, "1,3"], "H", "“1,3”", "several correct answers"),
        (["Q?", "a", "b", None, None, 20, 5], "H", "“5”", "1 to 4"),
        (["Q?", "a", "b", None, None, 20, "B"], "H", "“B”", "1 to 4"),
        (["Q?", "a", "b", None, None, 20, 3], "H", "“3”", "answer 3 is marked correct but"),
        (["Q?", "a", "b", None, None, 20, "1,1"], "H", "“1,1”", "repeated"),
        (["Q?", "a", "b", None, None, 300, 1], "G", "“300”", "time limit not allowed"),
        (["Q?", "a", "b", None, None, 3, 1], "G", "“3”", "time limit not allowed"),
        (["Q?", "a", "b", None, None, 7.5, 1], "G", "“7.5”", "time limit not allowed"),
        (["Q?", "a", "b", None, None, "ten", 1], "G", "“ten”", "time limit not allowed"),
        (["Q?", "a", None, None, None, 20, 1], "D", "", "needs at least 2 answers"),
        (["Q?", "a", "A", None, None, 20, 1], "D", "“A”", "the same text as answer 1"),
        ([None, "a", "b", None, None, 20, 1], "B", "", "answers but no question text"),
        (["Q?", "True", "False", None, None, 20, "1,2"], "H", "“1,2”", "only one of True/False"),
        (["Q?", "True", "False", None, None, 20, None], "H", "", "give 1 or 2"),
    ],
)
def test_a_bad_cell_is_reported_with_row_column_value_and_what_was_expected(
    row, column, value, expected
):
    problem = only_problem([GOOD_ROWS[0], row])
    assert (problem.row, problem.column) == (10, column)
    assert expected in problem.message
    if value:
        assert problem.value == value
    text = str(problem)
    assert text.startswith(f"Row 10, column {column} (") and expected in text


def test_a_duplicate_question_is_reported_at_its_second_row():
    again = ["  who BROKERED the Tashkent  Declaration? ", "gromyko", "KOSYGIN", "Brezhnev"]
    problem = only_problem([GOOD_ROWS[0], GOOD_ROWS[1], [*again, None, 20, 2]])
    assert (problem.row, problem.column) == (11, "B")
    assert problem.message == "duplicate question: the same question and answers as row 9"


def test_the_same_text_with_other_answers_is_another_question():
    rows = [
        ["Which came first?", "Partition", "Tashkent", None, None, 20, 1],
        ["Which came first?", "U-2 incident", "Geneva Accords", None, None, 20, 1],
    ]
    parsed = parse(rows)
    assert parsed.problems == []
    first, second = parsed.questions
    assert first.slug != second.slug


def test_every_problem_of_the_file_is_listed_row_by_row_left_to_right():
    rows = [
        ['=HYPERLINK("http://x")', "a", "b", None, None, 20, 1],
        GOOD_ROWS[0],
        ["Q?", "a", "b", None, None, 999, 9],
    ]
    problems = parse(rows).problems
    assert [(p.row, p.column) for p in problems] == [(9, "B"), (11, "G"), (11, "H")]
    # A row with problems yields no question; the good one still parses.
    assert [q.row for q in parse(rows).questions] == [10]


def test_rows_with_only_kahoots_number_or_settings_are_skipped():
    rows = [GOOD_ROWS[0], [None, None, None, None, None, 20, None], GOOD_ROWS[1]]
    parsed = parse(rows, numbered_to=100)
    assert parsed.problems == []
    assert [q.row for q in parsed.questions] == [9, 11]


def test_an_empty_template_says_there_are_no_questions():
    problem = only_problem([], numbered_to=100)
    assert problem.message == "no questions found below the header in row 8"


def test_a_row_with_a_bad_time_limit_still_has_its_answer_rules_checked():
    problems = parse([["Q?", "a", "b", "c", None, 300, "1,3"]]).problems
    assert [(p.row, p.column) for p in problems] == [(9, "G"), (9, "H")]
    assert "several correct answers" in problems[1].message

"""Writing an imported file: one transaction, nothing written on any problem, the same
file twice changes nothing, and what an import does to an existing quiz."""

import pytest
from django.core.validators import MaxValueValidator, MinValueValidator

from quizzes import transfer
from quizzes.models import Choice, Question, Quiz
from quizzes.schema_fields import CHOICE_TEXT_MAX, QUESTION_SLUG_MAX, TIME_LIMIT_MAX, TIME_LIMIT_MIN
from quizzes.spreadsheet import CHOICE_NOTE_MAX, Problem, parse_table, read_table
from quizzes.transfer import (
    ImportRefused,
    PlannedQuestion,
    import_file,
    title_from_name,
    vet_questions,
)

from .spreadsheets import GOOD_ROWS, csv_bytes, kahoot_bytes

pytestmark = pytest.mark.django_db

KAHOOT = kahoot_bytes(GOOD_ROWS)


def snapshot() -> list[tuple]:
    """Every quiz, question and choice row with its id and values."""
    return [
        *Quiz.objects.order_by("id").values_list("id", "slug", "title", "updated_at"),
        *Question.objects.order_by("id").values_list(
            "id", "quiz_id", "slug", "position", "kind", "prompt", "explanation",
            "time_limit_s", "points_multiplier", "answer_year",
        ),
        *Choice.objects.order_by("id").values_list(
            "id", "question_id", "position", "text", "is_correct", "note"
        ),
    ]  # fmt: skip


@pytest.fixture
def history():
    """A quiz with a hand-written question carrying an explanation and choice notes."""
    quiz = Quiz.objects.create(slug="history", title="History")
    question = Question.objects.create(
        quiz=quiz,
        slug="tashkent-mediator",
        position=0,
        prompt="Who brokered the Tashkent Declaration?",
        explanation="Alexei Kosygin, the Soviet Premier, hosted both leaders.",
        time_limit_s=30,
    )
    for position, (text, correct, note) in enumerate(
        [("Kosygin", True, ""), ("Brezhnev", False, "Party leader, not the host")]
    ):
        Choice.objects.create(
            question=question, position=position, text=text, is_correct=correct, note=note
        )
    Question.objects.create(
        quiz=quiz, slug="other", position=1, prompt="Untouched?", explanation="Yes."
    )
    return quiz


def test_the_import_limits_are_the_models_limits():
    assert Choice._meta.get_field("text").max_length == CHOICE_TEXT_MAX
    assert Choice._meta.get_field("note").max_length == CHOICE_NOTE_MAX
    assert Question._meta.get_field("slug").max_length == QUESTION_SLUG_MAX
    validators = Question._meta.get_field("time_limit_s").validators
    assert MinValueValidator(TIME_LIMIT_MIN) in validators
    assert MaxValueValidator(TIME_LIMIT_MAX) in validators


def test_a_kahoot_file_makes_a_new_quiz_in_file_order():
    report = import_file(name="Tashkent unit.xlsx", data=KAHOOT)
    quiz = Quiz.objects.get(slug=report.quiz_slug)
    assert report.quiz_created and quiz.title == "Tashkent unit"
    assert quiz.slug.startswith("tashkent-unit-")
    questions = list(quiz.questions.order_by("position"))
    assert [q.prompt for q in questions] == [row[0] for row in GOOD_ROWS]
    assert [q.position for q in questions] == [0, 1, 2]
    assert [q.kind for q in questions] == ["choice", "true_false", "choice"]
    assert [q.time_limit_s for q in questions] == [20, 10, 30]
    assert [(c.text, c.is_correct) for c in questions[0].choices.all()] == [
        ("Kosygin", True),
        ("Brezhnev", False),
        ("Gromyko", False),
    ]
    # The template has no explanation: a stand-in, and the report says which rows.
    assert questions[0].explanation == "The answer is: Kosygin."
    assert report.default_explanations == [9, 10, 11]
    assert [row for row, _ in report.created] == [9, 10, 11]


def test_an_imported_quiz_can_be_played():
    from quizzes.snapshot import quiz_snapshot

    report = import_file(name="quiz.xlsx", data=KAHOOT)
    snapshot_ = quiz_snapshot(quiz=Quiz.objects.get(slug=report.quiz_slug))
    assert [q["kind"] for q in snapshot_] == ["choice", "true_false", "choice"]
    assert all(len(q["correct_choice_ids"]) == 1 for q in snapshot_)


def test_importing_the_same_file_twice_changes_nothing():
    first = import_file(name="quiz.xlsx", data=KAHOOT)
    before = snapshot()
    second = import_file(name="quiz.xlsx", data=KAHOOT)
    assert snapshot() == before
    assert second.quiz_slug == first.quiz_slug and not second.quiz_created
    assert not second.changed
    assert [row for row, _ in second.unchanged] == [9, 10, 11]


def test_the_same_questions_resaved_are_still_the_same_file():
    import_file(name="quiz.xlsx", data=KAHOOT)
    resaved = csv_bytes(
        [["question", "answer_1", "answer_2", "answer_3", "time_limit", "correct"]]
        + [[r[0], r[1], r[2], r[3] or "", r[5], r[6]] for r in GOOD_ROWS]
    )
    before = snapshot()
    report = import_file(name="quiz.csv", data=resaved)
    # Same title and same questions: the same quiz, nothing to change.
    assert not report.changed and snapshot() == before


def test_nothing_is_written_when_any_row_has_a_problem():
    rows = [*GOOD_ROWS, ["Bad?", "a", "b", None, None, 20, "1,2"]]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        import_file(name="quiz.xlsx", data=kahoot_bytes(rows))
    assert snapshot() == before
    assert [(p.row, p.column) for p in caught.value.problems] == [(12, "H")]


def test_a_problem_found_while_writing_rolls_back_the_new_quiz(monkeypatch):
    monkeypatch.setattr(
        transfer, "vet_questions", lambda **kw: [Problem("refused by the gate", row=10)]
    )
    before = snapshot()
    with pytest.raises(ImportRefused, match="Row 10: refused by the gate"):
        import_file(name="quiz.xlsx", data=KAHOOT)
    assert snapshot() == before


def test_every_question_passes_the_gate_before_it_is_written(monkeypatch):
    seen = []

    def spy(*, questions, quiz):
        seen.extend((q.row, q.prompt, Question.objects.filter(prompt=q.prompt).exists())
                    for q in questions)  # fmt: skip
        return []

    monkeypatch.setattr(transfer, "vet_questions", spy)
    import_file(name="quiz.xlsx", data=KAHOOT)
    assert [(row, prompt) for row, prompt, _ in seen] == [
        (9 + i, row[0]) for i, row in enumerate(GOOD_ROWS)
    ]
    assert not any(written for _, _, written in seen)


def test_the_gate_applies_the_seed_file_rules_and_names_the_row():
    bad = PlannedQuestion(
        row=7,
        slug="bad",
        prompt="Two right answers?",
        kind="choice",
        choices=(
            transfer.ExportChoice("a", True),
            transfer.ExportChoice("b", True),
        ),
        time_limit_s=20,
        points_multiplier=1,
        explanation="x",
        answer_year=None,
    )
    problems = vet_questions(questions=[bad], quiz=None)
    assert [(p.row, p.message) for p in problems] == [
        (7, "choices: exactly one choice must be correct, got 2")
    ]


def test_a_dry_run_reports_and_writes_nothing():
    before = snapshot()
    report = import_file(name="quiz.xlsx", data=KAHOOT, dry_run=True)
    assert report.dry_run and report.quiz_created and len(report.created) == 3
    assert snapshot() == before


def test_into_a_quiz_new_questions_go_after_and_others_are_left_alone(history):
    report = import_file(name="more.xlsx", data=KAHOOT, quiz_slug="history")
    assert not report.quiz_created
    assert [row for row, _ in report.updated] == [9]  # the Tashkent question, by its text
    assert [row for row, _ in report.created] == [10, 11]
    questions = list(history.questions.order_by("position"))
    assert [q.slug for q in questions[:2]] == ["tashkent-mediator", "other"]
    assert [q.position for q in questions] == [0, 1, 2, 3]
    assert questions[1].prompt == "Untouched?"


def test_an_update_keeps_what_the_file_does_not_carry(history):
    import_file(name="more.xlsx", data=KAHOOT, quiz_slug="history")
    question = history.questions.get(slug="tashkent-mediator")
    # Kahoot's template has no explanation or notes: the stored ones stay.
    assert question.explanation == "Alexei Kosygin, the Soviet Premier, hosted both leaders."
    assert [(c.text, c.note) for c in question.choices.all()] == [
        ("Kosygin", ""),
        ("Brezhnev", "Party leader, not the host"),
        ("Gromyko", ""),
    ]
    assert question.time_limit_s == 20  # the file carries the time limit: it wins


def test_updating_into_a_quiz_twice_changes_nothing_the_second_time(history):
    import_file(name="more.xlsx", data=KAHOOT, quiz_slug="history")
    before = snapshot()
    report = import_file(name="more.xlsx", data=KAHOOT, quiz_slug="history")
    assert not report.changed and snapshot() == before


def test_the_slug_column_lets_a_corrected_question_text_update_its_question(history):
    rows = [
        ["slug", "question", "answer_1", "answer_2", "correct"],
        ["tashkent-mediator", "Who hosted the Tashkent talks in 1966?", "Kosygin", "Brezhnev", "1"],
    ]
    report = import_file(name="fix.csv", data=csv_bytes(rows), quiz_slug="history")
    assert [row for row, _ in report.updated] == [2] and not report.created
    question = history.questions.get(slug="tashkent-mediator")
    assert question.prompt == "Who hosted the Tashkent talks in 1966?"


def test_a_question_the_quiz_already_has_under_another_slug_is_a_duplicate(history):
    rows = [
        ["slug", "question", "answer_1", "answer_2", "correct"],
        ["new-slug", "who brokered the tashkent declaration?", "Kosygin", "Brezhnev", "1"],
    ]
    before = snapshot()
    with pytest.raises(ImportRefused) as caught:
        import_file(name="dup.csv", data=csv_bytes(rows), quiz_slug="history")
    assert snapshot() == before
    (problem,) = caught.value.problems
    assert problem.row == 2
    assert "duplicate question: the quiz already has it (slug “tashkent-mediator”)" in str(problem)


def test_two_rows_may_not_update_the_same_question(history):
    rows = [
        ["slug", "question", "answer_1", "answer_2", "correct"],
        ["", "Who brokered the Tashkent Declaration?", "Kosygin", "Brezhnev", "1"],
        ["tashkent-mediator", "Who hosted the talks?", "Kosygin", "Brezhnev", "1"],
    ]
    with pytest.raises(ImportRefused) as caught:
        import_file(name="two.csv", data=csv_bytes(rows), quiz_slug="history")
    (problem,) = caught.value.problems
    assert problem.row == 3 and "both match the quiz's question “tashkent-mediator”" in str(problem)


def test_an_unknown_quiz_is_refused_and_nothing_is_written():
    before = snapshot()
    with pytest.raises(ImportRefused, match="there is no quiz with the slug “nope”"):
        import_file(name="quiz.xlsx", data=KAHOOT, quiz_slug="nope")
    assert snapshot() == before


def test_a_new_quiz_gets_its_title_from_the_file_name_unless_given():
    assert title_from_name("C:\\Users\\t\\Unit_3  review.xlsx") == "Unit 3 review"
    report = import_file(name="x.xlsx", data=KAHOOT, title="Chapter 4")
    assert Quiz.objects.get(slug=report.quiz_slug).title == "Chapter 4"


def test_a_kind_change_replaces_the_choices(history):
    rows = [
        ["slug", "question", "kind", "answer_year"],
        ["tashkent-mediator", "In which year was the Tashkent Declaration?", "year_guess", "1966"],
    ]
    import_file(name="kind.csv", data=csv_bytes(rows), quiz_slug="history")
    question = history.questions.get(slug="tashkent-mediator")
    assert (question.kind, question.answer_year) == ("year_guess", 1966)
    assert question.choices.count() == 0


def test_parsing_problems_are_refused_before_the_database_is_touched(django_assert_num_queries):
    parsed = parse_table(read_table("q.csv", csv_bytes([["question", "correct"], ["Q?", "9"]])))
    with django_assert_num_queries(0), pytest.raises(ImportRefused):
        transfer.quiz_import(parsed=parsed)


def test_questions_sharing_a_text_are_matched_by_their_answers():
    rows = [
        ["Which came first?", "Partition", "Tashkent", None, None, 20, 1],
        ["Which came first?", "U-2 incident", "Geneva Accords", None, None, 20, 1],
    ]
    first = import_file(name="which.xlsx", data=kahoot_bytes(rows))
    assert len(first.created) == 2
    before = snapshot()
    again = import_file(name="which.xlsx", data=kahoot_bytes(rows), quiz_slug=first.quiz_slug)
    assert not again.changed and snapshot() == before
    # A changed time limit on one of them still finds it by its question and answers.
    rows[1][5] = 60
    changed = import_file(name="which.xlsx", data=kahoot_bytes(rows), quiz_slug=first.quiz_slug)
    assert [row for row, _ in changed.updated] == [10] and not changed.created


def test_a_stored_question_whose_slug_the_admin_allowed_can_still_be_updated(history):
    # Django's SlugField accepts capitals and underscores; the seed rules do not.
    Question.objects.filter(slug="tashkent-mediator").update(slug="Tashkent_Q1")
    report = import_file(name="more.xlsx", data=KAHOOT, quiz_slug="history")
    assert [row for row, _ in report.updated] == [9]
    assert history.questions.get(slug="Tashkent_Q1").time_limit_s == 20

"""Import questions from a spreadsheet into a quiz, and export a quiz as one.

Reading and checking the file is `quizzes/spreadsheet.py` (pure); this module matches the
file's questions against the database and writes them: one transaction, the target quiz
row locked, nothing written unless every question passes. Importing the same file twice
changes nothing: questions are matched by slug (the CSV's `slug` column) or by their
text, and values are compared before anything is saved.

What an import does with a quiz (docs/authoring.md, "What an import changes"):
- `quiz_slug` given: the file's questions are added to that quiz, or update the question
  they match; the quiz's other questions are left alone.
- no `quiz_slug`: a new quiz, its slug made from the title and a digest of the questions,
  so importing the same file again finds that quiz and changes nothing.

Every question passes through `vet_questions` before anything is written: the single
gate where the content rules (and the quiz linter, when it lands) are applied.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import transaction
from django.db.models import Max

from quizzes.models import Choice, Question, Quiz
from quizzes.schema_fields import SLUG_MAX, TIME_LIMIT_DEFAULT, TITLE_MAX
from quizzes.spreadsheet import (
    ExportChoice,
    ExportQuestion,
    FileRefused,
    ImportedQuestion,
    ParsedFile,
    Problem,
    content_key,
    default_explanation,
    kahoot_warnings,
    kahoot_xlsx,
    parse_table,
    problem_order,
    prompt_key,
    quiz_csv,
    read_table,
    show_value,
    slugify,
)
from quizzes.yaml_schema import SchemaError, validate_questions


class ImportRefused(FileRefused):
    """The file cannot be imported; nothing was written. `problems` lists every reason:
    the file's (`FileRefused`), its rows' or the database's."""


@dataclass(frozen=True)
class PlannedQuestion:
    """A question exactly as it will be stored, with the row it came from."""

    row: int
    slug: str
    prompt: str
    kind: str
    choices: tuple[ExportChoice, ...]
    time_limit_s: int
    points_multiplier: int
    explanation: str
    answer_year: int | None
    # The stored question this updates, or None for a new one.
    existing_id: int | None = None
    explanation_defaulted: bool = False

    def as_document(self) -> dict:
        """The question as a seed-YAML mapping (docs/yaml-schema.md)."""
        data: dict = {
            "slug": self.slug,
            "kind": self.kind,
            "prompt": self.prompt,
            "time_limit_s": self.time_limit_s,
            "points_multiplier": self.points_multiplier,
            "explanation": self.explanation,
        }
        if self.choices:
            data["choices"] = [
                {"text": c.text, "note": c.note}
                | ({"correct": True} if c.correct and self.kind != "order" else {})
                for c in self.choices
            ]
        if self.answer_year is not None:
            data["answer_year"] = self.answer_year
        return data


@dataclass
class ImportReport:
    quiz_slug: str
    quiz_title: str
    quiz_created: bool
    layout: str
    dry_run: bool = False
    created: list[tuple[int, str]] = field(default_factory=list)
    updated: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    # Rows whose question got the stand-in explanation (the file had none).
    default_explanations: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.quiz_created or bool(self.created or self.updated)

    def lines(self) -> list[str]:
        where = f"“{self.quiz_title}” (slug {self.quiz_slug})"
        lines = [
            ("New quiz " if self.quiz_created else "Into quiz ")
            + where
            + f", from a {self.layout}:",
            f"{len(self.created)} questions added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} already up to date.",
        ]
        if self.default_explanations:
            rows = ", ".join(str(row) for row in self.default_explanations)
            lines.append(
                "The file gave no explanation for rows "
                f"{rows}; each got “The answer is: ...”. Write a real explanation for the "
                "reveal in the admin."
            )
        return lines


# -- The gate -----------------------------------------------------------------------------

_PATH_RE = re.compile(r"^questions\[(\d+)\](?:\.([a-z_]+))?(?:\[(\d+)\])?(?:\.([a-z_]+))?: (.*)$")


def vet_questions(*, questions: Sequence[PlannedQuestion], quiz: Quiz | None) -> list[Problem]:
    """Every problem with the questions about to be written; an empty list lets them
    through. The single place every imported question passes before it is stored.

    Today: the seed-file rules of docs/yaml-schema.md (kinds, choices, one correct
    answer, lengths, time limits), so an imported question is one `load_seeds` and the
    admin would accept. The quiz linter adds its findings here (`quiz` is the target,
    None for a quiz not created yet), each as a Problem on the question's row."""
    documents = []
    for index, question in enumerate(questions):
        # Slugs are checked where they are made (the file's, or generated); a stored
        # question keeps the slug the admin gave it, which may not fit the seed rules.
        documents.append(question.as_document() | {"slug": f"question-{index + 1}"})
    try:
        validate_questions(documents)
    except SchemaError as exc:
        problems = []
        for error in exc.errors:
            match = _PATH_RE.match(error)
            if match is None:
                problems.append(Problem(error))
                continue
            index, key, choice, choice_key, message = match.groups()
            where = key or ""
            if choice is not None:
                where += f" {int(choice) + 1}" + (f" {choice_key}" if choice_key else "")
            problems.append(
                Problem(
                    f"{where}: {message}" if where else message,
                    row=questions[int(index)].row,
                )
            )
        return problems
    return []


# -- Import -------------------------------------------------------------------------------


def title_from_name(name: str) -> str:
    """A quiz title from an uploaded file's name: `History test.xlsx` → `History test`."""
    stem = PurePath(name.replace("\\", "/")).stem
    title = " ".join(re.sub(r"[_]+", " ", stem).split())
    return title[:TITLE_MAX] or "Imported quiz"


def new_quiz_slug(title: str, parsed: ParsedFile) -> str:
    digest = parsed.fingerprint()[:8]
    words = slugify(title, SLUG_MAX - len(digest) - 1) or "imported-quiz"
    return f"{words}-{digest}"


def _stored_choices(question: Question) -> list[tuple[str, bool, str]]:
    return [(c.text, c.is_correct, c.note) for c in question.choices.all()]


def _plan(imported: ImportedQuestion, existing: Question | None) -> PlannedQuestion:
    stored_notes = {}
    if existing is not None:
        stored_notes = {c.text.casefold(): c.note for c in existing.choices.all()}
    choices = tuple(
        ExportChoice(
            text=c.text,
            correct=c.correct,
            # A file without note columns keeps the notes of answers it did not change.
            note=c.note if c.note is not None else stored_notes.get(c.text.casefold(), ""),
        )
        for c in imported.choices
    )
    explanation = imported.explanation
    defaulted = False
    if explanation is None:
        if existing is not None and existing.explanation.strip():
            explanation = existing.explanation
        else:
            explanation = default_explanation(imported.kind, imported.choices, imported.answer_year)
            defaulted = True

    def kept(value: int | None, name: str, default: int) -> int:
        if value is not None:
            return value
        return getattr(existing, name) if existing is not None else default

    return PlannedQuestion(
        row=imported.row,
        slug=existing.slug if existing is not None else imported.slug,
        prompt=imported.prompt,
        kind=imported.kind,
        choices=choices,
        time_limit_s=kept(imported.time_limit_s, "time_limit_s", TIME_LIMIT_DEFAULT),
        points_multiplier=kept(imported.points_multiplier, "points_multiplier", 1),
        explanation=explanation,
        answer_year=imported.answer_year if imported.kind == "year_guess" else None,
        existing_id=existing.pk if existing is not None else None,
        explanation_defaulted=defaulted,
    )


def _stored_key(question: Question) -> str:
    return content_key(
        question.prompt, [c.text for c in question.choices.all()], question.answer_year
    )


def _match(
    parsed: ParsedFile, existing: list[Question]
) -> tuple[list[PlannedQuestion], list[Problem]]:
    """Pair each row with the stored question it updates, if any: by the slug column
    when the file has one; otherwise by the same question and answers, or else by the
    question's text when exactly one stored question and one row have that text (so a
    corrected answer or time limit updates the question instead of adding another)."""
    by_slug = {q.slug: q for q in existing}
    by_content: dict[str, Question] = {}
    for q in existing:
        by_content.setdefault(_stored_key(q), q)
    stored_prompts = Counter(prompt_key(q.prompt) for q in existing)
    by_prompt = {prompt_key(q.prompt): q for q in existing}
    file_prompts = Counter(q.prompt_key for q in parsed.questions)
    problems: list[Problem] = []
    planned: list[PlannedQuestion] = []
    claimed: dict[int, int] = {}
    for imported in parsed.questions:
        if imported.slug_given:
            match = by_slug.get(imported.slug)
        else:
            match = by_content.get(imported.content_key) or by_slug.get(imported.slug)
            key = imported.prompt_key
            if match is None and stored_prompts[key] == 1 and file_prompts[key] == 1:
                match = by_prompt[key]
        if match is not None:
            first = claimed.setdefault(match.pk, imported.row)
            if first != imported.row:
                problems.append(
                    Problem(
                        f"this row and row {first} both match the quiz's question "
                        f"“{match.slug}”; each question may appear once",
                        row=imported.row,
                        value=show_value(imported.prompt),
                    )
                )
                continue
        planned.append(_plan(imported, match))
    # The quiz after the import must not hold the same question twice.
    untouched = {_stored_key(q): q for q in existing if q.pk not in claimed}
    for question in planned:
        other = untouched.get(
            content_key(question.prompt, [c.text for c in question.choices], question.answer_year)
        )
        if other is not None:
            problems.append(
                Problem(
                    f"duplicate question: the quiz already has it (slug “{other.slug}”); "
                    "give that slug in the slug column to update it instead",
                    row=question.row,
                    value=show_value(question.prompt),
                )
            )
    return planned, problems


def _write(quiz: Quiz, planned: Sequence[PlannedQuestion], report: ImportReport) -> None:
    stored = {q.pk: q for q in quiz.questions.prefetch_related("choices")}
    last = quiz.questions.aggregate(last=Max("position"))["last"]
    position = 0 if last is None else last + 1
    for question in planned:
        values = {
            "prompt": question.prompt,
            "kind": question.kind,
            "time_limit_s": question.time_limit_s,
            "points_multiplier": question.points_multiplier,
            "explanation": question.explanation,
            "answer_year": question.answer_year,
        }
        wanted = [(c.text, c.correct, c.note) for c in question.choices]
        entry = (question.row, question.prompt)
        if question.explanation_defaulted:
            report.default_explanations.append(question.row)
        if question.existing_id is None:
            row = Question.objects.create(
                quiz=quiz, slug=question.slug, position=position, **values
            )
            position += 1
            _replace_choices(row, wanted)
            report.created.append(entry)
            continue
        row = stored[question.existing_id]
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        choices_changed = _stored_choices(row) != wanted
        if changed:
            for name in changed:
                setattr(row, name, values[name])
            row.save(update_fields=changed)
        if choices_changed:
            _replace_choices(row, wanted)
        (report.updated if changed or choices_changed else report.unchanged).append(entry)


def _replace_choices(question: Question, wanted: list[tuple[str, bool, str]]) -> None:
    # Choices have no identity of their own (as in load_seeds): a changed list is
    # replaced whole. Games keep their own snapshot, so no running game is affected.
    question.choices.all().delete()
    Choice.objects.bulk_create(
        Choice(question=question, position=position, text=text, is_correct=correct, note=note)
        for position, (text, correct, note) in enumerate(wanted)
    )


def quiz_import(
    *, parsed: ParsedFile, quiz_slug: str | None = None, title: str = "", dry_run: bool = False
) -> ImportReport:
    """Write the file's questions (see the module docstring) in one transaction, or
    raise `ImportRefused` listing every problem and write nothing. `dry_run` does all
    the work and rolls it back."""
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    title = (title or "").strip()[:TITLE_MAX] or "Imported quiz"
    with transaction.atomic():
        if quiz_slug:
            quiz = Quiz.objects.select_for_update().filter(slug=quiz_slug).first()
            if quiz is None:
                raise ImportRefused(
                    [
                        Problem(
                            f"there is no quiz with the slug “{quiz_slug}”; leave the quiz "
                            "out to make a new one"
                        )
                    ]
                )
            created = False
        else:
            # get_or_create retries the read if a simultaneous import of the same file
            # created the quiz first (unique slug), so both end in the same quiz.
            quiz, created = Quiz.objects.get_or_create(
                slug=new_quiz_slug(title, parsed),
                defaults={
                    "title": title,
                    "description": f"Imported from a {parsed.layout_label}.",
                },
            )
            quiz = Quiz.objects.select_for_update().get(pk=quiz.pk)
        existing = list(quiz.questions.prefetch_related("choices"))
        planned, problems = _match(parsed, existing)
        problems += vet_questions(questions=planned, quiz=None if created else quiz)
        if problems:
            # Raising inside the block rolls back the quiz made above, if any.
            raise ImportRefused(sorted(problems, key=problem_order))
        report = ImportReport(
            quiz_slug=quiz.slug,
            quiz_title=quiz.title,
            quiz_created=created,
            layout=parsed.layout_label,
            dry_run=dry_run,
        )
        _write(quiz, planned, report)
        if dry_run:
            transaction.set_rollback(True)
    return report


def import_file(
    *, name: str, data: bytes, quiz_slug: str | None = None, title: str = "", dry_run: bool = False
) -> ImportReport:
    """Read, check and import an uploaded file; `ImportRefused` lists every problem."""
    try:
        parsed = parse_table(read_table(name, data))
    except FileRefused as exc:
        raise ImportRefused(exc.problems) from exc
    return quiz_import(
        parsed=parsed,
        quiz_slug=quiz_slug,
        title=title or title_from_name(name),
        dry_run=dry_run,
    )


# -- Export -------------------------------------------------------------------------------


def export_questions(*, quiz: Quiz) -> list[ExportQuestion]:
    """The quiz's questions in order, as the spreadsheet writers take them."""
    return [
        ExportQuestion(
            slug=q.slug,
            kind=q.kind,
            prompt=q.prompt,
            choices=tuple(
                ExportChoice(text=c.text, correct=c.is_correct, note=c.note)
                for c in q.choices.all()
            ),
            time_limit_s=q.time_limit_s,
            points_multiplier=q.points_multiplier,
            explanation=q.explanation,
            answer_year=q.answer_year,
        )
        for q in quiz.questions.prefetch_related("choices").order_by("position", "id")
    ]


def picture_warnings(*, quiz: Quiz) -> list[str]:
    """What a spreadsheet of `quiz` loses: its pictures (docs/authoring.md, "Pictures")."""
    slugs = list(quiz.questions.exclude(image="").values_list("slug", flat=True))
    if not slugs:
        return []
    return [
        f"{len(slugs)} question(s) have a picture, which a spreadsheet cannot carry "
        f"({', '.join(slugs)}): export as YAML to keep them. Importing this file back "
        "into the quiz keeps their pictures."
    ]


def quiz_export_xlsx(*, quiz: Quiz) -> tuple[bytes, list[str]]:
    """The quiz in Kahoot's template layout, and what Kahoot would refuse or lose."""
    questions = export_questions(quiz=quiz)
    warnings = kahoot_warnings(questions) + picture_warnings(quiz=quiz)
    return kahoot_xlsx(title=quiz.title, questions=questions), warnings


def quiz_export_csv(*, quiz: Quiz) -> str:
    """The quiz as this server's CSV: every question kind, every field."""
    return quiz_csv(export_questions(quiz=quiz))

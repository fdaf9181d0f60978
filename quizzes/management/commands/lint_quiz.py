"""Lint quizzes like code: one line per finding, exit status 1 when any is an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes import lint
from quizzes.lint_models import quiz_data
from quizzes.models import Quiz
from quizzes.services import quiz_questions_for_load
from quizzes.yaml_schema import SchemaError, parse_document


class Command(BaseCommand):
    help = (
        "Check quizzes for giveaways, repeats, unverified keys and text too long to read "
        "in time (rules: docs/yaml-schema.md). With SLUGs, those quizzes in the database; "
        "with --file, the quizzes of seed YAML files as a load would store them; with "
        "neither, every quiz in the database. Exits 1 if any finding is an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="quiz slugs to lint")
        parser.add_argument(
            "--file",
            dest="files",
            action="append",
            type=Path,
            default=[],
            help="lint the quizzes of this seed YAML file (repeatable)",
        )

    def _from_files(self, paths: list[Path]) -> list[lint.LintQuiz]:
        quizzes = []
        for path in paths:
            try:
                document = parse_document(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: cannot read the file: {exc}") from exc
            except SchemaError as exc:
                raise CommandError("\n".join(exc.prefixed(str(path)))) from exc
            for quiz in document.quizzes:
                questions = quiz_questions_for_load(quiz=quiz, timeline=document.timeline)
                quizzes.append(
                    lint.quiz_from_documents(
                        quiz=quiz, timeline=document.timeline, questions=questions
                    )
                )
        return quizzes

    def _from_database(self, slugs: list[str]) -> list[lint.LintQuiz]:
        rows = Quiz.objects.select_related("timeline").order_by("slug")
        if slugs:
            found = {quiz.slug: quiz for quiz in rows.filter(slug__in=slugs)}
            missing = [slug for slug in slugs if slug not in found]
            if missing:
                raise CommandError(f"no quiz with slug {', '.join(map(repr, missing))}")
            return [quiz_data(found[slug]) for slug in slugs]
        return [quiz_data(quiz) for quiz in rows]

    def handle(self, *args: Any, **options: Any) -> None:
        slugs: list[str] = options["slugs"]
        files: list[Path] = options["files"]
        quizzes = self._from_files(files) if files else []
        if slugs or not files:
            quizzes += self._from_database(slugs)
        if not quizzes:
            raise CommandError("no quizzes to lint: load seeds first, or pass --file")
        errors = warnings = 0
        for quiz in quizzes:
            for finding in lint.lint_quiz(quiz):
                self.stdout.write(finding.format(quiz.slug))
                if finding.is_error:
                    errors += 1
                else:
                    warnings += 1
        questions = sum(len(quiz.questions) for quiz in quizzes)
        summary = (
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} "
            f"in {len(quizzes)} quiz{'zes' * (len(quizzes) != 1)} of {questions} questions."
        )
        if errors:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)

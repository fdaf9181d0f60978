"""Write one quiz (with its timeline) as seed YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.models import Quiz
from quizzes.services import QuizContentError, quiz_export
from quizzes.yaml_schema import dump_document


class Command(BaseCommand):
    help = "Export a quiz and its timeline as seed YAML (stdout unless -o is given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="slug of the quiz to export")
        parser.add_argument("-o", "--output", type=Path, help="file to write instead of stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        quiz = Quiz.objects.filter(slug=slug).select_related("timeline").first()
        if quiz is None:
            raise CommandError(f"no quiz with slug '{slug}'")
        try:
            text = dump_document(quiz_export(quiz=quiz))
        except QuizContentError as exc:
            raise CommandError(str(exc)) from exc
        output: Path | None = options["output"]
        if output is None:
            self.stdout.write(text, ending="")
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write the file: {exc}") from exc
        self.stderr.write(f"Wrote quiz '{slug}' to {output}")

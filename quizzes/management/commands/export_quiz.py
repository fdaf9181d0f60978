"""Write one quiz as seed YAML (with its timeline), Kahoot's template (.xlsx) or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.models import Quiz
from quizzes.services import QuizContentError, quiz_export, quiz_export_pictures
from quizzes.transfer import picture_warnings, quiz_export_csv, quiz_export_xlsx
from quizzes.yaml_schema import dump_document

FORMATS = ("yaml", "xlsx", "csv")


class Command(BaseCommand):
    help = (
        "Export a quiz: as seed YAML with its timeline (default), as Kahoot's quiz "
        "template (--format xlsx, needs -o) or as CSV (--format csv). Stdout unless -o. "
        "A YAML export writes the quiz's pictures beside the file, in <quiz-slug>-images/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="slug of the quiz to export")
        parser.add_argument("-o", "--output", type=Path, help="file to write instead of stdout")
        parser.add_argument(
            "--format", choices=FORMATS, default="yaml", help="yaml (default), xlsx or csv"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["slug"]
        quiz = Quiz.objects.filter(slug=slug).select_related("timeline").first()
        if quiz is None:
            raise CommandError(f"no quiz with slug '{slug}'")
        output: Path | None = options["output"]
        fmt = options["format"]
        data: str | bytes
        if fmt == "xlsx":
            if output is None:
                raise CommandError("an .xlsx file is binary: give -o FILE to write it")
            data, warnings = quiz_export_xlsx(quiz=quiz)
            for warning in warnings:
                self.stderr.write(f"Note: {warning}")
        elif fmt == "csv":
            data = quiz_export_csv(quiz=quiz)
            for warning in picture_warnings(quiz=quiz):
                self.stderr.write(f"Note: {warning}")
        else:
            try:
                data = dump_document(quiz_export(quiz=quiz))
                pictures = quiz_export_pictures(quiz=quiz)
            except QuizContentError as exc:
                raise CommandError(str(exc)) from exc
            if pictures:
                if output is None:
                    raise CommandError(
                        "this quiz has pictures, which go in files beside the YAML: "
                        "give -o FILE to write them"
                    )
                self._write_pictures(output.parent, pictures)
        if output is None:
            self.stdout.write(data, ending="")
            return
        try:
            if isinstance(data, bytes):
                output.write_bytes(data)
            else:
                # newline="" keeps the CSV's own CRLF line ends as they are.
                output.write_text(data, encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"{output}: cannot write the file: {exc}") from exc
        self.stderr.write(f"Wrote quiz '{slug}' to {output}")

    def _write_pictures(self, folder: Path, pictures: list[tuple[str, bytes]]) -> None:
        for relative, data in pictures:
            path = folder / relative
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            except OSError as exc:
                raise CommandError(f"{path}: cannot write the picture: {exc}") from exc
        self.stderr.write(
            f"Wrote {len(pictures)} pictures beside it, in {pictures[0][0].split('/')[0]}/"
        )

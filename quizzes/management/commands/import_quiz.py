"""Import questions from Kahoot's quiz template (.xlsx) or this server's CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.spreadsheet import MAX_UPLOAD_BYTES
from quizzes.transfer import ImportRefused, import_file


class Command(BaseCommand):
    help = (
        "Import questions from Kahoot's quiz spreadsheet template (.xlsx) or a CSV with a "
        "header row (docs/authoring.md). Every problem is listed by row and column; "
        "nothing is written unless the whole file is valid. Without --quiz a new quiz is "
        "made (importing the same file again changes nothing); with --quiz the questions "
        "are added to that quiz, or update the questions they match."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=".xlsx or .csv file")
        parser.add_argument("--quiz", metavar="SLUG", help="add to (or update) this quiz")
        parser.add_argument(
            "--title", help="title of the new quiz (default: the file name); not with --quiz"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, then write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["quiz"] and options["title"]:
            raise CommandError("--title names a new quiz; leave it out with --quiz")
        try:
            size = path.stat().st_size
            if size > MAX_UPLOAD_BYTES:
                raise CommandError(
                    f"{path}: the file is {size // 1024} KB; the limit is "
                    f"{MAX_UPLOAD_BYTES // 1024} KB"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file: {exc}") from exc
        try:
            report = import_file(
                name=path.name,
                data=data,
                quiz_slug=options["quiz"],
                title=options["title"] or "",
                dry_run=options["dry_run"],
            )
        except ImportRefused as exc:
            count = len(exc.problems)
            lines = [
                f"{path}: not imported, nothing was written ({count} problem"
                f"{'' if count == 1 else 's'}):"
            ]
            lines += [f"  {problem}" for problem in exc.problems]
            raise CommandError("\n".join(lines)) from exc
        if report.dry_run:
            self.stdout.write("Dry run, nothing written. Importing would give:")
        for line in report.lines():
            self.stdout.write(line)
        if not report.changed:
            self.stdout.write("Nothing to change: the quiz already matches the file.")

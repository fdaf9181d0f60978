"""Validate seed YAML files, then upsert them in one transaction."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.images import Picture
from quizzes.picture_files import document_pictures
from quizzes.services import QuizContentError, seed_documents_load
from quizzes.yaml_schema import SchemaError, SeedDocument, cross_document_errors, parse_document


def _display_name(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except ValueError:
        return str(path)


class Command(BaseCommand):
    help = (
        "Load seed YAML files (default: every seeds/*.yaml, sorted). Every file is "
        "validated before anything is written; the load is one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", type=Path, help="YAML files to load")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change, then roll back.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        if not paths:
            seeds_dir = Path(settings.BASE_DIR) / "seeds"
            paths = sorted(seeds_dir.glob("*.yaml"))
            if not paths:
                raise CommandError(f"no seed files found in {_display_name(seeds_dir)}/")

        errors: list[str] = []
        named: list[tuple[str, SeedDocument]] = []
        # Each document's pictures, read from beside its file and cleaned as uploads are.
        pictures: list[dict[str, Picture]] = []
        for path in paths:
            name = _display_name(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(f"{name}: cannot read the file: {exc}")
                continue
            try:
                document = parse_document(text)
            except SchemaError as exc:
                errors.extend(exc.prefixed(name))
                continue
            try:
                pictures.append(document_pictures(document, folder=path.parent))
            except SchemaError as exc:
                errors.extend(exc.prefixed(name))
                continue
            named.append((name, document))
        errors += cross_document_errors(named)
        if errors:
            raise CommandError("\n".join(errors))

        try:
            report = seed_documents_load(
                documents=[document for _, document in named],
                dry_run=options["dry_run"],
                pictures=pictures,
            )
        except QuizContentError as exc:
            raise CommandError(str(exc)) from exc

        names = ", ".join(_display_name(path) for path in paths)
        if report.dry_run:
            self.stdout.write(f"Dry run, nothing written. Loading {names} would change:")
        else:
            self.stdout.write(f"Loaded {names}:")
        for line in report.lines():
            self.stdout.write(f"  {line}")
        if not report.changed:
            self.stdout.write("Nothing to change: the database already matches.")

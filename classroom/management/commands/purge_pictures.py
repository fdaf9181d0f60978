"""Delete the picture files no question and no stored game uses any more.

A replaced or removed picture keeps its file while a game's copy of its quiz may show
it; run this after `purge_games` (docs/deploy.md, "Retention").
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from classroom.retention import pictures_purge


class Command(BaseCommand):
    help = (
        "Delete questions' picture files that no question and no stored game uses, "
        "written more than MINUTES ago (default 60)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-minutes", type=int, default=60, metavar="MINUTES")
        parser.add_argument("--dry-run", action="store_true", help="List them, delete nothing.")

    def handle(self, *args: object, **options: object) -> None:
        minutes = options["older_than_minutes"]
        if minutes < 0:
            raise CommandError("--older-than-minutes must not be negative.")
        names = pictures_purge(older_than_minutes=minutes, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} {len(names)} unused picture file(s).")
        for name in names:
            self.stdout.write(f"  {name}")

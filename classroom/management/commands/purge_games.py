"""Delete games (with their players and answers) that ended more than DAYS days ago.

Run daily from cron; see "Student data and retention" in the README.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from classroom.retention import games_purge


def _positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"--older-than must be a whole number of days, not {value!r}.") from None
    if days < 1:
        raise CommandError(f"--older-than must be at least 1 day, not {days}.")
    return days


class Command(BaseCommand):
    help = (
        "Delete every game that ended more than DAYS days ago, with its players and "
        "answers. Games that have not ended are never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            dest="older_than",
            metavar="DAYS",
            required=True,
            help="Delete games that ended more than this many days ago (a positive integer).",
        )

    def handle(self, *args: object, older_than: str, **options: object) -> None:
        days = _positive_days(str(older_than))
        counts = games_purge(older_than_days=days)
        self.stdout.write(
            f"Deleted {counts.games} game(s) that ended more than {days} day(s) ago, "
            f"with {counts.players} player(s) and {counts.answers} answer(s)."
        )

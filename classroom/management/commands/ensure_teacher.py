"""Create the first teacher account if there is no user at all, and say how to log in.

The password is printed once, when the account is created (a projector often mirrors
this terminal, so later starts say only where it is kept).
"""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from classroom.accounts import AccountError, create_teacher, new_password
from classroom.private_files import write_private


class Command(BaseCommand):
    help = (
        "Create a teacher account (hosts games, edits quiz content in the admin; not a "
        "superuser) if no user exists, printing its password once; later, say where it is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="teacher")
        parser.add_argument(
            "--password-file",
            default=str(Path(settings.BASE_DIR) / "var" / "teacher-password.txt"),
            help="Where the generated password is kept (readable only by this user).",
        )

    def handle(self, *args, username: str, password_file: str, **options):
        path = Path(password_file)
        if not get_user_model().objects.exists():
            password = new_password()
            try:
                # Stored first: an account whose password was lost helps nobody.
                write_private(path, f"{username}\n{password}\n")
            except OSError as exc:
                raise CommandError(f"{path}: cannot store the teacher's password: {exc}") from exc
            try:
                create_teacher(username=username, password=password)
            except AccountError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(f"Created the teacher account {username!r}.")
                + f"\nLog in at /accounts/login/ as {username!r} with password {password!r}"
                f"\n(shown only now; it is kept in {path}, readable only by you)."
            )
            return
        if path.is_file():
            stored_username = path.read_text().partition("\n")[0].strip()
            self.stdout.write(
                f"Log in at /accounts/login/ as {stored_username!r}; "
                f"the password is kept in {path}."
            )
        self.stdout.write(
            "Add a teacher with `python manage.py create_teacher NAME` "
            "(see README, “Teacher accounts”)."
        )

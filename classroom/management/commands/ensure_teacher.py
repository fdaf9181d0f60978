"""Create the first teacher account if there is no user at all, and say how to log in."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Create a teacher account (staff, can edit quizzes) if no user exists; print how to log in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="teacher")
        parser.add_argument(
            "--password-file",
            default=str(Path(settings.BASE_DIR) / "var" / "teacher-password.txt"),
            help="Where the generated password is kept (readable only by this user).",
        )

    def handle(self, *args, username: str, password_file: str, **options):
        users = get_user_model()
        path = Path(password_file)
        if not users.objects.exists():
            password = secrets.token_urlsafe(9)
            users.objects.create_user(
                username=username, password=password, is_staff=True, is_superuser=True
            )
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{username}\n{password}\n")
                path.chmod(0o600)
            except OSError as exc:
                raise CommandError(f"{path}: cannot store the teacher's password: {exc}") from exc
            self.stdout.write(self.style.SUCCESS(f"Created the teacher account {username!r}."))
        if path.is_file():
            stored_username, _, stored_password = path.read_text().partition("\n")
            self.stdout.write(
                f"Log in at /accounts/login/ as {stored_username.strip()!r} "
                f"with password {stored_password.strip()!r} (kept in {path})."
            )
        else:
            self.stdout.write(
                "Teacher accounts already exist; create more with "
                "`python manage.py createsuperuser` or in the admin."
            )

"""Add a teacher: `python manage.py create_teacher NAME [--prompt]`.

A teacher hosts games and edits quiz content in the admin, and is not a superuser
(classroom/accounts.py). The password is generated and printed once, or, with
--prompt, typed twice at a hidden prompt.
"""

import getpass

from django.core.management.base import BaseCommand, CommandError

from classroom.accounts import (
    AccountError,
    PasswordRefused,
    check_username,
    create_teacher,
    new_password,
)

PROMPT_TRIES = 3


class Command(BaseCommand):
    help = (
        "Add a teacher account (hosts games, edits quiz content; not a superuser). "
        "The password is generated and printed once, or read from a prompt with --prompt."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the teacher's username")
        parser.add_argument(
            "--prompt",
            action="store_true",
            help="type the password (twice, hidden) instead of generating one",
        )

    def handle(self, *args, name: str, prompt: bool, **options):
        try:
            # Before any prompt: a taken name is refused without asking for a password.
            name = check_username(name)
            if prompt:
                self._create_with_prompt(name)
                self.stdout.write(self.style.SUCCESS(f"Created the teacher account {name!r}."))
                return
            password = new_password()
            create_teacher(username=name, password=password)
        except AccountError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Created the teacher account {name!r}.")
            + f"\nPassword: {password}\n(shown only now: give it to the teacher, who can "
            "change it after logging in, at /admin/password_change/)."
        )

    def _create_with_prompt(self, name: str) -> None:
        for _ in range(PROMPT_TRIES):
            password = getpass.getpass(f"Password for {name}: ")
            if password != getpass.getpass("The same password again: "):
                self.stderr.write("The two passwords differ. Try again.")
                continue
            try:
                create_teacher(username=name, password=password)
            except PasswordRefused as exc:
                self.stderr.write(str(exc))
                continue
            return
        raise CommandError(f"No teacher created: no usable password after {PROMPT_TRIES} tries.")

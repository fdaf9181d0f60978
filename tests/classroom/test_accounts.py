"""Teacher accounts: the first teacher, `create_teacher`, and the Teachers group.

A teacher hosts games and edits quiz content in the admin, and is not a superuser.
"""

import stat
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError

from classroom.accounts import TEACHERS_GROUP, create_teacher

pytestmark = pytest.mark.django_db

CONTENT_MODELS = {"timeline", "event", "quiz", "question", "choice"}


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def assert_is_a_teacher(user) -> None:
    assert user.is_active and user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [TEACHERS_GROUP]
    assert not user.user_permissions.exists()


def test_the_teachers_group_has_exactly_the_quiz_content_permissions():
    group = Group.objects.get(name=TEACHERS_GROUP)
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert granted == {
        ("quizzes", f"{action}_{model}")
        for model in CONTENT_MODELS
        for action in ("add", "change", "delete", "view")
    }


def test_migrate_puts_a_tampered_teachers_group_right_again():
    group = Group.objects.get(name=TEACHERS_GROUP)
    group.permissions.add(Permission.objects.get(codename="change_user"))
    group.permissions.remove(Permission.objects.get(codename="add_quiz"))
    call_command("migrate", verbosity=0, interactive=False)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert "change_user" not in codenames and "add_quiz" in codenames


def test_the_first_start_creates_a_teacher_not_a_superuser_and_prints_the_password_once(
    tmp_path,
):
    path = tmp_path / "var" / "teacher-password.txt"
    first = run("ensure_teacher", password_file=str(path))
    username, password = path.read_text().split()
    user = get_user_model().objects.get(username="teacher")
    assert username == "teacher"
    assert_is_a_teacher(user)
    assert user.check_password(password)
    assert password in first
    assert str(path) in first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    # Later starts (a projector may be mirroring this terminal) say where it is kept.
    for _ in range(2):
        later = run("ensure_teacher", password_file=str(path))
        assert password not in later
        assert str(path) in later and "'teacher'" in later
        assert "create_teacher" in later
    assert get_user_model().objects.count() == 1


def test_the_first_start_creates_nobody_when_an_account_exists(tmp_path):
    get_user_model().objects.create_user("head", password="pw-head-1")
    path = tmp_path / "teacher-password.txt"
    out = run("ensure_teacher", password_file=str(path))
    assert not path.exists()
    assert get_user_model().objects.count() == 1
    assert "python manage.py create_teacher NAME" in out


def test_create_teacher_prints_a_generated_password_once_and_it_logs_in():
    out = run("create_teacher", "ms-khan")
    password = out.split("Password: ", 1)[1].split()[0]
    assert len(password) >= 16
    user = get_user_model().objects.get(username="ms-khan")
    assert_is_a_teacher(user)
    assert user.check_password(password)
    # Another teacher gets another password.
    other = run("create_teacher", "mr-ali").split("Password: ", 1)[1].split()[0]
    assert other != password


@pytest.mark.parametrize("name", ["ms-khan", "MS-KHAN", " ms-khan "])
def test_create_teacher_refuses_a_taken_name_clearly_and_changes_nothing(name):
    existing = create_teacher(username="ms-khan", password="first-password-1")
    with pytest.raises(CommandError, match="already an account called 'ms-khan'") as refused:
        run("create_teacher", name)
    assert "changepassword ms-khan" in str(refused.value)
    assert get_user_model().objects.count() == 1
    existing.refresh_from_db()
    assert existing.check_password("first-password-1")


@pytest.mark.parametrize("name", ["", "   ", "has space", "x" * 151])
def test_create_teacher_refuses_a_name_that_cannot_be_a_username(name):
    with pytest.raises(CommandError):
        run("create_teacher", name)
    assert not get_user_model().objects.exists()


def test_create_teacher_reads_the_password_from_a_hidden_prompt(monkeypatch):
    typed = iter(
        [
            "correct horse battery",
            "correct horse batteri",  # the two differ: asked again
            "short",
            "short",  # refused by the password validators: asked again
            "correct horse battery",
            "correct horse battery",
        ]
    )
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(typed)

    monkeypatch.setattr("getpass.getpass", getpass)
    out = run("create_teacher", "ms-khan", prompt=True)
    assert "correct horse" not in out
    assert len(prompts) == 6
    user = get_user_model().objects.get(username="ms-khan")
    assert_is_a_teacher(user)
    assert user.check_password("correct horse battery")


def test_create_teacher_gives_up_after_three_unusable_passwords(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "123")
    with pytest.raises(CommandError, match="No teacher created"):
        run("create_teacher", "ms-khan", prompt=True)
    assert not get_user_model().objects.exists()


def test_a_taken_name_is_refused_before_any_password_is_asked(monkeypatch):
    create_teacher(username="ms-khan", password="first-password-1")

    def getpass(prompt: str) -> str:
        raise AssertionError("asked for a password for a name that is taken")

    monkeypatch.setattr("getpass.getpass", getpass)
    with pytest.raises(CommandError, match="already an account called"):
        run("create_teacher", "ms-khan", prompt=True)

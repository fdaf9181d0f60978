"""Teacher accounts: who may host games and edit quiz content, and nothing more.

A teacher is a staff user (so the admin lets them in) in the "Teachers" group, whose
permissions are exactly add/change/delete/view on the quiz content models
(`quizzes`: timelines, events, quizzes, questions, choices). A teacher is not a
superuser: the admin shows them no users, groups or login records, and they control
only the games they host. Superusers (made with `createsuperuser`, for whoever runs
the server) control every game.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

TEACHERS_GROUP = "Teachers"
CONTENT_APP = "quizzes"
CONTENT_ACTIONS = ("add", "change", "delete", "view")


class AccountError(ValueError):
    """A teacher account cannot be created as asked; the message says why."""


class PasswordRefused(AccountError):
    """The password validators refused the password (the name was fine)."""


def content_permissions(*, using: str = "default") -> list[Permission]:
    """The model permissions of the quiz content, and only those."""
    models = global_apps.get_app_config(CONTENT_APP).get_models()
    codenames = [
        f"{action}_{model._meta.model_name}" for model in models for action in CONTENT_ACTIONS
    ]
    return list(
        Permission.objects.using(using).filter(
            content_type__app_label=CONTENT_APP, codename__in=codenames
        )
    )


def teachers_group(*, using: str = "default") -> Group:
    """The Teachers group, created if missing, with exactly the content permissions."""
    group, _ = Group.objects.using(using).get_or_create(name=TEACHERS_GROUP)
    group.permissions.set(content_permissions(using=using))
    return group


def sync_teachers_group(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: after every migrate (and test database flush), once the content
    permissions exist, the group has exactly them."""
    teachers_group(using=using)


def new_password() -> str:
    """A password to print once: 16 URL-safe characters (96 random bits)."""
    return secrets.token_urlsafe(12)


def check_username(username: str) -> str:
    """`username` stripped, if it can name a new account; else AccountError.

    Taken names are compared ignoring case: "Alice" and "alice" would be two logins
    that people confuse.
    """
    users = get_user_model()
    username = username.strip()
    if not username:
        raise AccountError("Give the teacher a username.")
    field = users._meta.get_field(users.USERNAME_FIELD)
    if len(username) > field.max_length:
        raise AccountError(f"A username has at most {field.max_length} characters.")
    try:
        field.run_validators(username)
    except ValidationError as exc:
        raise AccountError(f"{username!r} cannot be a username: {' '.join(exc.messages)}") from exc
    taken = (
        users.objects.filter(**{f"{users.USERNAME_FIELD}__iexact": username})
        .values_list(users.USERNAME_FIELD, flat=True)
        .first()
    )
    if taken is not None:
        raise AccountError(
            f"There is already an account called {taken!r}. Pick another name, or "
            f"set that account's password with `python manage.py changepassword {taken}`."
        )
    return username


def create_teacher(*, username: str, password: str) -> Any:
    """A new teacher: staff, in the Teachers group, not a superuser.

    AccountError when the name cannot be used (`check_username`), PasswordRefused when
    the password validators refuse the password.
    """
    users = get_user_model()
    username = check_username(username)
    user = users(**{users.USERNAME_FIELD: username})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise PasswordRefused(f"That password cannot be used: {' '.join(exc.messages)}") from exc
    with transaction.atomic():
        user = users.objects.create_user(
            **{users.USERNAME_FIELD: username},
            password=password,
            is_staff=True,
            is_superuser=False,
        )
        user.groups.add(teachers_group())
    return user

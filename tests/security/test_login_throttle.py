"""Login throttling (django-axes): a username is locked out per IP, never a whole
school's shared address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

SCHOOL_IP = "203.0.113.7"
HOME_IP = "198.51.100.20"


@pytest.fixture
def users(db):
    model = get_user_model()
    model.objects.create_user(username="amina", password="right-horse-battery")
    model.objects.create_user(username="omar", password="staple-cloud-paper")


def _login(username: str, password: str, ip: str) -> tuple[int, bool]:
    """(status of the login POST, whether the client is now logged in)."""
    client = Client(REMOTE_ADDR=ip)
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    logged_in = client.get("/", REMOTE_ADDR=ip).status_code == 200
    return response.status_code, logged_in


def _fail_until_locked(username: str, ip: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        status, logged_in = _login(username, "wrong-password", ip)
        assert not logged_in
        assert status in (200, 429)


def test_the_settings_lock_username_and_ip_together_with_a_cool_off():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_COOLOFF_TIME
    assert 3 <= settings.AXES_FAILURE_LIMIT <= 10


def test_failures_lock_that_username_from_that_ip_even_with_the_right_password(users):
    status, logged_in = _login("amina", "right-horse-battery", SCHOOL_IP)
    assert (status, logged_in) == (302, True)
    _fail_until_locked("amina", SCHOOL_IP)
    status, logged_in = _login("amina", "right-horse-battery", SCHOOL_IP)
    assert status == 429
    assert not logged_in


def test_the_same_username_from_another_ip_still_logs_in(users):
    _fail_until_locked("amina", SCHOOL_IP)
    assert _login("amina", "right-horse-battery", HOME_IP) == (302, True)


def test_another_username_from_the_same_ip_still_logs_in(users):
    # One student guessing a teacher's password must not lock out the staff room.
    _fail_until_locked("amina", SCHOOL_IP)
    assert _login("omar", "staple-cloud-paper", SCHOOL_IP) == (302, True)
    assert _login("amina", "right-horse-battery", SCHOOL_IP)[0] == 429


def test_failures_below_the_limit_do_not_lock(users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login("amina", "wrong-password", SCHOOL_IP)
    assert _login("amina", "right-horse-battery", SCHOOL_IP) == (302, True)


def test_the_lock_clears_after_the_cool_off(users):
    _fail_until_locked("amina", SCHOOL_IP)
    assert _login("amina", "right-horse-battery", SCHOOL_IP)[0] == 429
    cool_off = timedelta(hours=settings.AXES_COOLOFF_TIME)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - cool_off)
    assert _login("amina", "right-horse-battery", SCHOOL_IP) == (302, True)

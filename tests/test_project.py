"""The project as an operator meets it: settings, checks, migrations."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_secret_key_and_debug_off_the_server_refuses_to_start(tmp_path):
    result = run_manage(
        "check",
        env={"DJANGO_SECRET_KEY_FILE": str(tmp_path / "missing"), "DJANGO_DEBUG": "0"},
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr
    assert "refuses to start without a secret key" in result.stderr


def test_manage_py_check_passes():
    result = run_manage("check", env={"DJANGO_SECRET_KEY": "x" * 60})
    assert result.returncode == 0, result.stderr


def test_models_and_migrations_agree():
    result = run_manage(
        "makemigrations", "--check", "--dry-run", env={"DJANGO_SECRET_KEY": "x" * 60}
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_DEBUG": "0",
            "DJANGO_ALLOWED_HOSTS": "quiz.school.example",
            "DJANGO_SECURE_COOKIES": "1",
            "DJANGO_SECURE_SSL_REDIRECT": "1",
            "DJANGO_HSTS_SECONDS": "31536000",
            "DJANGO_BEHIND_PROXY": "1",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

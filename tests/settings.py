"""Test settings: the real settings with a throwaway key and fast password hashing.

The suite runs on SQLite and the in-memory channel layer whatever the environment
says; DATABASE_URL and REDIS_URL are read only by the tests that start real server
processes against PostgreSQL and Redis (they skip, saying why, when those are unset).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from classroom.settings import *  # noqa: F403
from classroom.settings import BASE_DIR

(BASE_DIR / "var").mkdir(exist_ok=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "var" / "test.sqlite3",
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        "TEST": {"NAME": None},
    }
}
CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Pictures a test stores land in var/ (ignored by git), never in the checkout's media/;
# tests that look at the files give each test a folder of its own.
MEDIA_ROOT = BASE_DIR / "var" / "test-media"

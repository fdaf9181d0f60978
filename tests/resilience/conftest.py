"""The in-process resilience tests use the live-game fixtures of tests/classroom."""

from tests.classroom.conftest import game, quiz, teacher  # noqa: F401

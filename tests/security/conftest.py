"""The live-game fixtures (a teacher, a quiz, a game, websocket helpers) of
tests/classroom, shared with the security tests."""

from tests.classroom.conftest import (  # noqa: F401 - fixtures used by name
    game,
    other_teacher,
    quiz,
    teacher,
)

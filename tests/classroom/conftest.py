"""Fixtures for the live game: a teacher, quizzes built through the ORM, and
websocket helpers speaking docs/protocol.md through `classroom.asgi.application`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from classroom.models import Game
from classroom.services import phases
from quizzes.models import Choice, Event, Question, Quiz, Timeline

ORIGIN = b"http://localhost"


@pytest.fixture
def teacher(db):
    return get_user_model().objects.create_user(username="teacher", password="pw-teacher-1")


@pytest.fixture
def other_teacher(db):
    return get_user_model().objects.create_user(username="other", password="pw-other-1")


def build_quiz(
    *,
    slug: str = "live-quiz",
    kinds: Iterable[str] = ("choice", "choice", "true_false"),
    time_limit_s: int = 20,
) -> Quiz:
    """A quiz on a small timeline: one question per kind in `kinds`.

    choice: 3 choices, the first correct; true_false: True correct; order: three events
    in order; year_guess: 1966.
    """
    timeline, _ = Timeline.objects.get_or_create(
        slug="pk-ussr",
        defaults={"title": "Pakistan and the USSR", "period_start": 1947, "period_end": 1988},
    )
    events = []
    for year, event_slug, title in [
        (1950, "liaquat-visit", "Liaquat visits the USA"),
        (1966, "tashkent", "Tashkent Declaration"),
        (1979, "afghan-war", "Soviet invasion of Afghanistan"),
    ]:
        event, _ = Event.objects.get_or_create(
            timeline=timeline,
            slug=event_slug,
            defaults={
                "year": year,
                "title": title,
                "summary": title,
                "effect": Event.Effect.IMPROVED,
                "verdict": Event.Verdict.SUCCESS,
                "verdict_reason": "Because.",
            },
        )
        events.append(event)
    quiz = Quiz.objects.create(slug=slug, title="Live quiz", timeline=timeline)
    for position, kind in enumerate(kinds):
        question = Question.objects.create(
            quiz=quiz,
            slug=f"q{position}",
            position=position,
            kind=kind,
            prompt=f"Question {position} ({kind})?",
            explanation=f"Explanation {position}.",
            time_limit_s=time_limit_s,
            event=events[1],
            answer_year=1966 if kind == "year_guess" else None,
        )
        if kind == "choice":
            for at, text in enumerate(["Right", "Wrong A", "Wrong B"]):
                Choice.objects.create(question=question, position=at, text=text, is_correct=at == 0)
        elif kind == "true_false":
            Choice.objects.create(question=question, position=0, text="True", is_correct=True)
            Choice.objects.create(question=question, position=1, text="False")
        elif kind == "order":
            for at, event in enumerate(events):
                Choice.objects.create(question=question, position=at, text=event.title)
    return quiz


@pytest.fixture
def quiz(db):
    return build_quiz()


@pytest.fixture
def game(quiz, teacher) -> Game:
    return phases.game_create(quiz=quiz, host=teacher)


def correct_choice(game: Game, index: int) -> int:
    return Game.objects.get(pk=game.pk).questions[index]["correct_choice_ids"][0]


def wrong_choice(game: Game, index: int) -> int:
    question = Game.objects.get(pk=game.pk).questions[index]
    return next(
        c["id"] for c in question["choices"] if c["id"] not in question["correct_choice_ids"]
    )


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def application():
    from classroom.asgi import application as app

    return app


class Socket:
    """A WebsocketCommunicator that keeps every frame it received, in order."""

    def __init__(self, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        self.comm = WebsocketCommunicator(application(), path, headers=headers)
        self.frames: list[dict[str, Any]] = []
        self.close_code: int | None = None

    async def connect(self) -> bool:
        connected, _ = await self.comm.connect()
        return connected

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 2.0) -> dict[str, Any]:
        message = await self.comm.receive_output(timeout)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code")
            raise ConnectionClosed(self.close_code)
        frame = json.loads(message["text"])
        self.frames.append(frame)
        return frame

    async def expect(self, kind: str, timeout: float = 2.0) -> dict[str, Any]:
        """The next frame, which must be of type `kind`."""
        frame = await self.recv(timeout)
        assert frame["type"] == kind, f"expected {kind}, got {frame}"
        return frame

    async def until(self, kind: str, timeout: float = 3.0) -> dict[str, Any]:
        """Skip frames until one of type `kind`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            frame = await self.recv(max(0.01, end - loop.time()))
            if frame["type"] == kind:
                return frame

    async def expect_close(self, timeout: float = 2.0) -> int | None:
        while True:
            message = await self.comm.receive_output(timeout)
            if message["type"] == "websocket.close":
                self.close_code = message.get("code")
                return self.close_code
            self.frames.append(json.loads(message["text"]))

    async def nothing(self, timeout: float = 0.2) -> bool:
        return await self.comm.receive_nothing(timeout)

    async def disconnect(self) -> None:
        # Already closed by the server: nothing left to close.
        with contextlib.suppress(Exception):
            await self.comm.disconnect()


class ConnectionClosed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"socket closed with {code}")
        self.code = code


async def host_socket(game: Game, user, *, origin: bytes | None = ORIGIN) -> Socket:
    cookie = await database_sync_to_async(session_cookie)(user)
    headers = [(b"host", b"localhost"), (b"cookie", cookie)]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = Socket(f"/ws/host/{game.pin}/", headers)
    assert await socket.connect()
    return socket


async def player_socket(pin: str, *, origin: bytes | None = ORIGIN, ip: str = "10.0.0.1") -> Socket:
    headers = [(b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    socket = Socket(f"/ws/play/{pin}/", headers)
    socket.comm.scope["client"] = (ip, 50000)
    assert await socket.connect()
    return socket


async def join(pin: str, nickname: str, **kwargs) -> tuple[Socket, dict[str, Any]]:
    socket = await player_socket(pin, **kwargs)
    await socket.send({"type": "join", "nickname": nickname})
    joined = await socket.expect("joined")
    return socket, joined

"""A question's picture in the frames: `image` {url, alt, width, height} in every
`question` frame (phone and projector) and in every snapshot of an open question, null
for a question without one; its URL says nothing of the answer."""

from __future__ import annotations

import json
import re

import pytest
from channels.db import database_sync_to_async

from classroom import frames
from classroom.models import Game
from classroom.services import phases
from quizzes.models import Question
from tests.classroom.conftest import build_quiz, host_socket, join
from tests.quizzes import pictures

IMAGE = {
    "url": "/media/questions/" + "a" * 32 + ".png",
    "alt": "A map.",
    "width": 960,
    "height": 640,
}
QUESTION = {
    "id": 41,
    "kind": "choice",
    "prompt": "Which country did the eastern wing become?",
    "choices": [{"id": 7, "text": "Bangladesh"}, {"id": 9, "text": "Nepal"}],
    "correct_choice_ids": [7],
    "time_limit_ms": 20000,
    "explanation": "",
}


def test_a_question_frame_carries_the_picture_and_nothing_else_of_it():
    stored = dict(IMAGE, secret="never", name="bangladesh-answer.png")
    frame = frames.question_player(
        question=QUESTION | {"image": stored}, index=0, count=1, time_limit_ms=1, remaining_ms=1
    )
    assert frame["image"] == IMAGE
    assert json.loads(json.dumps(frame)) == frame


def test_a_question_without_a_picture_has_image_null_even_from_an_older_snapshot():
    for question in (QUESTION, QUESTION | {"image": None}):
        frame = frames.question_player(
            question=question, index=0, count=1, time_limit_ms=1, remaining_ms=1
        )
        assert "image" in frame and frame["image"] is None


def test_the_projectors_question_and_the_snapshots_carry_it_too():
    question = QUESTION | {"image": IMAGE}
    host = frames.question_host(
        question=question,
        index=0,
        count=1,
        time_limit_ms=1,
        remaining_ms=1,
        answered=0,
        total=3,
    )
    player = frames.question_player(
        question=question, index=0, count=1, time_limit_ms=1, remaining_ms=1
    )
    assert host["image"] == player["image"] == IMAGE
    assert not frames.ANSWER_KEYS & set(host["image"])


# -- over the sockets, from a stored question ----------------------------------------------


@pytest.fixture
def pictured_game(db, settings, tmp_path, teacher):
    settings.MEDIA_ROOT = tmp_path / "media"
    quiz = build_quiz(kinds=("choice", "choice"))
    question = Question.objects.get(quiz=quiz, slug="q0")
    pictures.attach(question, pictures.map_png(960, 640))
    question.image_alt = "Schematic map of Pakistan's two wings, India between them."
    question.save()
    return phases.game_create(quiz=quiz, host=teacher)


@pytest.mark.django_db(transaction=True)
async def test_phones_and_projector_get_the_picture_in_question_frames_and_snapshots(
    pictured_game, teacher
):
    game = pictured_game
    host = await host_socket(game, teacher)
    await host.expect("lobby")
    await host.expect("state")
    phone, _ = await join(game.pin, "Ayesha")
    await host.expect("player_joined")

    await host.send({"type": "start"})
    for_host, for_phone = await host.until("question"), await phone.until("question")
    image = for_phone["image"]
    assert for_host["image"] == image
    assert set(image) == {"url", "alt", "width", "height"}
    assert re.fullmatch(r"/media/questions/[0-9a-f]{32}\.png", image["url"])
    assert (image["width"], image["height"]) == (960, 640)
    assert image["alt"] == "Schematic map of Pakistan's two wings, India between them."
    # 32 random hex digits: nothing of the question, its slug, its answer or the upload.
    assert not {"q0", "right", "map"} & set(re.split(r"[/.]", image["url"]))

    # A phone's sync and a reconnecting projector get the same picture in their snapshot.
    await phone.send({"type": "sync"})
    assert (await phone.until("state"))["question"]["image"] == image
    again = await host_socket(game, teacher)
    await again.expect("lobby")
    assert (await again.until("state"))["question"]["image"] == image

    # The next question has none: image is null.
    await host.send({"type": "close_question"})
    await host.until("reveal")
    await host.send({"type": "next"})
    assert (await phone.until("question"))["image"] is None
    stored = await database_sync_to_async(Game.objects.get)(pk=game.pk)
    assert stored.questions[0]["image"] == image and stored.questions[1]["image"] is None
    for socket in (host, again, phone):
        await socket.disconnect()

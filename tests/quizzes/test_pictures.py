"""A question's picture: the model's rules, the admin upload, and the game's snapshot.

Every upload goes through quizzes/images.py (tested on its own in test_images.py);
these tests prove the admin refuses each bad file with its message and stores a good
one cleaned, under a random name, with its alt text required."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from classroom.accounts import create_teacher
from quizzes.images import MAX_BYTES
from quizzes.models import Question, Quiz
from quizzes.services import seed_documents_load
from quizzes.snapshot import quiz_snapshot
from tests.quizzes import pictures

pytestmark = pytest.mark.django_db

SLUG = "tashkent-mediator"
ALT = "Map of Central Asia with Tashkent marked by a red dot."
NAME_RE = re.compile(r"questions/[0-9a-f]{32}\.(png|jpg|webp)")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def loaded(small_doc):
    seed_documents_load(documents=[small_doc])
    return Quiz.objects.get(slug="test-quiz")


@pytest.fixture
def question(loaded):
    return Question.objects.get(quiz=loaded, slug=SLUG)


@pytest.fixture
def teacher(client):
    client.force_login(create_teacher(username="ms-khan", password="pw-teacher-editor-1"))
    return client


def change_post(question: Question, **overrides) -> dict:
    """The question's change form as the admin would post it, choices unchanged."""
    choices = list(question.choices.all())
    data = {
        "quiz": str(question.quiz_id),
        "slug": question.slug,
        "position": str(question.position),
        "kind": question.kind,
        "prompt": question.prompt,
        "event": str(question.event_id or ""),
        "time_limit_s": str(question.time_limit_s),
        "points_multiplier": str(question.points_multiplier),
        "answer_year": "" if question.answer_year is None else str(question.answer_year),
        "explanation": question.explanation,
        "source": question.source,
        "generator_kind": question.generator_kind,
        "image_alt": question.image_alt,
        "choices-TOTAL_FORMS": str(len(choices)),
        "choices-INITIAL_FORMS": str(len(choices)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "4",
    }
    for i, choice in enumerate(choices):
        data |= {
            f"choices-{i}-id": str(choice.pk),
            f"choices-{i}-question": str(question.pk),
            f"choices-{i}-position": str(choice.position),
            f"choices-{i}-text": choice.text,
            f"choices-{i}-note": choice.note,
        }
        if choice.is_correct:
            data[f"choices-{i}-is_correct"] = "on"
    data.update(overrides)
    return data


def upload(teacher, question: Question, name: str, content: bytes, **overrides):
    data = change_post(question, **overrides)
    data["image"] = SimpleUploadedFile(name, content, content_type="image/png")
    return teacher.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)


def errors_of(response) -> str:
    assert response.status_code == 200, "the admin accepted the file"
    return response.content.decode()


# -- the model --------------------------------------------------------------------------


def test_a_picture_without_alt_text_is_refused_by_the_model(question):
    pictures.attach(question, pictures.map_png(200, 100))
    with pytest.raises(ValidationError) as caught:
        question.full_clean()
    assert "image_alt" in caught.value.message_dict


def test_alt_text_without_a_picture_is_refused_by_the_model(question):
    question.image_alt = "A map"
    with pytest.raises(ValidationError) as caught:
        question.full_clean()
    assert "There is no picture to describe" in str(caught.value)


def test_the_database_refuses_a_picture_without_alt_text(question):
    pictures.attach(question, pictures.map_png(200, 100))
    with pytest.raises(IntegrityError), transaction.atomic():
        question.save()


def test_alt_text_has_a_length_limit(question):
    pictures.attach(question, pictures.map_png(200, 100))
    question.image_alt = "x" * 251
    with pytest.raises(ValidationError) as caught:
        question.full_clean()
    assert "at most 250 characters" in str(caught.value)


# -- the admin --------------------------------------------------------------------------


def test_an_uploaded_picture_is_stored_cleaned_under_a_random_name(teacher, question, media):
    response = upload(
        teacher,
        question,
        "kosygin-is-the-answer.jpg",
        pictures.photo_jpeg_with_metadata(),
        image_alt=ALT,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert NAME_RE.fullmatch(question.image.name), question.image.name
    for leak in ("kosygin", "answer", SLUG, "tashkent", "mediator"):
        assert leak not in question.image.url.lower()
    assert (question.image_width, question.image_height, question.image_alt) == (400, 200, ALT)
    stored = Image.open(media / question.image.name)
    assert stored.format == "JPEG" and not stored.getexif()
    assert b"Kosygin" not in (media / question.image.name).read_bytes()


def test_the_change_page_explains_good_alt_text(teacher, question):
    page = teacher.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    text = page.content.decode()
    assert "Say what a student needs from the picture to answer" in text
    assert "Do not begin with “Image of”" in text
    assert 'accept="image/png,image/jpeg,image/webp"' in text


def test_the_change_page_shows_the_stored_picture_with_its_alt_text_and_size(teacher, question):
    upload(teacher, question, "map.png", pictures.map_png(960, 640), image_alt=ALT)
    question.refresh_from_db()
    page = teacher.get(reverse("admin:quizzes_question_change", args=[question.pk]))
    text = page.content.decode()
    assert f'src="{question.image.url}" alt="{ALT}"' in text
    assert "960 × 640 pixels, metadata removed." in text


def test_a_renamed_png_is_stored_as_the_png_it_is(teacher, question):
    response = upload(teacher, question, "photo.jpg", pictures.map_png(300, 200), image_alt=ALT)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.image.name.endswith(".png")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.png", b"just some words", "This file is not a PNG, JPEG or WebP picture."),
        ("page.png", pictures.HTML, "This file is not a PNG, JPEG or WebP picture."),
        ("drawing.svg", pictures.SVG, "SVG drawings are not taken"),
        ("animation.gif", pictures.gif_picture(), "GIF pictures are not taken"),
        ("bomb.png", pictures.decompression_bomb_png(), "too many pixels"),
        ("huge.png", pictures.many_pixels_png(), "too many pixels"),
        ("big.png", b"\x89PNG" + b"\0" * MAX_BYTES, "The file is too big"),
    ],
    ids=["text", "html-renamed", "svg", "gif", "decompression-bomb", "too-many-pixels", "too-big"],
)
def test_a_bad_upload_is_refused_with_its_reason_and_nothing_is_stored(
    teacher, question, media, name, content, message
):
    response = upload(teacher, question, name, content, image_alt=ALT)
    assert message in errors_of(response)
    question.refresh_from_db()
    assert not question.image
    assert not (media / "questions").exists() or not any((media / "questions").iterdir())


def test_a_picture_without_alt_text_is_refused_in_the_admin(teacher, question):
    response = upload(teacher, question, "map.png", pictures.map_png(300, 200), image_alt="  ")
    assert "a picture needs its alt text" in errors_of(response)
    question.refresh_from_db()
    assert not question.image


def test_clearing_the_picture_removes_its_alt_text_too(teacher, question):
    upload(teacher, question, "map.png", pictures.map_png(300, 200), image_alt=ALT)
    question.refresh_from_db()
    data = change_post(question) | {"image-clear": "on"}
    response = teacher.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.image.name, question.image_alt, question.image_width) == ("", "", None)


def test_saving_other_fields_keeps_the_picture(teacher, question):
    upload(teacher, question, "map.png", pictures.map_png(300, 200), image_alt=ALT)
    question.refresh_from_db()
    name = question.image.name
    data = change_post(question, time_limit_s="30")
    assert teacher.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)
    question.refresh_from_db()
    assert (question.image.name, question.time_limit_s, question.image_width) == (name, 30, 300)


# -- the game's copy ----------------------------------------------------------------------


def test_a_games_snapshot_carries_the_picture_and_others_carry_none(question):
    pictures.attach(question, pictures.map_png(300, 200))
    question.image_alt = ALT
    question.save()
    snapshot = {q["slug"]: q for q in quiz_snapshot(quiz=question.quiz)}
    assert snapshot[SLUG]["image"] == {
        "url": "/media/" + question.image.name,
        "alt": ALT,
        "width": 300,
        "height": 200,
    }
    assert all(q["image"] is None for slug, q in snapshot.items() if slug != SLUG)


def test_a_stored_file_is_only_pixels(question, media):
    pictures.attach(question, pictures.png_with_text_chunks())
    data = (media / question.image.name).read_bytes()
    assert b"tEXt" not in data and b"Bangladesh" not in data
    assert Image.open(io.BytesIO(data)).format == "PNG"

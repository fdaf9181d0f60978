"""Pictures in seed YAML: `image` and `alt` checked by the schema, the file beside the YAML
read and cleaned like an upload by `load_seeds`, written beside it by `export_quiz`;
spreadsheets cannot carry them and never delete them."""

from __future__ import annotations

import io
import shutil
import zipfile
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image

from classroom.accounts import create_teacher
from quizzes.images import picture_from_bytes
from quizzes.models import Question, Quiz
from quizzes.transfer import import_file, quiz_export_csv, quiz_export_xlsx
from quizzes.yaml_schema import SchemaError, validate_document
from tests.quizzes import pictures
from tests.quizzes.spreadsheets import csv_bytes

from .conftest import SMALL

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "example-picture-quiz.yaml"
ALT = "Map of South Asia: Pakistan's two wings with India between them."
SLUG = "tashkent-mediator"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def with_picture(data: dict, image: str | None = "pictures/map.png", alt: str | None = ALT):
    """The small fixture with a picture on its first question (`tashkent-mediator`)."""
    question = data["quizzes"][0]["questions"][0]
    assert question["slug"] == SLUG
    for key, value in (("image", image), ("alt", alt)):
        if value is not None:
            question[key] = value
    return data


def write(folder: Path, data: dict, picture: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if picture is not None:
        (folder / "pictures").mkdir(exist_ok=True)
        (folder / "pictures" / "map.png").write_bytes(picture)
    path = folder / "quiz.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def stored_files(media: Path) -> list[Path]:
    folder = media / "questions"
    return sorted(folder.iterdir()) if folder.exists() else []


def schema_errors(data: dict) -> list[str]:
    with pytest.raises(SchemaError) as caught:
        validate_document(data)
    return caught.value.errors


# -- the schema ---------------------------------------------------------------------------


def test_an_image_without_alt_text_is_refused(small_data):
    errors = schema_errors(with_picture(small_data, alt=None))
    assert errors == [
        "quizzes[0].questions[0].alt: required with an image: describe what a student needs "
        "from the picture"
    ]


def test_blank_alt_text_is_refused(small_data):
    assert "required with an image" in schema_errors(with_picture(small_data, alt="   "))[0]


def test_alt_text_without_an_image_is_refused(small_data):
    errors = schema_errors(with_picture(small_data, image=None))
    assert errors == [
        "quizzes[0].questions[0].alt: there is no image to describe: add `image` or remove `alt`"
    ]


def test_alt_text_has_the_models_length_limit(small_data):
    errors = schema_errors(with_picture(small_data, alt="x" * 251))
    assert errors == ["quizzes[0].questions[0].alt: too long: 251 characters, at most 250"]


@pytest.mark.parametrize(
    "path",
    ["../secret.png", "/etc/passwd", "pictures/../../x.png", "C:\\maps\\x.png", ".hidden.png"],
)
def test_an_image_path_must_stay_beside_the_file(small_data, path):
    errors = schema_errors(with_picture(small_data, image=path))
    assert errors == [
        f"quizzes[0].questions[0].image: '{path}' is not a path beside this file: write it "
        "relative to the YAML file, with / between folders, no .. and no leading /"
    ]


# -- load_seeds -------------------------------------------------------------------------


def test_load_seeds_stores_the_picture_beside_the_yaml_cleaned(tmp_path, small_data, media):
    path = write(tmp_path / "seed", with_picture(small_data), pictures.map_png(960, 640))
    run("load_seeds", str(path))
    question = Question.objects.get(slug=SLUG)
    assert (question.image_alt, question.image_width, question.image_height) == (ALT, 960, 640)
    assert "map" not in question.image.name and SLUG not in question.image.name
    assert stored_files(media) == [media / question.image.name]


def test_loading_the_same_file_twice_changes_nothing_and_writes_no_new_file(
    tmp_path, small_data, media
):
    path = write(tmp_path / "seed", with_picture(small_data), pictures.map_png())
    run("load_seeds", str(path))
    out, _ = run("load_seeds", str(path))
    assert "Question: 0 created, 0 updated, 12 unchanged" in out
    assert len(stored_files(media)) == 1


def test_a_dry_run_writes_no_picture(tmp_path, small_data, media):
    path = write(tmp_path / "seed", with_picture(small_data), pictures.map_png())
    out, _ = run("load_seeds", "--dry-run", str(path))
    assert "Question: 12 created" in out
    assert stored_files(media) == [] and not Question.objects.exists()


def test_a_new_picture_gets_a_new_file_and_the_old_one_stays_for_running_games(
    tmp_path, small_data, media
):
    path = write(tmp_path / "seed", with_picture(small_data), pictures.map_png(960, 640))
    run("load_seeds", str(path))
    first = Question.objects.get(slug=SLUG).image.name
    write(tmp_path / "seed", with_picture(small_data), pictures.map_png(480, 320))
    out, _ = run("load_seeds", str(path))
    assert "Question: 0 created, 1 updated, 11 unchanged" in out
    question = Question.objects.get(slug=SLUG)
    assert question.image.name != first and question.image_width == 480
    assert len(stored_files(media)) == 2


def test_a_picture_taken_out_of_the_yaml_is_taken_off_the_question(tmp_path, small_data):
    run("load_seeds", str(write(tmp_path / "a", with_picture(small_data), pictures.map_png())))
    plain = yaml.safe_load(SMALL.read_text(encoding="utf-8"))
    run("load_seeds", str(write(tmp_path / "b", plain)))
    question = Question.objects.get(slug=SLUG)
    assert (question.image.name, question.image_alt, question.image_width) == ("", "", None)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pictures.HTML, "This file is not a PNG, JPEG or WebP picture."),
        (pictures.SVG, "SVG drawings are not taken"),
        (pictures.decompression_bomb_png(), "too many pixels"),
    ],
    ids=["html", "svg", "bomb"],
)
def test_a_bad_picture_file_is_refused_with_its_key_and_nothing_is_written(
    tmp_path, small_data, media, content, message
):
    path = write(tmp_path / "seed", with_picture(small_data), content)
    with pytest.raises(CommandError) as caught:
        run("load_seeds", str(path))
    assert "quiz.yaml: quizzes[0].questions[0].image: " in str(caught.value)
    assert message in str(caught.value)
    assert not Quiz.objects.exists() and stored_files(media) == []


def test_a_missing_picture_file_is_named(tmp_path, small_data):
    path = write(tmp_path / "seed", with_picture(small_data))
    with pytest.raises(CommandError, match=r"there is no file 'pictures/map\.png' beside"):
        run("load_seeds", str(path))


def test_a_symlink_out_of_the_yamls_folder_is_refused(tmp_path, small_data):
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(pictures.map_png())
    path = write(tmp_path / "seed", with_picture(small_data, image="pictures/map.png"))
    (tmp_path / "seed" / "pictures").mkdir()
    (tmp_path / "seed" / "pictures" / "map.png").symlink_to(outside)
    with pytest.raises(CommandError, match="leads out of the YAML file's folder"):
        run("load_seeds", str(path))


# -- export_quiz --------------------------------------------------------------------------


def test_export_writes_the_picture_beside_the_yaml_and_a_round_trip_keeps_it(
    tmp_path, small_data, media
):
    run("load_seeds", str(write(tmp_path / "a", with_picture(small_data), pictures.map_png())))
    stored = Question.objects.get(slug=SLUG)
    stored_bytes = (media / stored.image.name).read_bytes()
    out = tmp_path / "export" / "test-quiz.yaml"
    run("export_quiz", "test-quiz", "-o", str(out))

    exported = yaml.safe_load(out.read_text(encoding="utf-8"))
    question = exported["quizzes"][0]["questions"][0]
    assert (question["image"], question["alt"]) == ("test-quiz-images/tashkent-mediator.png", ALT)
    assert (out.parent / question["image"]).read_bytes() == stored_bytes

    # Into an empty database, from the exported files alone.
    Quiz.objects.all().delete()
    shutil.rmtree(media)
    run("load_seeds", str(out))
    again = Question.objects.get(slug=SLUG)
    assert (again.image_alt, again.image_width, again.image_height) == (ALT, 960, 640)
    assert (media / again.image.name).read_bytes() == stored_bytes


def test_export_to_stdout_of_a_quiz_with_pictures_asks_for_a_file(tmp_path, small_data):
    run("load_seeds", str(write(tmp_path / "a", with_picture(small_data), pictures.map_png())))
    with pytest.raises(CommandError, match="give -o FILE"):
        run("export_quiz", "test-quiz")


def test_the_documented_example_loads_and_exports_as_itself(tmp_path):
    run("load_seeds", str(EXAMPLE))
    question = Question.objects.get(quiz__slug="example-picture-quiz")
    assert question.image_alt.startswith("Schematic map of South Asia")
    out = tmp_path / "example-picture-quiz.yaml"
    run("export_quiz", "example-picture-quiz", "-o", str(out))
    written = [line for line in EXAMPLE.read_text().splitlines() if not line.startswith("#")]
    assert out.read_text().splitlines() == written
    picture = "example-picture-quiz-images/eastern-wing.png"
    assert (tmp_path / picture).read_bytes() == (EXAMPLE.parent / picture).read_bytes()


def test_the_admins_yaml_download_carries_the_pictures(client, tmp_path, small_data):
    run("load_seeds", str(write(tmp_path / "a", with_picture(small_data), pictures.map_png())))
    client.force_login(create_teacher(username="ms-khan", password="pw-teacher-editor-1"))
    quiz = Quiz.objects.get(slug="test-quiz")
    response = client.post(
        reverse("admin:quizzes_quiz_changelist"),
        {"action": "download_yaml", "_selected_action": [str(quiz.pk)]},
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "test-quiz-images/tashkent-mediator.png",
        "test-quiz.yaml",
    ]
    assert Image.open(io.BytesIO(archive.read("test-quiz-images/tashkent-mediator.png")))


# -- spreadsheets -----------------------------------------------------------------------


@pytest.fixture
def pictured(tmp_path, small_data):
    run("load_seeds", str(write(tmp_path / "a", with_picture(small_data), pictures.map_png())))
    return Question.objects.get(slug=SLUG)


def test_an_update_from_a_spreadsheet_keeps_the_questions_picture(pictured):
    rows = [
        ["slug", "question", "answer_1", "answer_2", "correct", "explanation"],
        [
            SLUG,
            "Who hosted the Tashkent talks?",
            "Alexei Kosygin",
            "Leonid Brezhnev",
            1,
            "Kosygin.",
        ],
    ]
    report = import_file(name="fix.csv", data=csv_bytes(rows), quiz_slug="test-quiz")
    assert [prompt for _, prompt in report.updated] == ["Who hosted the Tashkent talks?"]
    after = Question.objects.get(pk=pictured.pk)
    assert after.prompt == "Who hosted the Tashkent talks?"
    assert (after.image.name, after.image_alt, after.image_width) == (
        pictured.image.name,
        ALT,
        pictured.image_width,
    )


def test_spreadsheet_exports_say_the_pictures_stay_behind(pictured):
    _, warnings = quiz_export_xlsx(quiz=pictured.quiz)
    assert any("have a picture, which a spreadsheet cannot carry" in w for w in warnings)
    assert "picture" not in quiz_export_csv(quiz=pictured.quiz).lower()
    _, err = run("export_quiz", "test-quiz", "--format", "csv")
    assert f"cannot carry ({SLUG})" in err


def test_a_quiz_without_pictures_exports_with_no_such_warning(small_doc):
    from quizzes.services import seed_documents_load

    seed_documents_load(documents=[small_doc])
    _, warnings = quiz_export_xlsx(quiz=Quiz.objects.get(slug="test-quiz"))
    assert not any("picture" in w for w in warnings)


def test_the_stored_picture_is_the_cleaned_file_not_the_authors(tmp_path, small_data, media):
    source = pictures.photo_jpeg_with_metadata()
    folder = tmp_path / "seed"
    path = write(folder, with_picture(small_data, image="pictures/photo.jpg"))
    (folder / "pictures").mkdir()
    (folder / "pictures" / "photo.jpg").write_bytes(source)
    run("load_seeds", str(path))
    stored = (media / Question.objects.get(slug=SLUG).image.name).read_bytes()
    assert stored == picture_from_bytes(source).data != source

"""The picture files a seed YAML names, read from beside it and cleaned like an upload.

A question's `image` is a path relative to its YAML file (docs/authoring.md,
"Pictures"). The schema (quizzes/yaml_schema.py) checks the path's form; this module
reads the file: it must be a regular file inside the YAML file's folder once every
link is followed (a symlink pointing elsewhere is refused), and it goes through
`quizzes.images.picture_from_file`, the same checks and cleaning as an admin upload.

Every problem is collected, with the key's path in the document, and raised as one
`SchemaError`, as the schema's own problems are. Pure: no Django.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from quizzes.images import Picture, PictureRefused, picture_from_file
from quizzes.seed_documents import QuestionDoc, SeedDocument
from quizzes.yaml_schema import SchemaError


def _named(document: SeedDocument) -> Iterator[tuple[str, QuestionDoc]]:
    for q_index, quiz in enumerate(document.quizzes):
        for index, question in enumerate(quiz.questions):
            if question.image is not None:
                yield f"quizzes[{q_index}].questions[{index}].image", question


def _read(folder: Path, relative: str) -> Picture:
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root):
        raise PictureRefused(f"'{relative}' leads out of the YAML file's folder")
    if not path.is_file():
        raise PictureRefused(f"there is no file '{relative}' beside the YAML file")
    try:
        with path.open("rb") as file:
            return picture_from_file(file)
    except OSError as exc:
        raise PictureRefused(f"cannot read '{relative}': {exc.strerror or exc}") from exc


def document_pictures(document: SeedDocument, *, folder: Path) -> dict[str, Picture]:
    """The cleaned picture of every `image` the document names, by its path as written;
    `SchemaError` listing every file that cannot be used."""
    pictures: dict[str, Picture] = {}
    refused: dict[str, str] = {}
    errors: list[str] = []
    for path, question in _named(document):
        relative = question.image
        if relative not in pictures and relative not in refused:
            try:
                pictures[relative] = _read(folder, relative)
            except PictureRefused as exc:
                refused[relative] = exc.message
        if relative in refused:
            errors.append(f"{path}: {refused[relative]}")
    if errors:
        raise SchemaError(errors)
    return pictures

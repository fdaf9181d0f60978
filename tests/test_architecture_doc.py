"""docs/architecture.md names only code that exists: every `module.name` it cites
imports, every file it cites is there, every test it cites is defined."""

from __future__ import annotations

import ast
import dataclasses
import functools
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
PACKAGES = ("classroom", "quizzes")
DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")
PATH = re.compile(r"^(classroom|quizzes|static|tests|templates|docs)/[\w./-]*$")
# Names of other libraries the document cites, by their first part.
OUTSIDE = {"SyncToAsync": "asgiref.sync"}


@functools.cache
def _modules() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Short module name -> dotted paths; top-level class name -> its modules."""
    modules: dict[str, list[str]] = {}
    classes: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            dotted = ".".join(parts)
            modules.setdefault(parts[-1], []).append(dotted)
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.ClassDef):
                    classes.setdefault(node.name, []).append(dotted)
    return modules, classes


def _cited() -> tuple[set[str], set[str]]:
    """(dotted names, paths) the document cites: inline code, and in its diagrams the
    dotted names that are not file names."""
    text = DOC.read_text()
    fenced = re.findall(r"```\n(.*?)```", text, flags=re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```\n.*?```", "", text, flags=re.S))
    names: set[str] = set()
    paths: set[str] = set()
    for token in inline:
        token = re.sub(r"\(.*\)$", "", token.strip())
        if PATH.match(token.split("::")[0]):
            paths.add(token)
        elif DOTTED.match(token):
            names.add(token)
    for block in fenced:
        for token in re.findall(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", block):
            if not token.endswith((".py", ".js")) and "/" not in token:
                names.add(token)
        paths.update(re.findall(r"(?:classroom|quizzes)/[\w/]+\.py", block))
    return names, paths


def _has(obj: object, name: str) -> bool:
    if dataclasses.is_dataclass(obj) and name in {f.name for f in dataclasses.fields(obj)}:
        return True
    return hasattr(obj, name)


def _resolve(name: str, modules: dict, classes: dict) -> str | None:
    """None if `name` exists, else why not."""
    first, *rest = name.split(".")
    if name.startswith(PACKAGES):
        # A full dotted path: the longest importable prefix, then attributes.
        for cut in range(len(rest) + 1, 0, -1):
            try:
                obj = importlib.import_module(".".join([first, *rest[: cut - 1]]))
            except ImportError:
                continue
            rest = rest[cut - 1 :]
            break
        else:
            return "no such module"
    elif first in modules:
        if len(modules[first]) > 1:
            return f"ambiguous module name, one of {modules[first]}"
        obj = importlib.import_module(modules[first][0])
    elif first in classes:
        if len(classes[first]) > 1:
            return f"ambiguous class name, one of {classes[first]}"
        obj = getattr(importlib.import_module(classes[first][0]), first)
    elif first in OUTSIDE:
        obj = getattr(importlib.import_module(OUTSIDE[first]), first)
    else:
        try:
            obj = importlib.import_module(first)
        except ImportError:
            return "not a module or class of the project"
    for part in rest:
        if not _has(obj, part):
            return f"{part!r} is not there"
        obj = getattr(obj, part, None)
    return None


NAMES, PATHS = _cited()


def test_the_document_cites_code_at_all():
    # The extraction itself must keep working: a document of no names proves nothing.
    assert len(NAMES) > 80 and len(PATHS) > 40


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_name_the_document_cites_exists(name):
    modules, classes = _modules()
    assert _resolve(name, modules, classes) is None, (name, _resolve(name, modules, classes))


@pytest.mark.parametrize("cited", sorted(PATHS))
def test_every_file_and_test_the_document_cites_exists(cited):
    path, _, test = cited.partition("::")
    assert (ROOT / path).exists(), path
    if test:
        assert re.search(rf"^(async )?def {re.escape(test)}\(", (ROOT / path).read_text(), re.M)

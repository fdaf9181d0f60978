"""The seed schema, the generator, the linter, the question kinds, the choice dealing and
the pictures' checks are pure: importing them loads no Django."""

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "module",
    [
        "quizzes.yaml_schema",
        "quizzes.schema_fields",
        "quizzes.seed_documents",
        "quizzes.generator",
        "quizzes.lint",
        "quizzes.kinds",
        "quizzes.choice_order",
        "quizzes.images",
        "quizzes.picture_files",
        "quizzes.periods",
        "quizzes.selection",
    ],
)
def test_a_pure_module_imports_without_django(module):
    code = (
        f"import sys, {module}; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'channels')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr

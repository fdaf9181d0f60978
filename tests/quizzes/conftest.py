from pathlib import Path

import pytest
import yaml

from quizzes.yaml_schema import SeedDocument, parse_document

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "small.yaml"


@pytest.fixture
def small_text() -> str:
    return SMALL.read_text(encoding="utf-8")


@pytest.fixture
def small_data(small_text: str) -> dict:
    """The small fixture as plain data, for tests that break one value."""
    return yaml.safe_load(small_text)


@pytest.fixture
def small_doc(small_text: str) -> SeedDocument:
    return parse_document(small_text)

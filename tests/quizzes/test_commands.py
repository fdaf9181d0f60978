"""load_seeds and export_quiz: thin commands that name the file and key on bad input."""

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from quizzes.models import Choice, Event, Question, Quiz, Timeline

from .conftest import SMALL

pytestmark = pytest.mark.django_db

# How load_seeds names a file inside the project: relative to the project directory.
SMALL_NAME = "tests/quizzes/fixtures/small.yaml"


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def row_counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Timeline, Event, Quiz, Question, Choice))


def write(tmp_path: Path, name: str, data: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_load_seeds_loads_a_file_and_reports_counts():
    out = run("load_seeds", str(SMALL))

    assert "Question: 12 created, 0 updated, 0 unchanged, 0 deleted" in out
    assert Quiz.objects.get(slug="test-quiz").questions.count() == 12


def test_load_seeds_twice_reports_nothing_to_change():
    run("load_seeds", str(SMALL))
    before = row_counts()

    out = run("load_seeds", str(SMALL))

    assert row_counts() == before
    assert "Question: 0 created, 0 updated, 12 unchanged, 0 deleted" in out
    assert "Nothing to change" in out


def test_dry_run_reports_what_would_change_and_writes_nothing():
    out = run("load_seeds", "--dry-run", str(SMALL))

    assert out.startswith("Dry run, nothing written.")
    assert "Question: 12 created" in out
    assert row_counts() == (0, 0, 0, 0, 0)


def test_editing_the_yaml_and_rerunning_updates_that_row(tmp_path, small_text):
    run("load_seeds", str(SMALL))
    edited = tmp_path / "edited.yaml"
    edited.write_text(small_text.replace("time_limit_s: 15", "time_limit_s: 30"), encoding="utf-8")

    out = run("load_seeds", str(edited))

    assert Question.objects.get(slug="u2-from-peshawar").time_limit_s == 30
    assert "Question: 0 created, 1 updated, 11 unchanged, 0 deleted" in out


def test_a_schema_error_names_file_and_key_and_writes_nothing(tmp_path, small_data):
    small_data["timeline"]["events"][3]["year"] = "1961"
    bad = write(tmp_path, "bad.yaml", small_data)

    with pytest.raises(CommandError) as caught:
        run("load_seeds", str(bad))

    assert str(caught.value) == f"{bad}: timeline.events[3].year: expected a whole number, got text"
    assert row_counts() == (0, 0, 0, 0, 0)


def test_every_file_is_validated_before_any_is_written(tmp_path, small_data):
    good = tmp_path / "a-good.yaml"
    good.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")
    other = dict(small_data, timeline=dict(small_data["timeline"], slug="other-timeline"))
    other["quizzes"] = [dict(other["quizzes"][0], slug="other-quiz", title=None)]
    bad = write(tmp_path, "b-bad.yaml", other)

    with pytest.raises(CommandError) as caught:
        run("load_seeds", str(good), str(bad))

    assert str(caught.value) == f"{bad}: quizzes[0].title: required"
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: 1\ntimeline: [\n", encoding="utf-8")

    with pytest.raises(CommandError, match=rf"^{bad}: line 3, column 1: YAML syntax error"):
        run("load_seeds", str(bad))


def test_two_files_defining_the_same_quiz_are_refused(tmp_path):
    copy = tmp_path / "copy.yaml"
    copy.write_text(SMALL.read_text(encoding="utf-8"), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        run("load_seeds", str(SMALL), str(copy))

    assert str(caught.value) == (
        f"{copy}: quizzes[0].slug: quiz 'test-quiz' is also defined in {SMALL_NAME}"
    )
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_second_file_may_repeat_the_same_timeline_for_another_quiz(tmp_path, small_data):
    small_data["timeline"]["events"].reverse()
    small_data["quizzes"][0]["slug"] = "second-quiz"
    second = write(tmp_path, "second.yaml", small_data)

    run("load_seeds", str(SMALL), str(second))

    assert sorted(Quiz.objects.values_list("slug", flat=True)) == ["second-quiz", "test-quiz"]
    assert Timeline.objects.count() == 1


def test_a_second_file_with_a_different_copy_of_the_timeline_is_refused(tmp_path, small_data):
    small_data["timeline"]["events"][0]["title"] = "Relations opened"
    small_data["quizzes"][0]["slug"] = "second-quiz"
    second = write(tmp_path, "second.yaml", small_data)

    with pytest.raises(CommandError) as caught:
        run("load_seeds", str(SMALL), str(second))

    assert str(caught.value) == (
        f"{second}: timeline.slug: timeline 'test-pk-ussr' is also defined in {SMALL_NAME}, "
        "differently; every copy of a timeline must be the same"
    )
    assert row_counts() == (0, 0, 0, 0, 0)


def test_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        run("load_seeds", str(tmp_path / "nope.yaml"))


def test_export_quiz_writes_yaml_that_loads_back_unchanged(tmp_path):
    run("load_seeds", str(SMALL))
    target = tmp_path / "export.yaml"

    call_command(
        "export_quiz", "test-quiz", "-o", str(target), stdout=StringIO(), stderr=StringIO()
    )
    out = run("load_seeds", str(target))

    assert "Nothing to change" in out
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["quizzes"][0]["slug"] == "test-quiz"


def test_export_quiz_prints_to_stdout_by_default():
    run("load_seeds", str(SMALL))

    out = run("export_quiz", "test-quiz")

    assert out.startswith("version: 1\ntimeline:\n  slug: test-pk-ussr\n")


def test_export_quiz_of_an_unknown_slug_is_an_error():
    with pytest.raises(CommandError, match="no quiz with slug 'nope'"):
        run("export_quiz", "nope")


def test_a_bad_file_leaves_previously_loaded_rows_untouched(tmp_path, small_data):
    run("load_seeds", str(SMALL))
    before = list(Question.objects.order_by("pk").values_list("pk", "prompt", "position"))
    small_data["quizzes"][0]["questions"][0]["prompt"] = "Changed"
    small_data["quizzes"][0]["questions"][1]["kind"] = "essay"
    bad = write(tmp_path, "half-good.yaml", small_data)

    with pytest.raises(CommandError, match=r"questions\[1\]\.kind: expected one of"):
        run("load_seeds", str(bad))

    assert list(Question.objects.order_by("pk").values_list("pk", "prompt", "position")) == before

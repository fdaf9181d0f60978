"""A game's setup without a database (classroom/game_setup.py): its bounds, how it is
stored and read back, the estimate of a game's length, the presets and the plain words."""

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from classroom.game_setup import (
    BETWEEN_QUESTIONS_S,
    GameSetup,
    SetupError,
    apply_preset,
    describe,
    estimate_minutes,
    estimate_seconds,
    presets,
)

SOON = datetime(2030, 3, 14, 18, 0, tzinfo=timezone(timedelta(hours=5)))
YEARS = {"early": "1947–58", "middle": "1958–71", "late": "1971–79"}


def test_the_defaults_are_a_live_game_of_every_question_in_timeline_order():
    setup = GameSetup()
    assert (setup.questions, setup.periods, setup.order, setup.time_scale) == (
        None,
        (),
        "timeline",
        1.0,
    )
    assert (setup.mode, setup.closes_at, setup.teams, setup.reading_s) == ("live", None, 0, 0)
    assert setup.switches == {
        "accuracy_only": False,
        "generated_names_only": False,
        "join_gate": False,
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"questions": 0}, "questions"),
        ({"questions": 501}, "questions"),
        ({"questions": True}, "questions"),
        ({"questions": 3.0}, "questions"),
        ({"periods": ["a"]}, "periods"),
        ({"periods": ("a", "a")}, "periods"),
        ({"periods": (1,)}, "periods"),
        ({"order": "random"}, "order"),
        ({"time_scale": 3.0}, "time_scale"),
        ({"time_scale": True}, "time_scale"),
        ({"time_scale": "1.5"}, "time_scale"),
        ({"mode": "homework"}, "mode"),
        ({"mode": "self_paced"}, "closes_at"),
        ({"mode": "self_paced", "closes_at": datetime(2030, 1, 1)}, "closes_at"),
        ({"closes_at": SOON}, "closes_at"),
        ({"teams": 1}, "teams"),
        ({"teams": 9}, "teams"),
        ({"teams": -2}, "teams"),
        ({"teams": "4"}, "teams"),
        ({"reading_s": -1}, "reading_s"),
        ({"reading_s": 11}, "reading_s"),
        ({"reading_s": 2.5}, "reading_s"),
        ({"accuracy_only": "yes"}, "accuracy_only"),
        ({"join_gate": 1}, "join_gate"),
        ({"generated_names_only": None}, "generated_names_only"),
    ],
)
def test_a_value_outside_its_bounds_is_refused_naming_its_field(values, field):
    with pytest.raises(SetupError) as refused:
        GameSetup(**values)
    assert refused.value.field == field


@pytest.mark.parametrize(
    "values",
    [
        {"questions": 1},
        {"questions": 500},
        {"time_scale": 1.5},
        {"time_scale": 2.0},
        {"teams": 0},
        {"teams": 2},
        {"teams": 8},
        {"reading_s": 10},
        {"mode": "self_paced", "closes_at": SOON},
    ],
)
def test_the_ends_of_each_range_are_accepted(values):
    GameSetup(**values)


def test_a_setup_is_stored_as_json_and_read_back_the_same():
    setup = GameSetup(
        questions=10,
        periods=("middle",),
        order="shuffled",
        time_scale=1.5,
        mode="self_paced",
        closes_at=SOON,
        accuracy_only=True,
        teams=4,
        reading_s=5,
        join_gate=True,
        generated_names_only=True,
    )
    stored = setup.as_stored()
    assert stored["closes_at"] == "2030-03-14T18:00:00+05:00"
    assert stored["periods"] == ["middle"]
    assert GameSetup.from_stored(stored) == setup


def test_a_stored_setup_from_an_older_or_newer_server_reads_as_far_as_it_can():
    assert GameSetup.from_stored({}) == GameSetup()
    assert GameSetup.from_stored(None) == GameSetup()
    assert GameSetup.from_stored({"teams": 3, "colour_scheme": "dark"}).teams == 3
    assert GameSetup.from_stored({"time_scale": 2}).time_scale == 2.0
    with pytest.raises(SetupError):
        GameSetup.from_stored({"mode": "self_paced", "closes_at": "next friday"})


def test_the_estimate_is_the_time_limits_scaled_plus_reading_and_the_time_between():
    assert BETWEEN_QUESTIONS_S == 25
    assert estimate_seconds([20, 20, 30], time_scale=1, reading_s=0) == 70 + 75
    assert estimate_seconds([20, 30], time_scale=1.5, reading_s=5) == 75 + 10 + 50
    assert estimate_seconds([], time_scale=2, reading_s=10) == 0


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(0, 0), (1, 1), (89, 1), (90, 2), (450, 8), (2045, 34)]
)
def test_minutes_round_half_up_and_a_game_is_never_zero_minutes(seconds, minutes):
    assert estimate_minutes(seconds) == minutes


def test_ten_twenty_second_questions_make_the_eight_minute_starter():
    seconds = estimate_seconds([20] * 10, time_scale=1, reading_s=0)
    assert estimate_minutes(seconds) == 8


def test_the_presets_set_the_questions_the_periods_and_the_order_and_keep_the_rest():
    keys = [preset.key for preset in presets(["early", "late"])]
    assert keys == ["starter", "full", "period-early", "period-late"]
    mine = GameSetup(questions=4, periods=("late",), order="shuffled", teams=3, reading_s=5)
    starter, full, early, _late = presets(["early", "late"])
    assert apply_preset(mine, starter) == GameSetup(questions=10, teams=3, reading_s=5)
    assert apply_preset(mine, full) == GameSetup(teams=3, reading_s=5)
    one = apply_preset(mine, early)
    assert (one.questions, one.periods, one.order, one.teams) == (None, ("early",), "shuffled", 3)
    assert starter.label.format(count=10, minutes=8) == "Starter: 10 questions, ~8 min"


def test_a_setup_in_plain_words():
    setup = GameSetup(questions=10, periods=("middle",), teams=4, reading_s=5)
    assert describe(setup, count=10, seconds=480, period_years=YEARS) == [
        "10 questions",
        "about 8 minutes",
        "1958–71",
        "4 teams",
        "reading time 5 s",
    ]


def test_every_choice_that_differs_from_the_default_is_said():
    setup = GameSetup(
        periods=("early", "late"),
        order="shuffled",
        time_scale=2.0,
        mode="self_paced",
        closes_at=SOON,
        accuracy_only=True,
        join_gate=True,
        generated_names_only=True,
    )
    words = describe(
        setup, count=1, seconds=40, period_years=YEARS, closes_at_text="Thu 14 Mar, 18:00"
    )
    assert words == [
        "1 question",
        "about 1 minute",
        "1947–58, 1971–79",
        "shuffled",
        "time limits × 2",
        "homework until Thu 14 Mar, 18:00",
        "accuracy only",
        "shapes to join",
        "generated names only",
    ]


def test_a_game_on_every_period_does_not_list_them():
    setup = GameSetup(periods=tuple(YEARS))
    assert describe(setup, count=44, seconds=2040, period_years=YEARS) == [
        "44 questions",
        "about 34 minutes",
    ]


def test_the_setup_module_imports_without_django():
    code = (
        "import sys, classroom.game_setup; "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'channels')); "
        "print(loaded); sys.exit(1 if loaded else 0)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_utc_is_a_time_zone_too():
    assert GameSetup(mode="self_paced", closes_at=SOON.astimezone(UTC)).closes_at == SOON

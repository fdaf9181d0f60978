"""The periods of a timeline and the one rule that places a year in one (quizzes/periods.py),
without a database; then the model's checks the admin saves through."""

import pytest
from django.core.exceptions import ValidationError

from quizzes.models import Timeline
from quizzes.periods import Period, from_stored, order_problems, outside, period_of, problems

SEED = [
    Period("1947-58", "1947–58: Neutral, then the Western alliances", 1947, 1958),
    Period("1958-71", "1958–71: The U-2 crisis, then a thaw", 1958, 1971),
    Period("1971-79", "1971–79: The 1971 war, then Bhutto's good spell", 1971, 1979),
    Period("1979-88", "1979–88: The Soviet war in Afghanistan", 1979, 1988),
]


@pytest.mark.parametrize(
    ("year", "slug"),
    [
        (1947, "1947-58"),
        (1957, "1947-58"),
        # The year a period ends is the next one's first: Ayub Khan's coup of 1958.
        (1958, "1958-71"),
        (1970, "1958-71"),
        (1971, "1971-79"),
        (1979, "1979-88"),
        # The last period includes its end year.
        (1988, "1979-88"),
        (1946, None),
        (1989, None),
        (None, None),
        (True, None),
    ],
)
def test_a_year_falls_in_exactly_one_period_or_none(year, slug):
    found = period_of(year, SEED)
    assert (found.slug if found else None) == slug


def test_no_periods_place_nothing():
    assert period_of(1966, []) is None


def test_a_period_names_its_years_the_way_a_teacher_writes_them():
    assert [p.years for p in SEED] == ["1947–58", "1958–71", "1971–79", "1979–88"]
    assert Period("c", "Then", 1995, 2003).years == "1995–2003"


def test_contiguous_periods_inside_the_timeline_have_no_problems():
    assert list(problems(SEED, timeline_start=1947, timeline_end=1988)) == []


def test_a_gap_an_overlap_an_empty_period_and_one_outside_are_each_named():
    gap = [SEED[0], Period("b", "B", 1960, 1971)]
    overlap = [SEED[0], Period("b", "B", 1955, 1971)]
    empty = [Period("a", "A", 1960, 1960)]
    assert [(i, key) for i, key, _ in order_problems(gap)] == [(1, "start")]
    assert [(i, key) for i, key, _ in order_problems(overlap)] == [(1, "start")]
    assert [(i, key) for i, key, _ in order_problems(empty)] == [(0, "end")]
    late = list(outside(SEED, timeline_start=1950, timeline_end=1980))
    assert [(i, key) for i, key, _ in late] == [(0, "start"), (3, "end")]


def test_stored_periods_read_back_as_periods():
    stored = [p.as_dict() for p in SEED]
    assert from_stored(stored) == tuple(SEED)
    assert from_stored([]) == () and from_stored(None) == ()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1947-58", "periods must be a list"),
        ([{"slug": "a", "title": "A", "start": 1947}], "exactly the keys"),
        ([{"slug": "A b", "title": "A", "start": 1947, "end": 1950}], "slug must be a slug"),
        ([{"slug": "a", "title": " ", "start": 1947, "end": 1950}], "title must be text"),
        ([{"slug": "a", "title": "A", "start": "1947", "end": 1950}], "start must be a year"),
        ([{"slug": "a", "title": "A", "start": 1947, "end": True}], "end must be a year"),
        ([{"slug": "a", "title": "A", "start": 1947, "end": 10**6}], "end must be a year"),
        (
            [
                {"slug": "a", "title": "A", "start": 1947, "end": 1950},
                {"slug": "a", "title": "B", "start": 1950, "end": 1960},
            ],
            "used twice",
        ),
    ],
)
def test_anything_else_stored_is_refused_with_what_is_wrong(value, message):
    with pytest.raises(ValueError, match=message):
        from_stored(value)


@pytest.mark.django_db
def test_the_model_refuses_what_the_yaml_would_refuse():
    timeline = Timeline(slug="t", title="T", period_start=1947, period_end=1988)
    timeline.periods = [p.as_dict() for p in SEED]
    timeline.full_clean()
    timeline.periods = [SEED[0].as_dict(), {**SEED[2].as_dict()}]
    with pytest.raises(ValidationError, match="period 2: must be 1958"):
        timeline.full_clean()
    timeline.periods = [{**SEED[0].as_dict(), "start": 1940}]
    with pytest.raises(ValidationError, match="outside the timeline's period 1947-1988"):
        timeline.full_clean()
    timeline.periods = {"not": "a list"}
    with pytest.raises(ValidationError, match="periods must be a list"):
        timeline.full_clean()


@pytest.mark.django_db
def test_an_unreadable_stored_list_reads_as_no_periods():
    timeline = Timeline(slug="t", title="T", period_start=1947, period_end=1988, periods="x")
    assert timeline.period_list() == ()

"""The periods of a timeline (the parts a lesson is taught in) and the one rule that
places a year in one of them.

Pure: no Django. A timeline's periods are written in its YAML (`periods`, read by
`quizzes/yaml_schema.py`), stored on `Timeline.periods` as a list of dicts, copied
into every game that is started (so its report does not change when the timeline is
edited later), and read by the game setup, the selection of a game's questions, the
report's by-period table and the timeline chart's bands.

The rule (`period_of`): a period runs from its `start` year up to its `end` year,
and the year it ends is the first year of the next period ("1947–58" then
"1958–71": 1958 is in the second, the year Ayub Khan took power). The last period
includes its `end` year. Periods are contiguous: each starts in the year the one
before it ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 40
TITLE_MAX = 80
# A timeline split into more parts than this is no longer something to choose from.
MAX_PERIODS = 12
KEYS = ("slug", "title", "start", "end")


@dataclass(frozen=True)
class Period:
    slug: str
    # A short name a teacher and a student understand: "1947–58: Neutral, then the
    # Western alliances".
    title: str
    start: int
    end: int

    @property
    def years(self) -> str:
        """The years in the short form a teacher writes them: "1947–58", "1995–2003"."""
        if self.start // 100 == self.end // 100:
            return f"{self.start}–{self.end % 100:02d}"
        return f"{self.start}–{self.end}"

    def as_dict(self) -> dict[str, Any]:
        """As stored in `Timeline.periods` and `Game.setup`, and written to YAML."""
        return {"slug": self.slug, "title": self.title, "start": self.start, "end": self.end}


def period_of(year: int | None, periods: Sequence[Period]) -> Period | None:
    """The period `year` falls in (see the module docstring), or None when it falls in
    none of them (or there is no year)."""
    if year is None or isinstance(year, bool):
        return None
    for index, period in enumerate(periods):
        last = index == len(periods) - 1
        if period.start <= year < period.end or (last and year == period.end):
            return period
    return None


def problems(
    periods: Sequence[Period], *, timeline_start: int | None, timeline_end: int | None
) -> Iterator[tuple[int | None, str, str]]:
    """What is wrong with a timeline's list of periods, as (index, key, message); the
    index is None for the list as a whole. See `order_problems` and `outside`."""
    yield from order_problems(periods)
    if timeline_start is not None and timeline_end is not None:
        yield from outside(periods, timeline_start=timeline_start, timeline_end=timeline_end)


def order_problems(periods: Sequence[Period]) -> Iterator[tuple[int | None, str, str]]:
    """Each period lasts at least a year; the list is in order and contiguous (each
    starts the year the one before ends); a handful at most."""
    if len(periods) > MAX_PERIODS:
        yield None, "", f"at most {MAX_PERIODS} periods, got {len(periods)}"
    for index, period in enumerate(periods):
        if period.end <= period.start:
            yield (
                index,
                "end",
                f"end ({period.end}) must be after start ({period.start}); "
                "a period lasts at least a year",
            )
        elif index and period.start != periods[index - 1].end:
            before = periods[index - 1]
            yield (
                index,
                "start",
                f"must be {before.end}, the year the period before it ends "
                f"({before.slug}: {before.start}-{before.end}): periods follow each "
                "other without gaps or overlaps",
            )


def outside(
    periods: Sequence[Period], *, timeline_start: int, timeline_end: int
) -> Iterator[tuple[int | None, str, str]]:
    """Every period lies inside the timeline's own period."""
    for index, period in enumerate(periods):
        if period.start < timeline_start or period.end > timeline_end:
            yield (
                index,
                "start" if period.start < timeline_start else "end",
                f"{period.start}-{period.end} is outside the timeline's period "
                f"{timeline_start}-{timeline_end}",
            )


def from_stored(value: Any) -> tuple[Period, ...]:
    """The periods stored as JSON (`Timeline.periods`, `Game.setup`); ValueError names
    the first thing that is not a period."""
    if value in (None, ""):
        return ()
    if not isinstance(value, list):
        raise ValueError("periods must be a list")
    result = []
    for index, item in enumerate(value):
        result.append(_one(item, index))
    slugs = [period.slug for period in result]
    for index, slug in enumerate(slugs):
        if slug in slugs[:index]:
            raise ValueError(f"period {index + 1}: the slug '{slug}' is used twice")
    return tuple(result)


def _one(item: Any, index: int) -> Period:
    where = f"period {index + 1}"
    if not isinstance(item, Mapping) or set(item) != set(KEYS):
        raise ValueError(f"{where} must have exactly the keys {', '.join(KEYS)}")
    slug, title, start, end = (item[key] for key in KEYS)
    if not isinstance(slug, str) or len(slug) > SLUG_MAX or not SLUG_RE.match(slug):
        raise ValueError(f"{where}: slug must be a slug of at most {SLUG_MAX} characters")
    if not isinstance(title, str) or not title.strip() or len(title) > TITLE_MAX:
        raise ValueError(f"{where}: title must be text of 1 to {TITLE_MAX} characters")
    for key, year in (("start", start), ("end", end)):
        if isinstance(year, bool) or not isinstance(year, int) or not 1 <= year <= 9999:
            raise ValueError(f"{where}: {key} must be a year (a whole number 1-9999)")
    return Period(slug=slug, title=title, start=start, end=end)


def as_stored(periods: Iterable[Period]) -> list[dict[str, Any]]:
    return [period.as_dict() for period in periods]

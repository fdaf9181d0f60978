"""Lay out a relationship timeline as a chart: pure geometry, no Django.

Each event sits at its date on a horizontal axis, above the line when it improved
relations and below when it worsened them (neutral events sit on the line), so the
shape of the chart is the answer to "how successful was the relationship?". Labels
are stacked in levels so they do not overlap; the template turns the result into SVG.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from quizzes.periods import Period

WIDTH = 1200
HEIGHT = 560
MARGIN_X = 40
AXIS_Y = HEIGHT // 2
LEVEL_HEIGHT = 34
MAX_LEVELS = 6
FIRST_LEVEL_OFFSET = 40
CHAR_WIDTH = 6.6  # average width of a 12 px label character, for overlap checks
# Short enough that the seed's 31 events fit in MAX_LEVELS levels without overlapping.
LABEL_MAX_CHARS = 26


@dataclass(frozen=True)
class ChartEvent:
    slug: str
    year: int
    month: int | None
    title: str
    effect: str  # improved | worsened | neutral
    verdict: str  # success | failure | neutral
    # Shown instead of the year when the date is uncertain ("mid-1980s").
    date_text: str = ""

    @classmethod
    def of(cls, event: Any) -> ChartEvent:
        """An `Event` row or an `EventDoc` (anything with these attributes) as a chart event."""
        return cls(
            slug=event.slug,
            year=event.year,
            month=event.month,
            title=event.title,
            effect=event.effect,
            verdict=event.verdict,
            date_text=event.date_text,
        )


@dataclass(frozen=True)
class PlacedEvent:
    event: ChartEvent
    x: float
    marker_y: float
    label_y: float
    label: str
    side: str  # above | below | on
    anchor: str  # start | end (text-anchor, keeps labels inside the chart)


@dataclass(frozen=True)
class Tick:
    x: float
    year: int


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    label: str


@dataclass
class Chart:
    width: int
    height: int
    axis_y: int
    axis_x1: float
    axis_x2: float
    events: list[PlacedEvent] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    successes: int = 0
    failures: int = 0


def short_label(title: str, year: int, date_text: str = "") -> str:
    text = title if len(title) <= LABEL_MAX_CHARS else title[: LABEL_MAX_CHARS - 1].rstrip() + "…"
    return f"{date_text or year} {text}"


def x_for(year: int, month: int | None, *, start: int, end: int) -> float:
    # An event without a month sits in the middle of its year.
    fraction_of_year = ((month or 6.5) - 0.5) / 12
    span = (end + 1) - start
    return MARGIN_X + ((year - start) + fraction_of_year) / span * (WIDTH - 2 * MARGIN_X)


def layout(
    events: Iterable[ChartEvent], *, start: int, end: int, periods: Sequence[Period] = ()
) -> Chart:
    """Place every event of the period; events outside [start, end] are left out. Each
    of the timeline's `periods` (quizzes/periods.py) is a shaded band, labelled with
    its years."""
    chart = Chart(
        width=WIDTH,
        height=HEIGHT,
        axis_y=AXIS_Y,
        axis_x1=MARGIN_X,
        axis_x2=WIDTH - MARGIN_X,
    )
    in_period = sorted(
        (e for e in events if start <= e.year <= end), key=lambda e: (e.year, e.month or 0, e.slug)
    )
    occupied: dict[str, list[list[tuple[float, float]]]] = {
        "above": [[] for _ in range(MAX_LEVELS)],
        "below": [[] for _ in range(MAX_LEVELS)],
    }
    for event in in_period:
        x = x_for(event.year, event.month, start=start, end=end)
        side = {"improved": "above", "worsened": "below"}.get(event.effect, "on")
        label = short_label(event.title, event.year, event.date_text)
        width = len(label) * CHAR_WIDTH
        anchor = "end" if x + width > WIDTH - MARGIN_X / 2 else "start"
        span = (x - width, x) if anchor == "end" else (x, x + width)
        # Neutral events keep their marker on the axis and share the upper labels'
        # levels, so no two labels overlap.
        label_side = "below" if side == "below" else "above"
        level = _free_level(occupied[label_side], span)
        occupied[label_side][level].append(span)
        offset = FIRST_LEVEL_OFFSET + level * LEVEL_HEIGHT
        label_y = AXIS_Y + offset if label_side == "below" else AXIS_Y - offset
        chart.events.append(
            PlacedEvent(
                event=event,
                x=round(x, 1),
                marker_y=AXIS_Y,
                label_y=label_y,
                label=label,
                side=side,
                anchor=anchor,
            )
        )
        chart.successes += event.verdict == "success"
        chart.failures += event.verdict == "failure"
    for year in range(start - start % 5 + 5 if start % 5 else start, end + 1, 5):
        chart.ticks.append(Tick(x=round(x_for(year, 1, start=start, end=end), 1), year=year))
    for period in periods:
        if period.end < start or period.start > end:
            continue
        x1 = x_for(max(period.start, start), 1, start=start, end=end)
        x2 = WIDTH - MARGIN_X
        # A period ends where the next begins (its end year is the next one's first).
        if period.end < end:
            x2 = x_for(period.end, 1, start=start, end=end)
        chart.bands.append(Band(x=round(x1, 1), width=round(x2 - x1, 1), label=period.years))
    return chart


def _free_level(levels: Sequence[list[tuple[float, float]]], span: tuple[float, float]) -> int:
    gap = 8
    for index, spans in enumerate(levels):
        if all(span[1] + gap <= a or span[0] >= b + gap for a, b in spans):
            return index
    # Crowded: reuse the level with the fewest labels rather than leave the chart.
    return min(range(len(levels)), key=lambda i: len(levels[i]))

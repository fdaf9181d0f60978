"""The timeline chart's geometry, without a database."""

from quizzes.periods import Period
from quizzes.timeline_chart import AXIS_Y, MARGIN_X, WIDTH, ChartEvent, layout, x_for


def event(slug, year, effect, verdict, month=None, title=None):
    return ChartEvent(
        slug=slug, year=year, month=month, title=title or slug, effect=effect, verdict=verdict
    )


def test_improving_events_sit_above_the_line_and_worsening_ones_below():
    chart = layout(
        [
            event("u2", 1960, "worsened", "failure", month=5),
            event("tashkent", 1966, "improved", "success", month=1),
            event("relations", 1948, "neutral", "neutral", month=5),
        ],
        start=1947,
        end=1988,
    )
    placed = {p.event.slug: p for p in chart.events}
    assert placed["tashkent"].label_y < AXIS_Y
    assert placed["u2"].label_y > AXIS_Y
    assert placed["relations"].side == "on"
    assert all(p.marker_y == AXIS_Y for p in chart.events)


def test_events_are_placed_in_date_order_from_left_to_right():
    chart = layout(
        [
            event("b", 1971, "worsened", "failure", month=12),
            event("a", 1971, "worsened", "failure", month=8),
            event("c", 1955, "worsened", "failure"),
        ],
        start=1947,
        end=1988,
    )
    xs = [p.x for p in chart.events]
    assert [p.event.slug for p in chart.events] == ["c", "a", "b"]
    assert xs == sorted(xs)


def test_events_outside_the_period_are_left_out():
    chart = layout(
        [event("in", 1965, "improved", "success"), event("after", 1999, "improved", "success")],
        start=1947,
        end=1988,
    )
    assert [p.event.slug for p in chart.events] == ["in"]


def test_the_tally_counts_successes_and_failures():
    chart = layout(
        [
            event("a", 1950, "worsened", "failure"),
            event("b", 1960, "worsened", "failure"),
            event("c", 1965, "improved", "success"),
            event("d", 1948, "neutral", "neutral"),
        ],
        start=1947,
        end=1988,
    )
    assert (chart.successes, chart.failures) == (1, 2)


def test_labels_on_the_same_side_do_not_overlap():
    chart = layout(
        [event(f"e{i}", 1971, "worsened", "failure", month=i + 1) for i in range(6)],
        start=1947,
        end=1988,
    )
    assert len({p.label_y for p in chart.events}) == 6


PERIODS = [
    Period("early", "1947–58: Neutral", 1947, 1958),
    Period("middle", "1958–71: A thaw", 1958, 1971),
    Period("late", "1971–88: Wars", 1971, 1988),
]


def test_the_timelines_periods_are_drawn_as_bands_labelled_with_their_years():
    chart = layout([], start=1947, end=1988, periods=PERIODS)
    assert [band.label for band in chart.bands] == ["1947–58", "1958–71", "1971–88"]
    # Each band ends where the next begins; the last runs to the end of the axis.
    first, second, last = chart.bands
    boundary = round(x_for(1958, 1, start=1947, end=1988), 1)
    assert round(first.x + first.width, 1) == second.x == boundary
    assert round(last.x + last.width, 1) == WIDTH - MARGIN_X


def test_a_timeline_without_periods_has_no_bands():
    assert layout([], start=1947, end=1988).bands == []


def test_an_uncertain_date_is_labelled_with_its_text_not_its_year():
    chart = layout(
        [
            ChartEvent(
                slug="nuclear",
                year=1986,
                month=None,
                title="Moscow warns Pakistan",
                effect="worsened",
                verdict="failure",
                date_text="mid-1980s",
            )
        ],
        start=1947,
        end=1988,
    )
    assert chart.events[0].label == "mid-1980s Moscow warns Pakistan"


def test_no_two_labels_of_the_seed_timeline_overlap():
    """The seed has 31 events in the period; each label must find a free level."""
    from django.conf import settings

    from quizzes.timeline_chart import CHAR_WIDTH
    from quizzes.yaml_schema import parse_document

    seed = settings.BASE_DIR / "seeds" / "pakistan-ussr.yaml"
    document = parse_document(seed.read_text(encoding="utf-8"))
    chart = layout(
        (ChartEvent.of(e) for e in document.timeline.events if e.in_period),
        start=1947,
        end=1988,
    )
    spans: dict[float, list[tuple[float, float]]] = {}
    for placed in chart.events:
        width = len(placed.label) * CHAR_WIDTH
        span = (
            (placed.x - width, placed.x) if placed.anchor == "end" else (placed.x, placed.x + width)
        )
        for a, b in spans.get(placed.label_y, []):
            assert span[1] <= a or span[0] >= b, placed.label
        spans.setdefault(placed.label_y, []).append(span)

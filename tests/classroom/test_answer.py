"""The answer page's outline (classroom/answer.py): votes placed among the timeline's
events, period by period, with one sentence of evidence each. Plain data in and out."""

import pytest

from classroom.answer import TimelineEvent, first_sentence, outline, period_label
from classroom.verdicts import VerdictRow
from quizzes.periods import Period

PERIODS = [
    Period(slug="1947-58", title="1947–58", start=1947, end=1958),
    Period(slug="1958-71", title="1958–71", start=1958, end=1971),
    Period(slug="1971-88", title="1971–88", start=1971, end=1988),
]


def event(slug, year, verdict="neutral", summary="It happened. Then more."):
    return TimelineEvent(slug, slug.title(), str(year), year, summary, verdict, f"{slug} reason")


def vote(slug, year, success, failure, source="failure"):
    agreed = {"success": success, "failure": failure}[source]
    majority = "split" if success == failure else "success" if success > failure else "failure"
    return VerdictRow(
        number=1, title=slug.title(), date_label=str(year), slug=slug, year=year,
        source=source, reason="because.", success=success, failure=failure,
        voted=success + failure, agreed=agreed, share=None, majority=majority,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("One. Two.", "One."),
        ("In 1963 Z. A. Bhutto signed. Later, more.", "In 1963 Z. A. Bhutto signed."),
        ("Under H. S. Suhrawardy, visits! Then?", "Under H. S. Suhrawardy, visits!"),
        ("  A  line\n  broken. ", "A line broken."),
        ("On 1 May 1948 it was done. \"Quoted\" next.", "On 1 May 1948 it was done."),
        ("", ""),
    ],
)  # fmt: skip
def test_the_evidence_is_the_first_sentence_and_an_initial_ends_none(text, first):
    assert first_sentence(text) == first


def test_a_year_falls_in_one_period_the_last_including_its_end():
    assert [period_label(y, PERIODS) for y in (1947, 1958, 1970, 1971, 1988, 1989, None)] == [
        "1947–58", "1958–71", "1958–71", "1971–88", "1971–88", None, None,
    ]  # fmt: skip


def test_votes_stand_among_the_periods_events_in_date_order():
    events = [
        event("seato", 1954, "failure"),
        event("oil", 1961, "success"),
        event("u2", 1960, "failure"),
        event("tashkent", 1966, "success"),
    ]
    shown = outline(
        question="How successful?",
        votes=[vote("oil", 1961, 3, 1, "success"), vote("seato", 1954, 1, 1)],
        events=events,
        periods=PERIODS,
        overall_verdict="Not successful.",
    )
    first, second, third = shown.periods
    assert [(e.title, e.vote is not None) for e in second.events] == [
        ("U2", False),
        ("Oil", True),
        ("Tashkent", False),
    ]
    assert second.events[0].evidence == "It happened." and second.events[0].source == "failure"
    assert (second.votes.success, second.votes.failure, second.votes.majority) == (3, 1, "success")
    assert second.votes.majority_label == "Mostly success" and second.votes.success_share == 75.0
    assert (second.source.success, second.source.failure) == (2, 1)
    assert first.votes.majority_label == "Split evenly" and first.source.majority == "failure"
    assert third.events == [] and third.votes.majority_label == "No votes"
    assert (shown.votes.success, shown.votes.failure, shown.judged) == (4, 2, 2)


def test_a_vote_on_an_event_no_longer_on_the_timeline_still_counts():
    shown = outline(
        question="?",
        votes=[vote("gone", 1955, 2, 0, "success"), vote("undated", None, 1, 0, "success")],
        events=[],
        periods=PERIODS,
        overall_verdict="",
    )
    [gone] = shown.periods[0].events
    assert gone.vote is not None and gone.evidence == "" and gone.source_label == "success"
    assert [e.title for e in shown.unplaced] == ["Undated"] and shown.judged == 2

"""Which questions a game asks and why the others are not (quizzes/selection.py), without
a database: periods, counts, the spread over periods, events and kinds, the two orders,
the seed, and what a reveal may show."""

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.selection import (
    NO_SINGLE_PERIOD,
    NOT_IN_PERIODS,
    OVER_THE_LIMIT,
    Candidate,
    conceal_later_events,
    last_on_their_event,
    reason_text,
    seed_for,
    select,
    timeline_order,
)

PERIODS = ["early", "middle", "late"]
KINDS = ["choice", "true_false", "year_guess", "order"]


def quiz() -> list[Candidate]:
    """18 questions on 12 events: early 1950-57 (5 questions, 4 events), middle 1960-69
    (6 questions, 4 events), late 1971-79 (5 questions, 4 events), and 2 questions
    without an event (an "order" question written after 1960's, the overall verdict)."""
    rows = [
        # (position, kind, event, year, period)
        (0, "year_guess", "e1950", 1950, "early"),
        (1, "choice", "e1952", 1952, "early"),
        (2, "choice", "e1954", 1954, "early"),
        (3, "true_false", "e1954", 1954, "early"),
        (4, "choice", "e1957", 1957, "early"),
        (5, "choice", "m1960", 1960, "middle"),
        (6, "order", None, None, None),
        (7, "true_false", "m1960", 1960, "middle"),
        (8, "year_guess", "m1963", 1963, "middle"),
        (9, "choice", "m1966", 1966, "middle"),
        (10, "choice", "m1966", 1966, "middle"),
        (11, "choice", "m1969", 1969, "middle"),
        (12, "choice", "l1971", 1971, "late"),
        (13, "year_guess", "l1972", 1972, "late"),
        (14, "true_false", "l1975", 1975, "late"),
        (15, "choice", "l1979", 1979, "late"),
        (16, "choice", "l1979", 1979, "late"),
        (17, "choice", None, None, None),
    ]
    return [
        Candidate(
            id=100 + position,
            position=position,
            kind=kind,
            event=event,
            date=(year, 0, 0) if year else None,
            period=period,
        )
        for position, kind, event, year, period in rows
    ]


def pick(count=None, periods=(), order="timeline", seed=1947, candidates=None):
    return select(
        quiz() if candidates is None else candidates,
        count=count,
        chosen_periods=periods,
        all_periods=PERIODS,
        order=order,
        seed=seed,
    )


def by_id(candidates=None):
    return {c.id: c for c in (quiz() if candidates is None else candidates)}


def test_by_default_every_question_is_asked_in_timeline_order():
    picked = pick()
    assert picked.left_out == () and picked.eligible == 18
    positions = [by_id()[i].position for i in picked.chosen]
    # The order question written after the 1960 question keeps its place after it;
    # the verdict, written last, comes last; dates otherwise.
    assert positions == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]


def test_timeline_order_follows_the_events_dates_not_the_quizs_order():
    a = Candidate(id=1, position=0, kind="choice", event="b", date=(1966, 1, 10), period=None)
    b = Candidate(id=2, position=1, kind="choice", event="a", date=(1960, 5, 1), period=None)
    loose = Candidate(id=3, position=2, kind="order", event=None, date=None, period=None)
    c = Candidate(id=4, position=3, kind="choice", event="a", date=(1960, 5, 1), period=None)
    # No event: right after the question written before it (b). Same date: the quiz's
    # order (b, then the loose one, then c).
    assert [x.id for x in timeline_order([a, b, loose, c])] == [2, 3, 4, 1]


def test_one_period_asks_only_its_questions_and_says_why_the_others_are_not():
    picked = pick(periods=["middle"])
    assert {by_id()[i].period for i in picked.chosen} == {"middle"}
    assert len(picked.chosen) == picked.eligible == 6
    reasons = dict(picked.left_out)
    assert reasons[100] == NOT_IN_PERIODS
    # Questions without an event belong to no single period.
    assert reasons[106] == reasons[117] == NO_SINGLE_PERIOD
    assert set(reasons) | set(picked.chosen) == set(by_id())


def test_questions_without_an_event_are_asked_in_a_game_on_every_period():
    for periods in ([], PERIODS):
        assert {106, 117} <= set(pick(periods=periods).chosen)


def test_a_limited_game_takes_that_many_and_says_it_was_limited():
    picked = pick(count=6)
    assert len(picked.chosen) == 6 and picked.eligible == 18
    limited = [i for i, reason in picked.left_out if reason == OVER_THE_LIMIT]
    assert len(limited) == 12


def test_a_count_above_the_chosen_periods_questions_asks_them_all():
    picked = pick(count=10, periods=["late"])
    assert len(picked.chosen) == 5
    assert OVER_THE_LIMIT not in dict(picked.left_out).values()


def test_the_spread_gives_every_chosen_period_its_share():
    counts = Counter(by_id()[i].period for i in pick(count=9, periods=PERIODS).chosen)
    # 12 different events, 4 in each period, and 2 questions without one: 9 questions
    # are shared 3 / 3 / 3 minus what the questions without an event take.
    assert counts["early"] >= 2 and counts["middle"] >= 2 and counts["late"] >= 2
    assert sum(counts.values()) == 9
    # With as many questions as periods, each period gets one.
    three = Counter(by_id()[i].period for i in pick(count=3, periods=PERIODS).chosen)
    assert three == {"early": 1, "middle": 1, "late": 1}


def test_two_questions_on_one_event_only_when_the_count_needs_it():
    for count in range(1, 15):
        chosen = pick(count=count).chosen
        events = [by_id()[i].event or f"#{i}" for i in chosen]
        # 12 events and 2 questions without one: up to 14, every event once.
        assert len(events) == len(set(events)), count
    chosen = pick(count=16).chosen
    assert len({by_id()[i].event or i for i in chosen}) == 14


def test_the_kinds_are_spread_within_the_count():
    kinds = Counter(by_id()[i].kind for i in pick(count=8).chosen)
    # The quiz has 3 year guesses, 3 true/false and 1 order question among 18.
    assert kinds["year_guess"] >= 2 and kinds["true_false"] >= 2


def test_the_same_setup_picks_the_same_questions_and_another_seed_may_not():
    assert pick(count=6, seed=7) == pick(count=6, seed=7)
    differ = {pick(count=6, seed=seed).chosen for seed in range(20)}
    assert len(differ) > 1


def test_shuffled_asks_the_same_questions_in_another_order_every_time_the_same():
    timeline = pick(count=10)
    shuffled = pick(count=10, order="shuffled")
    assert set(shuffled.chosen) == set(timeline.chosen)
    assert shuffled.chosen != timeline.chosen
    assert shuffled == pick(count=10, order="shuffled")


def test_the_seed_is_the_quiz_and_the_setups_choice_of_questions():
    base = {"quiz": "q", "count": 10, "periods": ["b", "a"]}
    assert seed_for(**base) == seed_for(quiz="q", count=10, periods=["a", "b"])
    assert seed_for(**base) != seed_for(**{**base, "quiz": "other"})
    assert seed_for(**base) != seed_for(**{**base, "count": 11})
    assert seed_for(**base) != seed_for(**{**base, "periods": ["a"]})
    assert seed_for(**{**base, "count": None}) != seed_for(**base)


def test_a_quiz_without_periods_asks_everything_it_has():
    loose = [
        Candidate(id=i, position=i, kind="choice", event=None, date=None, period=None)
        for i in range(4)
    ]
    picked = select(loose, count=None, chosen_periods=(), all_periods=[], order="timeline", seed=1)
    assert picked.chosen == (0, 1, 2, 3)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"order": "random"}, "order must be one of timeline, shuffled"),
        ({"count": 0}, "count must be at least 1"),
        ({"periods": ["nope"]}, "no such period: nope"),
    ],
)
def test_a_setup_the_selection_cannot_follow_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        pick(**changes)


def test_each_reason_reads_as_plain_words():
    assert reason_text(NOT_IN_PERIODS) == "not in the chosen periods"
    assert reason_text(OVER_THE_LIMIT, limit=10) == "the game was limited to 10 questions"
    assert reason_text(OVER_THE_LIMIT, limit=1) == "the game was limited to 1 question"
    assert "every period" in reason_text(NO_SINGLE_PERIOD)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(KINDS),
            st.integers(min_value=0, max_value=7),
            st.sampled_from([*PERIODS, None]),
        ),
        min_size=1,
        max_size=30,
    ),
    st.one_of(st.none(), st.integers(min_value=1, max_value=40)),
    st.lists(st.sampled_from(PERIODS), unique=True),
    st.sampled_from(["timeline", "shuffled"]),
    st.integers(min_value=0, max_value=2**32),
)
def test_any_quiz_and_setup_keep_the_selections_promises(rows, count, periods, order, seed):
    # An event lies in one period: its number and the period make its name.
    candidates = [
        Candidate(
            id=i,
            position=i,
            kind=kind,
            event=f"{period}-{event}" if period else None,
            date=(1950 + event, 0, 0) if period else None,
            period=period,
        )
        for i, (kind, event, period) in enumerate(rows)
    ]
    picked = pick(count, periods, order, seed, candidates)
    chosen, left = list(picked.chosen), dict(picked.left_out)
    # Every question is asked or has a reason, never both, never twice.
    assert len(chosen) == len(set(chosen))
    assert set(chosen) | set(left) == {c.id for c in candidates}
    assert not set(chosen) & set(left)
    wanted = picked.eligible if count is None else min(count, picked.eligible)
    assert len(chosen) == wanted
    every = not periods or set(periods) == set(PERIODS)
    if not every:
        # Only the chosen periods' questions (none without a period).
        assert all(candidates[i].period in periods for i in chosen)

    # No event twice while another event of the chosen periods was still unasked.
    def event_of(i):
        return candidates[i].event or f"#{i}"

    eligible = [i for i in range(len(candidates)) if left.get(i, OVER_THE_LIMIT) == OVER_THE_LIMIT]
    if len(chosen) <= len({event_of(i) for i in eligible}):
        assert len({event_of(i) for i in chosen}) == len(chosen)
    # Reproducible.
    assert pick(count, periods, order, seed, candidates) == picked


def snap(slug, event, prev=None, following=None):
    def ev(name):
        return {"slug": name, "title": name, "year": 1960} if name else None

    return {
        "slug": slug,
        "event": ev(event),
        "neighbours": {"prev": ev(prev), "next": ev(following)},
    }


def test_a_reveal_never_shows_an_event_a_later_question_asks_about():
    questions = [
        snap("q1", "u2", prev="liaquat", following="oil"),
        snap("q2", "oil", prev="u2", following="tashkent"),
        snap("q3", "tashkent", prev="oil", following="kosygin"),
    ]
    shown = conceal_later_events(questions)
    # q2 asks about the oil deal: q1's reveal may not show it; q3's next is asked by nobody.
    assert shown[0]["neighbours"] == {"prev": questions[0]["neighbours"]["prev"], "next": None}
    assert shown[1]["neighbours"]["next"] is None
    assert shown[2]["neighbours"]["next"]["slug"] == "kosygin"
    assert all(q["event_shown"] for q in shown)


def test_in_a_shuffled_game_an_earlier_event_asked_later_is_hidden_too():
    questions = [snap("q3", "tashkent", prev="oil"), snap("q2", "oil")]
    assert conceal_later_events(questions)[0]["neighbours"]["prev"] is None


def test_a_reveal_whose_event_a_later_question_asks_about_shows_no_event():
    questions = [snap("year", "afghan", prev="kabul"), snap("aid", "afghan", prev="kabul")]
    first, last = conceal_later_events(questions)
    assert first["event_shown"] is False
    assert first["neighbours"] == {"prev": None, "next": None}
    assert last["event_shown"] is True and last["neighbours"]["prev"]["slug"] == "kabul"


def test_a_question_without_an_event_has_nothing_to_hide():
    shown = conceal_later_events([{"slug": "order", "event": None, "neighbours": None}])
    assert shown[0]["event_shown"] is True
    assert shown[0]["neighbours"] == {"prev": None, "next": None}


def test_a_vote_on_an_event_comes_after_every_other_question_on_it_in_either_order():
    # A verdict question's reveal gives the event's title, date and verdict: asked
    # before another question on its event, it would answer that one.
    rows = [
        Candidate(id=1, position=0, kind="verdict", event="seato", date=(1954, 9, 8), period="e"),
        Candidate(id=2, position=1, kind="choice", event="seato", date=(1954, 9, 8), period="e"),
        Candidate(id=3, position=2, kind="choice", event="tour", date=(1955, 11, 18), period="e"),
        Candidate(
            id=4, position=3, kind="year_guess", event="seato", date=(1954, 9, 8), period="e"
        ),
        Candidate(id=5, position=4, kind="verdict", event="tour", date=(1955, 11, 18), period="e"),
    ]
    assert [c.id for c in last_on_their_event(rows)] == [2, 3, 4, 1, 5]
    for seed in range(40):
        for order in ("timeline", "shuffled"):
            chosen = select(
                rows, count=None, chosen_periods=[], all_periods=["e"], order=order, seed=seed
            ).chosen
            assert chosen.index(1) > max(chosen.index(2), chosen.index(4)), (order, seed)
            assert chosen.index(5) > chosen.index(3), (order, seed)

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom.ratelimit import KeyedBudget, TokenBucket


def test_a_full_bucket_allows_a_burst_then_refuses():
    bucket = TokenBucket(rate=20, burst=20)
    assert all(bucket.allow(0.0) for _ in range(20))
    assert not bucket.allow(0.0)


def test_the_bucket_refills_at_its_rate():
    bucket = TokenBucket(rate=20, burst=20)
    for _ in range(20):
        bucket.allow(0.0)
    assert not bucket.allow(0.01)
    assert bucket.allow(0.05)  # one token per 50 ms
    assert not bucket.allow(0.05)


def test_the_bucket_never_holds_more_than_its_burst():
    bucket = TokenBucket(rate=20, burst=5)
    bucket.allow(0.0)
    assert sum(bucket.allow(3600.0) for _ in range(10)) == 5


def test_a_refused_request_takes_no_tokens():
    bucket = TokenBucket(rate=1, burst=2)
    assert not bucket.allow(0.0, cost=3)
    assert bucket.allow(0.0, cost=2)


def test_a_clock_going_backwards_adds_no_tokens():
    bucket = TokenBucket(rate=1, burst=1)
    assert bucket.allow(100.0)
    assert not bucket.allow(50.0)
    assert not bucket.allow(100.5)
    assert bucket.allow(101.0)


@pytest.mark.parametrize("rate, burst", [(0, 1), (1, 0), (-1, 5)])
def test_a_bucket_needs_a_positive_rate_and_burst(rate, burst):
    with pytest.raises(ValueError):
        TokenBucket(rate=rate, burst=burst)


@given(st.lists(st.floats(0, 0.2), max_size=200))
def test_a_bucket_never_allows_more_than_burst_plus_rate_times_duration(gaps):
    bucket = TokenBucket(rate=20, burst=20)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        allowed += bucket.allow(now)
    assert allowed <= 20 + 20 * now + 1e-6


def test_a_budget_allows_up_to_its_limit_per_window():
    budget = KeyedBudget(limit=3, window_s=60)
    assert [budget.hit("10.0.0.1", t) for t in (0, 1, 2, 3)] == [True, True, True, False]


def test_keys_have_separate_budgets():
    budget = KeyedBudget(limit=1, window_s=60)
    assert budget.hit("a", 0)
    assert not budget.hit("a", 1)
    assert budget.hit("b", 1)


def test_the_window_slides():
    budget = KeyedBudget(limit=2, window_s=10)
    assert budget.hit("k", 0) and budget.hit("k", 5)
    assert not budget.hit("k", 9.9)
    assert budget.hit("k", 10)  # the attempt at 0 has left the window
    assert not budget.hit("k", 14)
    assert budget.hit("k", 15)


def test_refused_attempts_do_not_extend_the_block():
    budget = KeyedBudget(limit=1, window_s=10)
    assert budget.hit("k", 0)
    assert not any(budget.hit("k", t) for t in range(1, 10))
    assert budget.hit("k", 10)


def test_remaining_and_reset():
    budget = KeyedBudget(limit=3, window_s=10)
    budget.hit("k", 0)
    assert budget.remaining("k", 1) == 2
    assert budget.remaining("k", 10) == 3
    assert budget.remaining("other", 0) == 3
    budget.hit("k", 1)
    budget.hit("k", 2)
    budget.reset("k")
    assert budget.hit("k", 3)


def test_memory_is_bounded_by_evicting_the_least_recently_used_key():
    budget = KeyedBudget(limit=1, window_s=60, max_keys=3)
    for key in ("a", "b", "c"):
        budget.hit(key, 0)
    budget.hit("a", 1)  # refused, but "a" is now the most recently used
    budget.hit("d", 2)
    assert len(budget) == 3
    assert budget.hit("b", 3)  # "b" was evicted, so it starts afresh
    assert not budget.hit("a", 3)


def test_a_budget_with_a_clock_going_backwards_still_counts():
    budget = KeyedBudget(limit=2, window_s=10)
    assert budget.hit("k", 100)
    assert budget.hit("k", 50)
    assert not budget.hit("k", 105)


@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 5)), max_size=200))
def test_no_key_gets_more_than_its_limit_in_any_window(events):
    budget = KeyedBudget(limit=4, window_s=10, max_keys=10)
    now, allowed = 0.0, {"a": [], "b": [], "c": []}
    for key, gap in events:
        now += gap
        if budget.hit(key, now):
            allowed[key].append(now)
    for times in allowed.values():
        for start in times:
            assert sum(1 for t in times if start <= t < start + 10) <= 4

"""The percentile maths behind every number in docs/performance.md."""

import pytest

from bench.stats import percentile, summarise


def test_p99_of_a_thousand_samples_is_the_990th_smallest():
    samples = [i / 1000 for i in range(1, 1001)]
    assert percentile(samples, 0.99) == pytest.approx(0.990)
    assert percentile(samples, 0.50) == pytest.approx(0.500)


def test_a_percentile_is_always_a_sample_that_was_seen():
    samples = [0.010, 0.020, 0.900]
    assert percentile(samples, 0.99) == 0.900
    assert percentile(samples, 0.50) == 0.020
    assert percentile(samples, 0.0) == 0.010


def test_no_samples_give_no_percentile_and_a_dash_in_the_table():
    summary = summarise([])
    assert summary.count == 0 and summary.p99 is None
    assert summary.ms("p99") == "-"


def test_a_fraction_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_summary_cells_are_in_milliseconds():
    assert summarise([0.0125, 0.2]).ms("max") == "200"

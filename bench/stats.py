"""Percentiles and summaries of latency samples. Pure: no I/O, no Django."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float | None:
    """Nearest-rank percentile (`fraction` in [0, 1]); None for no samples.

    Nearest rank, not interpolation: p99 of 1,000 samples is the 990th smallest, a
    latency some client really saw.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be within [0, 1], got {fraction!r}")
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float | None
    p99: float | None
    max: float | None

    def ms(self, field: str) -> str:
        """The field in milliseconds for a table cell ("-" when there were no samples)."""
        value = getattr(self, field)
        return "-" if value is None else f"{value * 1000:.0f}"


def summarise(samples: Sequence[float]) -> Summary:
    """p50, p99 and max of latencies in seconds."""
    return Summary(
        count=len(samples),
        p50=percentile(samples, 0.50),
        p99=percentile(samples, 0.99),
        max=max(samples) if samples else None,
    )

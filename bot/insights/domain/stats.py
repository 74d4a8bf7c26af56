"""Median and p90 of durations: linear interpolation between the closest ranks (what
``numpy.percentile`` does by default), so the median of an even count is the mean of the middle
two."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    """``count`` durations (seconds): their median and 90th percentile."""

    count: int
    median: float
    p90: float


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """``ordered`` ascending and not empty; ``fraction`` in [0, 1]."""
    if not ordered:
        raise ValueError("no values")
    rank = fraction * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(values: Sequence[float]) -> Summary | None:
    """None when there is nothing to summarize."""
    if not values:
        return None
    ordered = sorted(values)
    return Summary(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.9))

"""Retry delays: exponential with full jitter (AWS Architecture Blog, "Exponential Backoff And
Jitter"). Full jitter spreads replicas' retries of a shared failure (Slack or PagerDuty down) over
the whole window instead of synchronising them into bursts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

# 2**30 already dwarfs any sensible cap; the bound keeps the float from overflowing.
_MAX_EXPONENT = 30


@dataclass(frozen=True)
class Backoff:
    """The delay after failed attempt ``attempt`` (1-based).

    Uniform in ``[0, min(cap, base * 2**(attempt - 1))]``: 0-2 s, 0-4 s, ... up to 0-5 min.
    """

    base_seconds: float = 2.0
    cap_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.base_seconds <= 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("backoff needs 0 < base_seconds <= cap_seconds")

    def ceiling(self, attempt: int) -> float:
        """The upper bound of the delay after ``attempt`` failed attempts."""
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        return min(self.cap_seconds, self.base_seconds * 2.0**exponent)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        return timedelta(seconds=rng.uniform(0.0, self.ceiling(attempt)))

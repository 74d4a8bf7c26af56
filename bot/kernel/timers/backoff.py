"""Retry delays for durable timers: exponential with full jitter (:mod:`bot.kernel.backoff`)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from bot.kernel.backoff import full_jitter, jitter_ceiling


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
        return jitter_ceiling(attempt, self.base_seconds, self.cap_seconds)

    def delay(self, attempt: int, rng: random.Random) -> timedelta:
        return timedelta(
            seconds=full_jitter(attempt, self.base_seconds, self.cap_seconds, rng.random())
        )

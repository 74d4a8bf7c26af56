"""How hard the sender tries: per-attempt timeouts, attempts, backoff and server-asked waits.

A wait the server asks for replaces the backoff, capped at ``RetryPolicy.max_retry_after``:
``Retry-After`` (delta-seconds or an HTTP date, RFC 9110 §10.2.3) and, where the caller honours
it, LaunchDarkly's ``X-Ratelimit-Reset`` (the epoch milliseconds at which the limit resets).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bot.kernel.backoff import full_jitter


@dataclass(frozen=True)
class Timeouts:
    """Per-attempt httpx timeouts, in seconds."""

    connect: float = 3.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 3.0

    def within(self, left: float) -> httpx.Timeout:
        """These timeouts, none longer than the ``left`` seconds of the time budget."""
        budget = max(left, 0.001)
        return httpx.Timeout(
            connect=min(self.connect, budget),
            read=min(self.read, budget),
            write=min(self.write, budget),
            pool=min(self.pool, budget),
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, backoff and the time budget of one send. The defaults keep a page under 30 s."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 15.0
    total_budget: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays cannot be negative")
        if self.total_budget <= 0:
            raise ValueError("total_budget must be positive")

    def backoff(self, retry: int, draw: float) -> float:
        """The full-jitter wait before retry number ``retry`` (1-based), ``draw`` in [0, 1)."""
        return full_jitter(retry, self.base_delay, self.max_delay, draw)


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or HTTP-date), ``None`` when absent."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def rate_limit_reset_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until LaunchDarkly's ``X-Ratelimit-Reset`` (epoch ms), ``None`` when absent."""
    value = headers.get("x-ratelimit-reset")
    try:
        reset = float(value) / 1000.0 if value is not None else math.nan
    except ValueError:
        return None
    return max(reset - now, 0.0) if math.isfinite(reset) else None

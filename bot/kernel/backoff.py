"""Exponential backoff with full jitter: the one retry-delay formula in warroom.

The wait after failed attempt ``n`` (1-based) is uniform in ``[0, min(cap, base * 2**(n - 1))]``
(AWS Architecture Blog, "Exponential Backoff And Jitter"). Full jitter spreads replicas' retries
of a shared failure (Slack or PagerDuty down) over the whole window instead of synchronising them
into bursts. Durable timers (:class:`bot.kernel.timers.backoff.Backoff`) and outbound HTTP
(:class:`bot.kernel.http.RetryPolicy`) both wait this long; they differ only in their numbers.
"""

from __future__ import annotations

# 2**30 already dwarfs any sensible cap; the bound keeps the float from overflowing.
_MAX_EXPONENT = 30


def jitter_ceiling(attempt: int, base: float, cap: float) -> float:
    """The upper bound of the wait after failed attempt ``attempt`` (1-based)."""
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    return min(cap, base * 2.0**exponent)


def full_jitter(attempt: int, base: float, cap: float, draw: float) -> float:
    """The wait after failed attempt ``attempt``, for ``draw`` uniform in [0, 1)."""
    return draw * jitter_ceiling(attempt, base, cap)

"""Identifiers the fake hands out: Slack-shaped, deterministic where tests may care, and a clock.

Conversation, view and event ids come from per-prefix counters (``C00000001``, ``D00000001``,
``V00000001``...) so a failing test prints the same ids on every run. Message timestamps follow
Slack's ``"<unix seconds>.<6 digits>"`` form and are strictly increasing within a workspace even
when the clock stands still (a :class:`ManualClock`) or steps backwards, because Slack uses
``ts`` as the message's identity and its order. Secrets (trigger ids, response_url tokens) are
random.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict
from collections.abc import Callable

Clock = Callable[[], float]
"""Seconds since the epoch, like :func:`time.time` (which is the default)."""


class ManualClock:
    """A clock a test moves by hand, e.g. past a response_url's 30 minutes."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


def format_ts(micros: int) -> str:
    """Slack's message timestamp for an instant in microseconds: ``"1700000000.000100"``."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_key(ts: str) -> tuple[int, int]:
    """Sort key for Slack timestamps (string order breaks when the seconds change width)."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int(fraction.ljust(6, "0")[:6] or 0)


def is_ts(value: str) -> bool:
    seconds, dot, fraction = value.partition(".")
    return bool(dot) and seconds.isdigit() and fraction.isdigit() and len(fraction) == 6


class IdFactory:
    """Counters per prefix, strictly increasing message timestamps, random secrets."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._last_ts_micros = 0

    def next_id(self, prefix: str) -> str:
        with self._lock:
            self._counters[prefix] += 1
            return f"{prefix}{self._counters[prefix]:08d}"

    def next_ts(self) -> str:
        with self._lock:
            micros = max(int(self._clock() * 1_000_000), self._last_ts_micros + 1)
            self._last_ts_micros = micros
            return format_ts(micros)

    def observe_ts(self, ts: str) -> None:
        """Keep later timestamps above one a test supplied explicitly."""
        seconds, fraction = ts_key(ts)
        with self._lock:
            self._last_ts_micros = max(self._last_ts_micros, seconds * 1_000_000 + fraction)

    def trigger_id(self) -> str:
        with self._lock:
            self._counters["trigger"] += 1
            serial = self._counters["trigger"]
        return f"{int(self._clock())}{serial:04d}.1000001.{secrets.token_hex(16)}"

    def secret(self) -> str:
        return secrets.token_urlsafe(18)

    def view_hash(self) -> str:
        return f"{int(self._clock())}.{secrets.token_hex(4)}"

    def block_id(self) -> str:
        """Slack fills in a short random ``block_id`` on blocks sent without one."""
        return secrets.token_urlsafe(4)[:5]

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()
            # Timestamps stay monotonic across a reset: a message ts is an identity.

    def save(self) -> dict[str, object]:
        """The counters and the last timestamp, for a workspace saved to disk."""
        with self._lock:
            return {"counters": dict(self._counters), "last_ts_micros": self._last_ts_micros}

    def restore(self, saved: dict[str, object]) -> None:
        """Continue from :meth:`save`'s state: ids and timestamps never repeat across runs."""
        counters = saved.get("counters")
        last = saved.get("last_ts_micros")
        with self._lock:
            if isinstance(counters, dict):
                for prefix, value in counters.items():
                    self._counters[str(prefix)] = max(self._counters[str(prefix)], int(value))
            if isinstance(last, int):
                self._last_ts_micros = max(self._last_ts_micros, last)

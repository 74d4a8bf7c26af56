"""Computing ``/insights`` before anyone asks: the default scope (the last twelve months, for a
viewer who sees no private incident) and the scopes viewed most lately, so that the first person
to open the page after the server starts, or after a quiet hour, gets figures at once instead
of a page that reloads itself while a year of incidents is read (seconds over 100,000).

One thread per process (each ``warroom serve`` worker keeps its own figures), at a lower
priority than the rest of the process, computing one scope at a time and sharing
``RecentFigures``' one background slot with the refreshes views ask for. While the database
has no incident it only looks again every ``idle`` seconds. Scopes someone viewed in the last
``STALE_SECONDS`` are kept within ``FIGURES_SECONDS`` (``bot/insights/web/insights.py``); the
default scope otherwise within half of ``STALE_SECONDS`` (young enough to be served at once
while it is recomputed, and read a few times an hour).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from bot.insights.domain.scope import Scope

if TYPE_CHECKING:  # the figures' module starts this one
    from bot.insights.web.insights import RecentFigures

log = logging.getLogger(__name__)
BACKGROUND_NICE = 10
YIELD_SECONDS = 0.0005  # the interpreter's switch interval while a background computation runs
IDLE_SECONDS = 2.0  # while there is no incident: a one-row read this often
MOST_VIEWED = 2  # scopes kept warm besides the default


class Warmup:
    def __init__(
        self,
        recent: RecentFigures,
        default: Callable[[], Scope],
        any_incidents: Callable[[], bool],
        every: float,
        idle: float = IDLE_SECONDS,
    ) -> None:
        self._recent = recent
        self._default = default
        self._any_incidents = any_incidents
        self._every = every
        self._idle = idle
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="insights-warmup", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            # A computation under way finishes on its own (a daemon thread: never waited for).
            self._thread.join(timeout=1.0)

    def round(self) -> int:
        """Compute what is due (nothing while there is no incident); how many scopes."""
        if not self._any_incidents():
            return -1
        default = (self._default(), ())
        others = self._recent.viewed(self._recent.stale, MOST_VIEWED + 1)
        computed = 0
        for scope, shown in [default, *[key for key in others if key != default][:MOST_VIEWED]]:
            if self._stop.is_set():
                break
            # Viewed lately: kept fresh; else young enough to be served while recomputed.
            lately = self._recent.viewed_within((scope, shown), self._recent.stale)
            older = self._recent.fresh if lately else self._recent.stale / 2
            with yielding():
                computed += self._recent.warm(scope, shown, older_than=older)
        return computed

    def _run(self) -> None:
        lower_priority()
        while not self._stop.is_set():
            try:
                waited = self._every if self.round() >= 0 else self._idle
            except Exception:  # the database is down or busy: try again in a while
                log.exception("warming up the insights failed")
                waited = self._every
            self._stop.wait(waited)


def lower_priority() -> None:
    """Let the operating system run the process's other threads (acknowledging a page, answering
    Slack) and other processes first when the CPU is short: on Linux a thread has a nice value
    of its own; elsewhere this does nothing. (The GIL is shared regardless: see ``yielding``.)"""
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)


class _WhileComputing:
    """A process-wide setting changed while any scope is computed, and put back when the last
    computation under way ends (the warm-up and a view's refresh may overlap)."""

    def __init__(self, change: Callable[[], Callable[[], None]]) -> None:
        self._change = change  # applies the setting, returns how to put it back
        self._lock = threading.Lock()
        self._holding = 0
        self._restore: Callable[[], None] = lambda: None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holding == 0:
                self._restore = self._change()
            self._holding += 1
        try:
            yield
        finally:
            with self._lock:
                self._holding -= 1
                if self._holding == 0:
                    self._restore()


def _switch_often() -> Callable[[], None]:
    was = sys.getswitchinterval()
    sys.setswitchinterval(min(was, YIELD_SECONDS))
    return lambda: sys.setswitchinterval(was)


def _collector_off() -> Callable[[], None]:
    was_on = gc.isenabled()
    gc.disable()
    return gc.enable if was_on else lambda: None


# While a background computation runs, the interpreter hands the GIL over every
# ``YIELD_SECONDS`` instead of every 5 ms: a Slack ack or a page waiting for it is held up for a
# tenth as long each time. Acks while a year of 100,000 incidents is computed (SQLite, loaded
# machine): p95 22-37 ms at 5 ms, 10-27 ms at 0.5 ms (the median 4 -> 4-6 ms); 4-10 ms with
# nothing computing (bench/README.md).
yielding = _WhileComputing(_switch_often)
# Python's cyclic garbage collector is held off while scopes are computed: a read makes hundreds
# of thousands of small objects that live until the figures are made, and each full pass of the
# collector walks them all again (a fifth of a year's CPU on SQLite, 0.4-0.5 s). Reference
# counting still frees everything at once; only cycles wait the few seconds.
collector_paused = _WhileComputing(_collector_off)

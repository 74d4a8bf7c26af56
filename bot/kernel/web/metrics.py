"""Prometheus metrics on a registry of the app's own, so several apps can share a process.

Counters and histograms live in memory. The gauges read from the database (incidents by state,
timers due) are read in the background through a read-only engine with short timeouts
(``bot.kernel.storage.probe``): a scrape waits ``DATABASE_WAIT_SECONDS`` at most for fresh values
and otherwise serves the last good ones, so ``/metrics`` answers at once whatever the database is
doing. ``warroom_database_up`` says whether those values are current (0: the last read failed or
is still waiting), ``warroom_database_gauges_age_seconds`` how old they are. Features add families
of their own read the same way (``read_from_database``: the incident clock histograms), so every
replica and worker reports the same numbers, and a restart neither loses nor repeats any.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.probe import make_probe_engine
from bot.kernel.timers.rows import Timer
from bot.kernel.timers.store import PENDING
from bot.kernel.web.bounded import first_line

log = logging.getLogger(__name__)

DATABASE_WAIT_SECONDS = 0.5  # a scrape waits this long for the gauges read from the database
DATABASE_TIMEOUT_SECONDS = 0.8  # a read of them gives up after about this long


# Counts of incidents by (status, severity), read by the incidents feature's own query.
IncidentCounts = Callable[[Session], Iterable[tuple[str, str, int]]]
# A feature's metric families read from the database (``Feature.metrics``).
DatabaseMetrics = Callable[[Session], Iterable[Metric]]


class Metrics:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        incident_counts: IncidentCounts,
    ) -> None:
        self.registry = CollectorRegistry()
        self.command_seconds = Histogram(
            "warroom_command_seconds",
            "Time to handle a Slack command or interaction",
            ["command"],
            registry=self.registry,
        )
        self.slack_api_errors = Counter(
            "warroom_slack_api_errors",
            "Slack Web API calls that failed after retries",
            ["method", "error"],
            registry=self.registry,
        )
        self.timer_lateness = Histogram(
            "warroom_timer_lateness_seconds",
            "How late a durable timer fired after its due time",
            ["kind"],
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
        )
        self.timer_outcomes = Counter(
            "warroom_timer_outcomes",
            "Durable timer runs by outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.alert_webhooks = Counter(
            "warroom_alert_webhooks",
            "Alert webhook requests by source and outcome (accepted, duplicate, or why refused)",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.alerts = Counter(
            "warroom_alerts",
            "Alerts processed by source and outcome (opened, recorded, unchanged, ignored, failed)",
            ["source", "outcome"],
            registry=self.registry,
        )
        probe = make_probe_engine(_engine_of(sessions), DATABASE_TIMEOUT_SECONDS)
        self._state = _StateCollector(
            sessionmaker(probe), clock, DATABASE_WAIT_SECONDS, incident_counts
        )
        self.registry.register(self._state)

    @contextmanager
    def timed(self, command: str) -> Iterator[None]:
        """Observe how long handling a Slack command or interaction takes."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.command_seconds.labels(command).observe(time.perf_counter() - started)

    def read_from_database(self, reader: DatabaseMetrics) -> None:
        """Serve ``reader``'s families with the gauges read from the database (plug time only)."""
        self._state.readers.append(reader)

    def render(self) -> bytes:
        """The exposition text; blocks ``DATABASE_WAIT_SECONDS`` at most (call it off the loop)."""
        return generate_latest(self.registry)


@dataclass(frozen=True)
class _Readings:
    incidents: tuple[tuple[str, str, int], ...]  # status, severity, count
    timers_due: tuple[tuple[str, int], ...]  # kind, count
    families: tuple[Metric, ...]  # the features' own (``read_from_database``)
    at: float  # time.monotonic() of the read


class _StateCollector(Collector):
    """Gauges read from the database, so every replica reports the same truth; read in the
    background, one read at a time, and served from the last good read."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        wait: float,
        incident_counts: IncidentCounts,
    ) -> None:
        self._sessions = sessions
        self._incident_counts = incident_counts
        self.readers: list[DatabaseMetrics] = []
        self._clock = clock
        self._wait = wait
        self._lock = threading.Lock()
        self._reading: threading.Event | None = None
        self._reading_since = 0.0
        self._last: _Readings | None = None
        self._failed = False

    def describe(self) -> Iterator[Metric]:
        # Registering calls describe, not collect: building the app reads nothing.
        return iter(_families(None, up=False, now=0.0))

    def collect(self) -> Iterator[Metric]:
        done = self._read_in_background()
        done.wait(self._wait)
        with self._lock:
            now = time.monotonic()
            waiting = self._reading is not None and now - self._reading_since >= self._wait
            up = self._last is not None and not self._failed and not waiting
            return iter(_families(self._last, up=up, now=now))

    def _read_in_background(self) -> threading.Event:
        with self._lock:
            if self._reading is None:
                self._reading, self._reading_since = threading.Event(), time.monotonic()
                threading.Thread(
                    target=self._read, args=(self._reading,), name="metrics-read", daemon=True
                ).start()
            return self._reading

    def _read(self, done: threading.Event) -> None:
        try:
            readings = self._query()
        except Exception as error:  # any database trouble: serve the last good values
            with self._lock:
                if not self._failed:
                    log.warning("metrics: cannot read the database gauges: %s", first_line(error))
                self._failed = True
        else:
            with self._lock:
                if self._failed:
                    log.info("metrics: the database gauges are read again")
                self._last, self._failed = readings, False
        finally:
            with self._lock:
                self._reading = None
            done.set()

    def _query(self) -> _Readings:
        with self._sessions() as session:
            incidents = tuple(self._incident_counts(session))
            due = session.execute(
                select(Timer.kind, func.count())
                .where(Timer.status == PENDING, Timer.due_at <= self._clock())
                .group_by(Timer.kind)
            )
            timers_due = tuple((kind, count) for kind, count in due)
            families = tuple(family for read in self.readers for family in read(session))
        return _Readings(incidents, timers_due, families, time.monotonic())


def _families(last: _Readings | None, *, up: bool, now: float) -> list[Metric]:
    incidents = GaugeMetricFamily(
        "warroom_incidents", "Incidents by status and severity", labels=["status", "severity"]
    )
    timers = GaugeMetricFamily(
        "warroom_timers_due", "Pending timers whose due time has passed", labels=["kind"]
    )
    database_up = GaugeMetricFamily(
        "warroom_database_up",
        "1 when the gauges read from the database are current; 0 when the last read failed "
        "or did not finish in time (they then hold the last good values)",
        value=1 if up else 0,
    )
    age = GaugeMetricFamily(
        "warroom_database_gauges_age_seconds",
        "Seconds since the gauges read from the database were read",
    )
    if last is not None:
        for status, severity, count in last.incidents:
            incidents.add_metric([status, severity], count)
        for kind, count in last.timers_due:
            timers.add_metric([kind], count)
        age.add_metric([], max(0.0, now - last.at))
    return [incidents, timers, database_up, age, *(last.families if last else ())]


def _engine_of(sessions: sessionmaker[Session]) -> Engine:
    bind = sessions.kw.get("bind")
    if not isinstance(bind, Engine):
        raise TypeError("Metrics needs a sessionmaker bound to an Engine")
    return bind

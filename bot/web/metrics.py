"""Prometheus metrics on a registry of the app's own, so several apps can share a process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import IncidentRow, Timer


class Metrics:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
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
        self.registry.register(_StateCollector(sessions, clock))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StateCollector(Collector):
    """Gauges read from the database at scrape time, so every replica reports the same truth."""

    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        incidents = GaugeMetricFamily(
            "warroom_incidents", "Incidents by status and severity", labels=["status", "severity"]
        )
        timers = GaugeMetricFamily(
            "warroom_timers_due", "Pending timers whose due time has passed", labels=["kind"]
        )
        with self._sessions() as session:
            by_state = session.execute(
                select(IncidentRow.status, IncidentRow.severity, func.count()).group_by(
                    IncidentRow.status, IncidentRow.severity
                )
            )
            for status, severity, count in by_state:
                incidents.add_metric([status, severity], count)
            due = session.execute(
                select(Timer.kind, func.count())
                .where(Timer.status == "pending", Timer.due_at <= self._clock())
                .group_by(Timer.kind)
            )
            for kind, count in due:
                timers.add_metric([kind], count)
        yield incidents
        yield timers

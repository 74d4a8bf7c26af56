"""The clock histograms: a change hook that counts each clock once, and the reader that serves
the counts as Prometheus histogram families."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from prometheus_client.core import HistogramMetricFamily, Metric
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.incidents.domain.incident import Incident
from bot.incidents.domain.severity import Severity
from bot.insights.clocks.rows import ClockBucketRow
from bot.insights.domain.clocks import NO_SERVICE, Clock, bucket_index, le_of, observations, series

LABELS = ["service", "severity"]
SEVERITIES = tuple(severity.value for severity in Severity)


def record(session: Session, before: Incident | None, after: Incident, now: datetime) -> None:
    """The incidents change hook: count every clock this change set for the first time."""
    for seen in observations(before, after):
        values = {
            "clock": seen.clock.value,
            "service": seen.service or NO_SERVICE,
            "severity": seen.severity,
            "le": le_of(seen.seconds),
            "count": 1,
            "seconds": seen.seconds,
        }
        session.execute(_bump(session, values))


def _bump(session: Session, values: dict[str, Any]) -> Any:
    row = ClockBucketRow
    series_of = [row.clock, row.service, row.severity, row.le]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        pg = postgresql.insert(row).values(values)
        return pg.on_conflict_do_update(
            index_elements=series_of,
            set_={"count": row.count + 1, "seconds": row.seconds + pg.excluded.seconds},
        )
    if dialect == "sqlite":
        lite = sqlite.insert(row).values(values)
        return lite.on_conflict_do_update(
            index_elements=series_of,
            set_={"count": row.count + 1, "seconds": row.seconds + lite.excluded.seconds},
        )
    raise NotImplementedError(f"the clock histograms need PostgreSQL or SQLite, not {dialect}")


class Reader:
    """Reads the histograms; ``services`` are the configured ones, whose series start at zero."""

    def __init__(self, services: Callable[[], Iterable[str]]) -> None:
        self._services = services

    def __call__(self, session: Session) -> Iterable[Metric]:
        return read(session, tuple(self._services()))


def read(session: Session, services: Iterable[str] = ()) -> Iterable[Metric]:
    """One histogram family per clock: a series per service and severity counted so far, and
    per configured service and severity (at zero until counted)."""
    row = ClockBucketRow
    stored = session.execute(
        select(row.clock, row.service, row.severity, row.le, row.count, row.seconds)
    )
    counts = [
        (Clock(clock), service, severity, bucket_index(float(le)), count, seconds)
        for clock, service, severity, le, count, seconds in stored
        if clock in Clock._value2member_map_
    ]
    families = {
        clock: HistogramMetricFamily(clock.metric, clock.help, labels=LABELS) for clock in Clock
    }
    for one in series(counts, services=services, severities=SEVERITIES):
        families[one.clock].add_metric(
            [one.service, one.severity], one.buckets(), sum_value=one.total_seconds
        )
    return list(families.values())

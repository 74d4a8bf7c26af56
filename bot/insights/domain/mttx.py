"""Response times and incident counts: MTTA, MTTM and MTTR (median and p90) by month, service
and severity; incidents by severity per month; time to detect; the longest incidents; follow-up
completion. Pure: records in, rows out (``warroom report`` and the ``/insights`` page share it).

Each time counts from the declaration: acknowledged, mitigated, resolved minus declared (a clock
set before the declaration counts as zero). Months are UTC calendar months of the declaration.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.incidents.domain.severity import Severity
from bot.insights.domain.records import (
    ActionItemRecord,
    IncidentClocks,
    IncidentRecord,
    clocks_of,
)
from bot.insights.domain.stats import Summary, summarize

Grouping = Literal["month", "service", "severity"]
GROUPINGS: tuple[Grouping, ...] = ("month", "service", "severity")
NO_SERVICE = "(no service)"
SEVERITIES = tuple(s.value for s in Severity)
LONGEST = 10


@dataclass(frozen=True, slots=True)
class MttxRow:
    group: str  # 2026-01, a service, or a severity
    incidents: int
    mtta: Summary | None
    mttm: Summary | None
    mttr: Summary | None


@dataclass(frozen=True, slots=True)
class SeverityMonth:
    month: str
    counts: dict[str, int]  # every severity, zero included

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class DetectMonth:
    month: str
    detect: Summary | None  # over the month's incidents with a detection time


@dataclass(frozen=True, slots=True)
class LongIncident:
    number: int
    title: str
    severity: str
    service: str | None
    declared_at: datetime
    seconds: float  # declared to resolved


@dataclass(frozen=True, slots=True)
class FollowUps:
    month: str
    total: int
    done: int

    @property
    def share(self) -> float | None:
        return self.done / self.total if self.total else None


def month(at: datetime) -> str:
    return f"{at.year:04d}-{at.month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), both included."""
    year, mon = int(first[:4]), int(first[5:7])
    found: list[str] = []
    while f"{year:04d}-{mon:02d}" <= last:
        found.append(f"{year:04d}-{mon:02d}")
        year, mon = (year + 1, 1) if mon == 12 else (year, mon + 1)
    return found


def seconds(start: datetime, end: datetime | None) -> float | None:
    return None if end is None else max(0.0, (end - start).total_seconds())


def _key(grouping: Grouping) -> Callable[[IncidentClocks], str]:
    if grouping == "month":
        return lambda c: c.month
    if grouping == "service":
        return lambda c: c.service or NO_SERVICE
    return lambda c: c.severity


def mttx_by(incidents: Iterable[IncidentRecord], grouping: Grouping) -> list[MttxRow]:
    """One row per month (every month from the first to the last, empty ones too), service or
    severity (in severity order)."""
    return mttx_of(map(clocks_of, incidents), grouping)


def mttx_of(clocks: Iterable[IncidentClocks], grouping: Grouping) -> list[MttxRow]:
    """``mttx_by`` over the incidents' clocks."""
    key = _key(grouping)
    grouped: dict[str, list[IncidentClocks]] = defaultdict(list)
    for clock in clocks:
        grouped[key(clock)].append(clock)
    if grouping == "month" and grouped:
        groups = months_between(min(grouped), max(grouped))
    elif grouping == "severity":
        groups = sorted(grouped, key=_severity_order)
    else:
        groups = sorted(grouped)
    return [_row(group, grouped.get(group, [])) for group in groups]


def _since_declared(values: Iterable[float | None]) -> list[float]:
    """A clock set before the declaration counts as zero (``max(0.0, v)``, written out: this
    runs for every incident and clock, three times a page)."""
    return [v if v > 0.0 else 0.0 for v in values if v is not None]


def _row(group: str, clocks: Sequence[IncidentClocks]) -> MttxRow:
    acknowledge = [c.acknowledge for c in clocks]
    mitigate = [c.mitigate for c in clocks]
    resolve = [c.resolve for c in clocks]
    return MttxRow(
        group,
        len(clocks),
        summarize(_since_declared(acknowledge)),
        summarize(_since_declared(mitigate)),
        summarize(_since_declared(resolve)),
    )


def _severity_order(severity: str) -> tuple[int, str]:
    return (
        (SEVERITIES.index(severity), "") if severity in SEVERITIES else (len(SEVERITIES), severity)
    )


def severity_by_month(incidents: Iterable[IncidentRecord]) -> list[SeverityMonth]:
    """How many incidents each month declared, by severity (every month, first to last)."""
    return severity_of(map(clocks_of, incidents))


def severity_of(clocks: Iterable[IncidentClocks]) -> list[SeverityMonth]:
    """``severity_by_month`` over the incidents' clocks."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
    for clock in clocks:
        by_severity = counts[clock.month]
        by_severity[clock.severity] = by_severity.get(clock.severity, 0) + 1
    if not counts:
        return []
    return [
        SeverityMonth(m, counts[m] if m in counts else dict.fromkeys(SEVERITIES, 0))
        for m in months_between(min(counts), max(counts))
    ]


def detect_by_month(incidents: Iterable[IncidentRecord]) -> list[DetectMonth]:
    """Time to detect (detected to declared) by month, over incidents whose detection time is
    known (alerts set it); months without any have ``detect`` None."""
    return detect_of(map(clocks_of, incidents))


def detect_of(clocks: Iterable[IncidentClocks]) -> list[DetectMonth]:
    """``detect_by_month`` over the incidents' clocks."""
    grouped: dict[str, list[float]] = defaultdict(list)
    for clock in clocks:
        values = grouped[clock.month]
        if clock.detect is not None:
            values.append(max(0.0, clock.detect))
    if not grouped:
        return []
    return [
        DetectMonth(m, summarize(grouped.get(m, [])))
        for m in months_between(min(grouped), max(grouped))
    ]


def longest(incidents: Iterable[IncidentRecord], limit: int = LONGEST) -> list[LongIncident]:
    """The resolved incidents that took longest from declared to resolved (ties: lower number)."""
    found = [
        LongIncident(
            i.number,
            i.title,
            i.severity,
            i.service,
            i.declared_at,
            max(0.0, (i.resolved_at - i.declared_at).total_seconds()),
        )
        for i in incidents
        if i.resolved_at is not None
    ]
    found.sort(key=lambda long: (-long.seconds, long.number))
    return found[:limit]


def followups_by_month(
    incidents: Iterable[IncidentRecord], items: Iterable[ActionItemRecord]
) -> list[FollowUps]:
    """Action items of the month's incidents, and how many are done. Items of incidents not in
    ``incidents`` (filtered out, or private to the viewer) are left out."""
    months = {i.number: month(i.declared_at) for i in incidents}
    total: dict[str, int] = defaultdict(int)
    done: dict[str, int] = defaultdict(int)
    for item in items:
        m = months.get(item.incident)
        if m is None:
            continue
        total[m] += 1
        if item.done_at is not None:
            done[m] += 1
    return [FollowUps(m, total[m], done[m]) for m in sorted(total)]

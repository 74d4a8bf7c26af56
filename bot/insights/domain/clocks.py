"""Time to acknowledge, mitigate and resolve as Prometheus histograms: which clocks a change to an
incident set, what each one measured, and the buckets they fall in.

A clock is set once (docs/architecture.md §2), so each incident adds at most one observation per
clock, measured from the declaration as the ``/insights`` page and ``warroom report`` measure it
(``bot/insights/domain/mttx.py``; time to detect is apart), a clock set before it counting as
zero. The labels are the incident's service and severity at that
moment; a private incident, like one without a service, is labelled with the neutral
:data:`NO_SERVICE`, so no label names it or its service (README "Who can see what").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.incidents.domain.incident import Incident

NO_SERVICE = "none"

# Seconds: from half a minute to a week, the range incident clocks live in.
BUCKETS: tuple[float, ...] = (
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    14_400,
    28_800,
    43_200,
    86_400,
    172_800,
    345_600,
    604_800,
)


class Clock(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"

    @property
    def metric(self) -> str:
        return f"warroom_incident_time_to_{self.value}_seconds"

    @property
    def help(self) -> str:
        return (
            f"Seconds from an incident's declaration to {_VERBS[self]}, "
            "by service and severity when it was set"
        )


_VERBS = {
    Clock.ACKNOWLEDGE: "its first acknowledgement",
    Clock.MITIGATE: "its mitigation",
    Clock.RESOLVE: "its resolution",
}


@dataclass(frozen=True)
class Observation:
    clock: Clock
    service: str | None  # None: no service, or a private incident
    severity: str
    seconds: float


def observations(before: Incident | None, after: Incident) -> list[Observation]:
    """The clocks this change set for the first time, each with what it measured."""
    service = None if after.private else after.service
    found = []
    for clock in Clock:
        instant = _instant(after, clock)
        if instant is None or (before is not None and _instant(before, clock) is not None):
            continue
        seconds = max(0.0, (instant - after.declared_at).total_seconds())
        found.append(Observation(clock, service, after.severity.value, seconds))
    return found


def _instant(incident: Incident, clock: Clock) -> datetime | None:
    if clock is Clock.ACKNOWLEDGE:
        return incident.acknowledged_at
    if clock is Clock.MITIGATE:
        return incident.mitigated_at
    return incident.resolved_at


def bucket_index(seconds: float, buckets: Sequence[float] = BUCKETS) -> int:
    """The first bucket whose bound holds ``seconds``; ``len(buckets)`` for +Inf. A stored bound
    that is no longer a bucket's (``float("+Inf")`` too) lands in the next one up."""
    return next((i for i, bound in enumerate(buckets) if seconds <= bound), len(buckets))


def le_of(seconds: float, buckets: Sequence[float] = BUCKETS) -> str:
    """The bound of the bucket ``seconds`` falls in, as Prometheus writes it (``+Inf`` last)."""
    index = bucket_index(seconds, buckets)
    return _le(buckets[index]) if index < len(buckets) else "+Inf"


@dataclass(frozen=True)
class Series:
    """One histogram series: cumulative counts per bound (the last is +Inf) and the sum."""

    clock: Clock
    service: str
    severity: str
    cumulative: tuple[int, ...]
    total_seconds: float

    def buckets(self, bounds: Sequence[float] = BUCKETS) -> list[tuple[str, int]]:
        les = [_le(bound) for bound in bounds] + ["+Inf"]
        return list(zip(les, self.cumulative, strict=True))


def series(
    counts: Iterable[tuple[Clock, str | None, str, int, int, float]],
    bounds: Sequence[float] = BUCKETS,
    services: Iterable[str] = (),
    severities: Iterable[str] = (),
) -> list[Series]:
    """Histogram series from ``(clock, service, severity, bucket index, count, seconds)`` rows
    (as the database groups them), ordered by clock, service and severity.

    Every clock of every one of ``services`` (and :data:`NO_SERVICE`) by each of ``severities``
    is there from the start, at zero: Prometheus's ``increase()`` cannot count the observation
    that makes a series appear, so a service's first incident would otherwise be lost to it."""
    per: dict[tuple[Clock, str, str], tuple[list[int], float]] = {}
    levels = tuple(severities)
    for clock in Clock:
        for name in (*services, NO_SERVICE):
            for level in levels:
                per[(clock, name, level)] = ([0] * (len(bounds) + 1), 0.0)
    for clock, service, severity, index, count, seconds in counts:
        key = (clock, service or NO_SERVICE, severity)
        counted, total = per.setdefault(key, ([0] * (len(bounds) + 1), 0.0))
        counted[min(max(index, 0), len(bounds))] += count
        per[key] = (counted, total + seconds)
    found = []
    for (clock, service, severity), (counted, total) in sorted(per.items()):
        running, cumulative = 0, []
        for count in counted:
            running += count
            cumulative.append(running)
        found.append(Series(clock, service, severity, tuple(cumulative), total))
    return found


def _le(bound: float) -> str:
    return str(float(bound))

"""The alerts of an incident as people read them, computed from its timeline.

The card and the post-mortem read the ``alert_firing``/``alert_resolved`` events, never the alert
tables, so they show exactly what the timeline recorded. An alert (source and fingerprint) counts
as firing or resolved by its latest event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.alerts.domain.model import AlertStatus
from bot.incidents.domain.events import AlertFiring, AlertResolved
from bot.incidents.domain.timeline import TimelineEvent


@dataclass(frozen=True)
class AlertLine:
    name: str
    status: AlertStatus
    labels: Mapping[str, str]
    summary: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    generator_url: str | None


@dataclass(frozen=True)
class AlertSummary:
    firing: int = 0
    resolved: int = 0
    latest: tuple[AlertLine, ...] = field(default_factory=tuple)  # most recent change first

    @property
    def total(self) -> int:
        return self.firing + self.resolved


def summarize(events: Iterable[TimelineEvent], latest: int = 5) -> AlertSummary:
    """Counts by current status, and the ``latest`` alerts that changed most recently."""
    current: dict[tuple[str, str], AlertLine] = {}
    for event in events:
        change = event.payload
        if not isinstance(change, AlertFiring | AlertResolved):
            continue
        key = (change.source, change.fingerprint)
        current.pop(key, None)  # re-insert, so the dict's order is the order of last change
        current[key] = as_line(change)
    lines = list(current.values())
    firing = sum(1 for line in lines if line.status is AlertStatus.FIRING)
    return AlertSummary(firing, len(lines) - firing, tuple(reversed(lines[-latest:])))


def as_line(change: AlertFiring | AlertResolved) -> AlertLine:
    firing = isinstance(change, AlertFiring)
    return AlertLine(
        name=change.name or "alert",
        status=AlertStatus.FIRING if firing else AlertStatus.RESOLVED,
        labels=dict(change.labels),
        summary=change.summary,
        starts_at=change.starts_at,
        ends_at=change.ends_at,
        generator_url=change.generator_url,
    )

"""The alerts of an incident as people read them, computed from its timeline.

The card and the post-mortem read the ``alert_firing``/``alert_resolved`` events, never the alert
tables, so they show exactly what the timeline recorded. An alert (source and fingerprint) counts
as firing or resolved by its latest event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.alerts.domain.model import AlertStatus
from bot.incidents.domain.timeline import EventKind, TimelineEvent


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
        if event.kind not in (EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED):
            continue
        key = (str(event.data.get("source")), str(event.data.get("fingerprint")))
        current.pop(key, None)  # re-insert, so the dict's order is the order of last change
        current[key] = _line(event)
    lines = list(current.values())
    firing = sum(1 for line in lines if line.status is AlertStatus.FIRING)
    return AlertSummary(firing, len(lines) - firing, tuple(reversed(lines[-latest:])))


def _line(event: TimelineEvent) -> AlertLine:
    d = event.data
    status = AlertStatus.FIRING if event.kind is EventKind.ALERT_FIRING else AlertStatus.RESOLVED
    return AlertLine(
        name=str(d.get("name") or "alert"),
        status=status,
        labels={str(k): str(v) for k, v in (d.get("labels") or {}).items()},
        summary=d.get("summary"),
        starts_at=_instant(d.get("starts_at")),
        ends_at=_instant(d.get("ends_at")),
        generator_url=d.get("generator_url"),
    )


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None

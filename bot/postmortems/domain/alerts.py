"""Alerts from ``alert_firing`` / ``alert_resolved`` events, paired by fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import AlertFiring, AlertResolved
from bot.incidents.domain.timeline import TimelineEvent
from bot.postmortems.domain.values import Alert, Moment


@dataclass(frozen=True)
class TimedAlert:
    """An alert with its start as an instant, for comparisons the formatted value cannot do."""

    starts_at: datetime
    alert: Alert


def alerts(timeline: Sequence[TimelineEvent], tz: ZoneInfo) -> list[TimedAlert]:
    """One entry per fingerprint (else name and labels), in firing order; the end comes from
    its ``alert_resolved`` event (``ends_at``, else the event's time)."""
    firing: dict[str, tuple[TimelineEvent, AlertFiring]] = {}
    ended: dict[str, datetime] = {}
    for event in timeline:
        match event.payload:
            case AlertFiring() as fired:
                firing.setdefault(_key(fired), (event, fired))
            case AlertResolved() as resolved:
                ended[_key(resolved)] = _real(resolved.ends_at) or event.at
    found = [_alert(event, fired, ended.get(key), tz) for key, (event, fired) in firing.items()]
    return sorted(found, key=lambda a: a.starts_at)


def _alert(
    event: TimelineEvent, fired: AlertFiring, ends_at: datetime | None, tz: ZoneInfo
) -> TimedAlert:
    labels = dict(fired.labels)
    starts_at = _real(fired.starts_at) or event.at
    return TimedAlert(
        starts_at,
        Alert(
            name=fired.name or "unnamed alert",
            source=fired.source or "generic",
            labels=labels,
            labels_text=", ".join(f"{k}={v}" for k, v in sorted(labels.items())),
            summary=fired.summary or "",
            starts=Moment.of(starts_at, tz),
            ends=Moment.of(ends_at, tz) if ends_at else None,
            generator_url=fired.generator_url or None,
            fingerprint=fired.fingerprint,
        ),
    )


def _key(change: AlertFiring | AlertResolved) -> str:
    if change.fingerprint:
        return change.fingerprint
    return f"{change.name}:{sorted(change.labels.items())}"


def _real(instant: datetime | None) -> datetime | None:
    """None for Alertmanager's zero time (year 1), which means "still firing"."""
    return instant if instant is not None and instant.year > 1 else None

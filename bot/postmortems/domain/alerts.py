"""Alerts from ``alert_firing`` / ``alert_resolved`` events, paired by fingerprint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.incidents.domain.timeline import EventKind, TimelineEvent
from bot.postmortems.domain.values import Alert, Moment


@dataclass(frozen=True)
class TimedAlert:
    """An alert with its start as an instant, for comparisons the formatted value cannot do."""

    starts_at: datetime
    alert: Alert


def alerts(timeline: Sequence[TimelineEvent], tz: ZoneInfo) -> list[TimedAlert]:
    """One entry per fingerprint (else name and labels), in firing order; the end comes from
    its ``alert_resolved`` event (``ends_at``, else the event's time)."""
    firing: dict[str, TimelineEvent] = {}
    ended: dict[str, datetime] = {}
    for event in timeline:
        key = _key(event.data)
        if event.kind is EventKind.ALERT_FIRING:
            firing.setdefault(key, event)
        elif event.kind is EventKind.ALERT_RESOLVED:
            ended[key] = _instant(event.data.get("ends_at")) or event.at
    found = [_alert(event, ended.get(key), tz) for key, event in firing.items()]
    return sorted(found, key=lambda a: a.starts_at)


def _alert(event: TimelineEvent, ends_at: datetime | None, tz: ZoneInfo) -> TimedAlert:
    d = event.data
    labels = {str(k): str(v) for k, v in (d.get("labels") or {}).items()}
    starts_at = _instant(d.get("starts_at")) or event.at
    return TimedAlert(
        starts_at,
        Alert(
            name=str(d.get("name") or "unnamed alert"),
            source=str(d.get("source") or "generic"),
            labels=labels,
            labels_text=", ".join(f"{k}={v}" for k, v in sorted(labels.items())),
            summary=str(d.get("summary") or ""),
            starts=Moment.of(starts_at, tz),
            ends=Moment.of(ends_at, tz) if ends_at else None,
            generator_url=str(d["generator_url"]) if d.get("generator_url") else None,
            fingerprint=str(d.get("fingerprint") or ""),
        ),
    )


def _key(d: dict[str, object]) -> str:
    if d.get("fingerprint"):
        return str(d["fingerprint"])
    labels = d.get("labels")
    pairs = sorted(labels.items()) if isinstance(labels, dict) else []
    return f"{d.get('name')}:{pairs}"


def _instant(value: object) -> datetime | None:
    """An aware instant from ISO text; None for missing, unparsable, naive or zero (year 1:
    Alertmanager's "still firing") values."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.year <= 1:
        return None
    return parsed

"""Grouping: which incident an alert joins, and what its arrival records.

The first firing alert of a group opens an incident. A later alert joins the open incident that
already holds its fingerprint, else the one its group key opened, else, within the grouping
window, the incident most recently opened by its route for the same service (an alert storm of
many groups becomes one incident). A resolution for an alert nobody saw fire, with no open
incident of its group, is ignored: there is nothing to resolve.

What an arrival records depends on what is known of the same fingerprint: Alertmanager re-sends a
group every ``repeat_interval``, and deliveries can arrive out of order, so an alert that brings
nothing new (same start, same status, or an older start) records nothing; a new start is a new
firing episode; a resolution of a known episode is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.domain.model import Alert, AlertStatus
from bot.incidents.domain.events import AlertFiring, AlertResolved
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent


@dataclass(frozen=True)
class Attach:
    incident: int


@dataclass(frozen=True)
class Open:
    """Open a new incident for the alert."""


@dataclass(frozen=True)
class Ignore:
    reason: str


Placement = Attach | Open | Ignore


def place(
    alert: Alert, *, by_fingerprint: int | None, by_group: int | None, storm: int | None
) -> Placement:
    """Where the alert goes, given the open incidents found for its fingerprint, its group key
    and its route's storm window (each ``None`` when there is none)."""
    for found in (by_fingerprint, by_group):
        if found is not None:
            return Attach(found)
    if not alert.is_firing:
        return Ignore("a resolution for an alert with no open incident")
    return Attach(storm) if storm is not None else Open()


@dataclass(frozen=True)
class StormCandidate:
    """An open incident an alert route opened, and when."""

    incident: int
    route: str
    service: str | None
    opened_at: datetime


def storm_target(
    candidates: Iterable[StormCandidate],
    route: str,
    service: str | None,
    now: datetime,
    window: timedelta,
) -> int | None:
    """The latest incident opened by ``route`` for ``service`` within ``window`` before ``now``."""
    if window <= timedelta(0):
        return None
    fitting = [
        c
        for c in candidates
        if c.route == route and c.service == service and now - window <= c.opened_at <= now
    ]
    return max(fitting, key=lambda c: (c.opened_at, c.incident)).incident if fitting else None


@dataclass(frozen=True)
class Known:
    """What is stored of one fingerprint: its latest episode."""

    status: AlertStatus
    starts_at: datetime


def changes(known: Known | None, alert: Alert, now: datetime) -> list[TimelineEvent]:
    """The timeline events this arrival adds (empty: nothing new). A resolution of an episode
    never seen firing records both, so the timeline says when it started."""
    if known is not None:
        if alert.starts_at < known.starts_at:
            return []  # an older episode, delivered late
        if alert.starts_at == known.starts_at:
            if known.status is AlertStatus.RESOLVED or alert.is_firing:
                return []
            return [event(alert, AlertStatus.RESOLVED, now)]
    events = [event(alert, AlertStatus.FIRING, now)]
    if not alert.is_firing:
        events.append(event(alert, AlertStatus.RESOLVED, now))
    return events


def event(alert: Alert, status: AlertStatus, now: datetime) -> TimelineEvent:
    """``alert_firing`` at the alert's start or ``alert_resolved`` at its end (data shape:
    docs/timeline-events.md), keyed so the same episode is recorded once per incident."""
    firing = status is AlertStatus.FIRING
    at = alert.starts_at if firing else (alert.ends_at or now)
    change = AlertFiring if firing else AlertResolved
    payload = change(
        source=alert.source.value,
        name=alert.name,
        fingerprint=alert.fingerprint,
        starts_at=alert.starts_at,
        labels=dict(alert.labels),
        summary=alert.summary,
        ends_at=None if firing else alert.ends_at,
        generator_url=alert.generator_url,
        group_key=alert.group_key,
    )
    return TimelineEvent(
        at,
        BOT_ACTOR,
        payload,
        dedup_key=f"alert:{alert.source.value}:{alert.fingerprint}:"
        f"{alert.starts_at.isoformat()}:{status.value}",
    )

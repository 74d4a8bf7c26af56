"""What the insights are computed from: plain, typed records of incidents, their action items,
alerts and pages (read by ``bot/insights/history.py``, or built by a test or ``warroom report``).

Every instant is timezone-aware UTC; zones are IANA names (``Europe/Berlin``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    number: int
    severity: str
    service: str | None
    declared_at: datetime
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    private: bool = False
    title: str = ""


class IncidentClocks(NamedTuple):
    """One incident's clocks as numbers: seconds from the declaration to the acknowledgement,
    mitigation and resolution, and from the detection to the declaration (None: not reached).
    What the response times are computed from (a tuple: a year holds 100,000 of them)."""

    month: str  # of the declaration (UTC), 2026-01
    service: str | None
    severity: str
    acknowledge: float | None
    mitigate: float | None
    resolve: float | None
    detect: float | None


def clocks_of(incident: IncidentRecord) -> IncidentClocks:
    declared = incident.declared_at

    def since(end: datetime | None) -> float | None:
        return None if end is None else (end - declared).total_seconds()

    detected = incident.detected_at
    return IncidentClocks(
        f"{declared.year:04d}-{declared.month:02d}",
        incident.service,
        incident.severity,
        since(incident.acknowledged_at),
        since(incident.mitigated_at),
        since(incident.resolved_at),
        None if detected is None else (declared - detected).total_seconds(),
    )


@dataclass(frozen=True, slots=True)
class ActionItemRecord:
    incident: int
    created_at: datetime
    done_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One firing of an alert rule: ``incident`` is the incident it opened or joined."""

    rule: str
    service: str | None
    fingerprint: str
    started_at: datetime
    ended_at: datetime | None = None
    incident: int | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    person: str
    zone: str  # where the person was paged: their own zone, local time is judged in it


@dataclass(frozen=True, slots=True)
class PageRecord:
    """A page of an incident's responders: who it reached, and whether anyone acknowledged."""

    incident: int
    service: str | None
    started_at: datetime
    acknowledged_at: datetime | None
    recipients: tuple[Recipient, ...]

"""The incident aggregate: every change returns the new incident and the timeline events it caused.

Clocks follow docs/architecture.md §2: a clock is set on the first transition into its state,
and resolving sets ``mitigated_at`` when it is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.incidents.domain.events import (
    ActionAdded,
    Declared,
    LeadChanged,
    NoteAdded,
    PublicUpdate,
    RoleAssigned,
    SeverityChanged,
    StatusChanged,
    UpdatePosted,
)
from bot.incidents.domain.lifecycle import Status, check_transition
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent

# A storage bound, not a Slack one: Slack's limits are met where a title is shown (header 150,
# channel name 80), so a long title is kept whole on the card and in the timeline.
MAX_TITLE = 1000
ROLES = ("comms", "scribe", "ops", "liaison", "executive")
_ROLE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")


class InvalidChange(ValueError):
    """A change that the incident refuses, worded for the person who asked for it."""


@dataclass(frozen=True)
class Incident:
    number: int
    title: str
    severity: Severity
    status: Status
    declarer: str
    lead: str
    declared_at: datetime
    service: str | None = None
    description: str = ""
    detected_at: datetime | None = None
    acknowledged_at: datetime | None = None
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    last_update_at: datetime | None = None
    roles: dict[str, str] = field(default_factory=dict)
    private: bool = False

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def started_at(self) -> datetime:
        """When the clock started: detection when known (an alert), else the declaration."""
        return self.detected_at or self.declared_at


def validate_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidChange(
            "a title is required, e.g. `/incident declare Checkout latency high sev2`"
        )
    if len(title) > MAX_TITLE:
        raise InvalidChange(
            f"the title is {len(title)} characters long; keep it under {MAX_TITLE} and put the "
            "details in the description or a note"
        )
    return title


def declare(
    *,
    number: int,
    title: str,
    severity: Severity,
    declarer: str,
    now: datetime,
    service: str | None = None,
    description: str = "",
    detected_at: datetime | None = None,
    private: bool = False,
) -> tuple[Incident, list[TimelineEvent]]:
    incident = Incident(
        number=number,
        title=validate_title(title),
        severity=severity,
        status=Status.INVESTIGATING,
        declarer=declarer,
        lead=declarer,
        declared_at=now,
        service=service,
        description=description,
        detected_at=detected_at,
        private=private,
    )
    event = TimelineEvent(now, declarer, Declared(incident.title, severity, service, private))
    return incident, [event]


def transition(
    incident: Incident, target: Status, actor: str, now: datetime, note: str = ""
) -> tuple[Incident, list[TimelineEvent]]:
    check_transition(incident.status, target)
    changed = replace(incident, status=target)
    if target is Status.MITIGATED and incident.mitigated_at is None:
        changed = replace(changed, mitigated_at=now)
    if target is Status.RESOLVED:
        changed = replace(
            changed,
            mitigated_at=incident.mitigated_at or now,
            resolved_at=incident.resolved_at or now,
        )
    changed_status = StatusChanged(incident.status, target, note)
    return changed, [TimelineEvent(now, actor, changed_status)]


def change_severity(
    incident: Incident, severity: Severity, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    require_open(incident, "change the severity")
    if severity is incident.severity:
        raise InvalidChange(f"the severity is already {severity}")
    event = TimelineEvent(now, actor, SeverityChanged(incident.severity, severity))
    return replace(incident, severity=severity), [event]


def change_lead(
    incident: Incident, lead: str, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    require_open(incident, "change the lead")
    if lead == incident.lead:
        raise InvalidChange(f"<@{lead}> is already the lead")
    event = TimelineEvent(now, actor, LeadChanged(incident.lead, lead))
    return replace(incident, lead=lead), [event]


def assign_role(
    incident: Incident, role: str, user: str, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    require_open(incident, "assign roles")
    if not _ROLE_NAME.match(role):
        raise InvalidChange(
            f"{role!r} is not a role name; use a short word such as {', '.join(ROLES)}"
        )
    roles = {**incident.roles, role: user}
    event = TimelineEvent(now, actor, RoleAssigned(role, user))
    return replace(incident, roles=roles), [event]


def post_update(
    incident: Incident,
    text: str,
    actor: str,
    now: datetime,
    public: str | None = None,
    components: tuple[str, ...] = (),
    statuspage: bool = False,
) -> tuple[Incident, list[TimelineEvent]]:
    """An internal update; with ``public``, also the customer-facing text for the status page
    (and Statuspage when chosen), about ``components`` (the incident's service when none)."""
    require_open(incident, "post status updates")
    events = [TimelineEvent(now, actor, UpdatePosted(text))]
    if public is not None:
        chosen = affected(incident, components)
        events.append(TimelineEvent(now, actor, PublicUpdate(public, chosen, statuspage)))
    return replace(incident, last_update_at=now), events


def affected(incident: Incident, components: tuple[str, ...]) -> tuple[str, ...]:
    """The status page components a customer-facing update is about; refuses none at all."""
    chosen = components or ((incident.service,) if incident.service else ())
    if not chosen:
        raise InvalidChange(
            f"incident #{incident.number} has no service: name the affected components "
            "(services) for the status page"
        )
    return tuple(dict.fromkeys(chosen))


def add_note(
    incident: Incident, text: str, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    require_open(incident, "add notes")
    return incident, [TimelineEvent(now, actor, NoteAdded(text))]


def add_action(
    incident: Incident, text: str, owner: str | None, actor: str, now: datetime
) -> tuple[Incident, list[TimelineEvent]]:
    """Action items are follow-ups, so they may be added after the incident is resolved."""
    return incident, [TimelineEvent(now, actor, ActionAdded(text, owner))]


def acknowledge(incident: Incident, now: datetime) -> Incident:
    """Sets ``acknowledged_at`` once; later acknowledgements keep the first instant."""
    return incident if incident.acknowledged_at else replace(incident, acknowledged_at=now)


def require_open(incident: Incident, what: str) -> None:
    if not incident.is_open:
        raise InvalidChange(
            f"incident #{incident.number} is resolved; reopen it (`/incident reopen`) to {what}"
        )


@dataclass(frozen=True)
class Clocks:
    """Key instants and the durations derived from them, measured from ``started_at``."""

    detected_at: datetime | None
    declared_at: datetime
    acknowledged_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    started_at: datetime

    @classmethod
    def of(cls, incident: Incident) -> Clocks:
        return cls(
            incident.detected_at,
            incident.declared_at,
            incident.acknowledged_at,
            incident.mitigated_at,
            incident.resolved_at,
            incident.started_at,
        )

    def _since_start(self, instant: datetime | None) -> timedelta | None:
        return instant - self.started_at if instant else None

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        return self._since_start(self.acknowledged_at)

    @property
    def time_to_mitigate(self) -> timedelta | None:
        return self._since_start(self.mitigated_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        return self._since_start(self.resolved_at)


def format_duration(delta: timedelta) -> str:
    """``1h 05m``, ``3m 20s``, ``2d 4h``: short, for cards and timelines."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"

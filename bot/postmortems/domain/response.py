"""Detection and response facts: how the incident was noticed, who was paged, escalations, acks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.incidents.domain.incident import Incident, format_duration
from bot.incidents.domain.timeline import EventKind, TimelineEvent
from bot.postmortems.domain.alerts import TimedAlert
from bot.postmortems.domain.people import Namer, lead_name
from bot.postmortems.domain.values import (
    Acknowledgement,
    Detection,
    Moment,
    Notification,
    Page,
    Response,
    Role,
)


def detection(
    incident: Incident, alerts: Sequence[TimedAlert], tz: ZoneInfo, name: Namer
) -> Detection:
    """By an alert when one fired before the declaration, else by the person who declared."""
    declared = incident.declared_at
    first = next((a.alert for a in alerts if a.starts_at <= declared), None)
    return Detection(
        method="alert" if first else "person",
        alert=first,
        declared_by=name(incident.declarer),
        detected=Moment.of(incident.detected_at, tz) if incident.detected_at else None,
        declared=Moment.of(declared, tz),
        time_to_declare=(
            format_duration(declared - incident.detected_at) if incident.detected_at else None
        ),
    )


_PAGING = frozenset(
    {
        EventKind.PAGED,
        EventKind.NOTIFIED,
        EventKind.ACKNOWLEDGED,
        EventKind.NOBODY_ON_CALL,
        EventKind.PAGING_EXHAUSTED,
        EventKind.DELIVERY_FAILED,
    }
)


def response(
    incident: Incident, timeline: Sequence[TimelineEvent], tz: ZoneInfo, name: Namer
) -> Response:
    pages: list[Page] = []
    notifications: list[Notification] = []
    acks: list[Acknowledgement] = []
    problems: list[str] = []
    first_page: datetime | None = None
    for event in (e for e in timeline if e.kind in _PAGING):
        d, at = event.data, Moment.of(event.at, tz)
        match event.kind:
            case EventKind.PAGED:
                pages.append(
                    Page(
                        at,
                        name(event.actor),
                        str(d.get("target")),
                        str(d.get("policy")),
                        _s(d, "message"),
                    )
                )
                first_page = first_page or event.at
            case EventKind.NOTIFIED:
                notifications.append(_notification(at, d, name))
                first_page = first_page or event.at
            case EventKind.ACKNOWLEDGED:
                after = format_duration(event.at - first_page) if first_page else None
                acks.append(Acknowledgement(at, name(event.actor), after))
            case EventKind.NOBODY_ON_CALL:
                problems.append(f"Nobody was on call for {d.get('schedule')} ({at.utc} UTC)")
            case EventKind.PAGING_EXHAUSTED:
                problems.append(
                    f"Escalation for {d.get('target')} finished without an acknowledgement "
                    f"({at.utc} UTC)"
                )
            case EventKind.DELIVERY_FAILED:
                problems.append(
                    f"A page to {name(str(d.get('user')))} via {d.get('channel')} could not be "
                    f"delivered: {d.get('error')} ({at.utc} UTC)"
                )
    return Response(
        pages=pages,
        notifications=notifications,
        escalations=[n for n in notifications if n.escalation],
        acknowledgements=acks,
        paging_problems=problems,
        lead=lead_name(incident, name),
        declared_by=name(incident.declarer),
        roles=[Role(role, name(ref)) for role, ref in sorted(incident.roles.items())],
    )


def _notification(at: Moment, d: dict[str, object], name: Namer) -> Notification:
    level, loop = _int(d.get("level")), _int(d.get("loop"))
    users = d.get("users")
    people = [name(str(u)) for u in users] if isinstance(users, list) else []
    return Notification(at, people, level + 1, loop + 1, escalation=level > 0 or loop > 0)


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _s(d: dict[str, object], key: str) -> str:
    value = d.get(key)
    return "" if value is None else str(value)

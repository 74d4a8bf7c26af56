"""Detection and response facts: how the incident was noticed, who was paged, escalations, acks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import (
    Acknowledged,
    DeliveryFailed,
    NobodyOnCall,
    Notified,
    Paged,
    PagingExhausted,
)
from bot.incidents.domain.incident import Incident, format_duration
from bot.incidents.domain.timeline import TimelineEvent
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


def response(
    incident: Incident, timeline: Sequence[TimelineEvent], tz: ZoneInfo, name: Namer
) -> Response:
    pages: list[Page] = []
    notifications: list[Notification] = []
    acks: list[Acknowledgement] = []
    problems: list[str] = []
    first_page: datetime | None = None
    for event in timeline:
        at = Moment.of(event.at, tz)
        match event.payload:
            case Paged(target=target, policy=policy, message=message):
                pages.append(Page(at, name(event.actor), target, policy, message))
                first_page = first_page or event.at
            case Notified() as notified:
                notifications.append(_notification(at, notified, name))
                first_page = first_page or event.at
            case Acknowledged():
                after = format_duration(event.at - first_page) if first_page else None
                acks.append(Acknowledgement(at, name(event.actor), after))
            case NobodyOnCall(schedule=schedule):
                problems.append(f"Nobody was on call for {schedule} ({at.utc} UTC)")
            case PagingExhausted(target=target):
                problems.append(
                    f"Escalation for {target} finished without an acknowledgement ({at.utc} UTC)"
                )
            case DeliveryFailed(user=user, channel=channel, error=error):
                problems.append(
                    f"A page to {name(user)} via {channel} could not be "
                    f"delivered: {error} ({at.utc} UTC)"
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


def _notification(at: Moment, notified: Notified, name: Namer) -> Notification:
    level, loop = notified.level, notified.loop
    people = [name(u) for u in notified.users]
    return Notification(at, people, level + 1, loop + 1, escalation=level > 0 or loop > 0)

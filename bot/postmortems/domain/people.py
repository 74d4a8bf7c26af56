"""Who took part, and how: the responders list (people appear as responders, never as causes)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from bot.incidents.domain.events import (
    Acknowledged,
    Declared,
    LeadChanged,
    MessageAdded,
    Notified,
    RoleAssigned,
)
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.postmortems.domain.values import Responder

Namer = Callable[[str], str]


def namer(names: Mapping[str, str]) -> Namer:
    """A person's display name from their id or ref; unknown refs are shown as they are."""

    def name(ref: str) -> str:
        return "warroom" if ref == BOT_ACTOR else names.get(ref, ref)

    return name


NO_LEAD = "nobody yet (opened by an alert)"


def lead_name(incident: Incident, name: Namer) -> str:
    """An incident opened by an alert has no lead until someone acknowledges the page."""
    return NO_LEAD if incident.lead == BOT_ACTOR else name(incident.lead)


def responders(
    incident: Incident, timeline: Sequence[TimelineEvent], name: Namer
) -> list[Responder]:
    """Everyone who acted, was paged, acknowledged or holds a role, in order of appearance."""
    seen: dict[str, list[str]] = {}

    def involve(ref: str | None, how: str) -> None:
        if not ref or ref == BOT_ACTOR:
            return
        ways = seen.setdefault(ref, [])
        if how not in ways:
            ways.append(how)

    involve(incident.declarer, "declared")
    for event in timeline:
        for ref, how in _involvements(event):
            involve(ref, how)
    involve(incident.lead, "lead")
    for role, ref in incident.roles.items():
        involve(ref, role)
    return [Responder(name(ref), ref, ways) for ref, ways in seen.items()]


def _involvements(event: TimelineEvent) -> list[tuple[str | None, str]]:
    match event.payload:
        case Declared():
            return [(event.actor, "declared")]
        case Notified(users=users):
            return [(u, "paged") for u in users]
        case Acknowledged():
            return [(event.actor, "acknowledged")]
        case LeadChanged(new=lead):
            return [(event.actor, "acted"), (lead, "lead")]
        case RoleAssigned(role=role, user=user):
            return [(event.actor, "acted"), (user, role)]
        case MessageAdded(author=author, added_by=added_by):
            return [(author, "acted"), (added_by or event.actor, "acted")]
        case _:
            return [(event.actor, "acted")]


def people_refs(found: Sequence[Responder]) -> list[str]:
    """Names and ids to look for in the blameless check."""
    return sorted({x for r in found for x in (r.name, r.ref) if x})

"""What the pinned card (and ``/incident status``) shows of an incident's timeline.

The card is refreshed after every change, and a busy incident's timeline has hundreds of events
(an alert storm, thousands); reading and parsing all of them for each refresh made its cost grow
with the incident. The card only needs a few of them: ``CardFacts`` are those. ``facts`` picks them
from the whole timeline; ``repo.card_facts`` reads the same from the database, counting the alerts
there and parsing only the few it shows, so both give the same card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.incidents.domain.events import (
    AlertFiring,
    AlertResolved,
    EventKind,
    NoteAdded,
    Unknown,
    UpdatePosted,
)
from bot.incidents.domain.timeline import TimelineEvent

# The timeline note of an incident declared while its service is in maintenance (the card shows it).
IN_MAINTENANCE = "declared_in_maintenance"
# The card sums up every event of these kinds (its playbook progress).
PLAYBOOK_KINDS = frozenset({EventKind.PLAYBOOK_STARTED, EventKind.PLAYBOOK_STEP})
ALERT_KINDS = frozenset({EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED})
LATEST_ALERTS = 5  # the card lists the alerts that changed last, this many


@dataclass(frozen=True)
class AlertTally:
    """An incident's alerts as the card counts them. An alert is a stored source and fingerprint;
    its latest event says whether it fires (even one this version cannot read: a resolution is a
    resolution). ``latest``: the latest event of each of the alerts that changed last, newest
    first (the card lists those that read)."""

    firing: int = 0
    resolved: int = 0
    latest: tuple[TimelineEvent, ...] = ()


@dataclass(frozen=True)
class CardFacts:
    """The timeline as the card shows it."""

    events: int  # how many events the whole timeline has
    alerts: AlertTally
    playbook_events: tuple[TimelineEvent, ...]  # every event of the ``PLAYBOOK_KINDS``, in order
    last_update: TimelineEvent | None  # the latest ``UpdatePosted``
    maintenance: str | None  # the note saying it was declared during maintenance


def facts(events: Iterable[TimelineEvent]) -> CardFacts:
    """The card's facts from the whole timeline, in order."""
    latest_of: dict[tuple[str, str], TimelineEvent] = {}
    playbook_events: list[TimelineEvent] = []
    last_update: TimelineEvent | None = None
    maintenance: str | None = None
    seen = 0
    for event in events:
        seen += 1
        key = alert_key(event)
        if key is not None:
            latest_of.pop(key, None)  # re-inserted: the dict's order is the order of last change
            latest_of[key] = event
        elif event.kind in PLAYBOOK_KINDS:
            playbook_events.append(event)
        elif isinstance(event.payload, UpdatePosted):
            last_update = event
        elif maintenance is None:
            maintenance = maintenance_note(event)
    latest = list(latest_of.values())
    firing = sum(1 for event in latest if event.kind is EventKind.ALERT_FIRING)
    alerts = AlertTally(firing, len(latest) - firing, tuple(reversed(latest[-LATEST_ALERTS:])))
    return CardFacts(seen, alerts, tuple(playbook_events), last_update, maintenance)


def alert_key(event: TimelineEvent) -> tuple[str, str] | None:
    """The alert an event is about (its stored source and fingerprint), if it is an alert's."""
    payload = event.payload
    if isinstance(payload, AlertFiring | AlertResolved):
        return payload.source, payload.fingerprint
    if isinstance(payload, Unknown) and payload.kind in ALERT_KINDS:
        stored = payload.data  # what could not be read is kept as it was stored
        source, fingerprint = stored.get("source"), stored.get("fingerprint")
        if source is not None and fingerprint is not None:
            return str(source), str(fingerprint)
    return None


def maintenance_note(event: TimelineEvent) -> str | None:
    """The text of the maintenance note, if ``event`` is it."""
    if event.dedup_key == IN_MAINTENANCE and isinstance(event.payload, NoteAdded):
        return event.payload.text
    return None

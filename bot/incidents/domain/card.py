"""What the pinned card (and ``/incident status``) shows of an incident's timeline.

The card is refreshed after every change, and a busy incident's timeline has hundreds of events;
reading and parsing all of them for each refresh made its cost grow with the incident. The card
only needs a few of them: ``CardFacts`` are those, and ``facts`` picks them from any run of events
that holds every alert and playbook event, the maintenance note and the last update (the whole
timeline, or just those as ``repo.card_facts`` reads them), so both give the same card.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.incidents.domain.events import EventKind, NoteAdded, UpdatePosted
from bot.incidents.domain.timeline import TimelineEvent

# The timeline note of an incident declared while its service is in maintenance (the card shows it).
IN_MAINTENANCE = "declared_in_maintenance"
# The card summarises every event of these kinds (alert lines, playbook progress).
SUMMARISED = frozenset(
    {
        EventKind.ALERT_FIRING,
        EventKind.ALERT_RESOLVED,
        EventKind.PLAYBOOK_STARTED,
        EventKind.PLAYBOOK_STEP,
    }
)


@dataclass(frozen=True)
class CardFacts:
    """The timeline as the card shows it."""

    events: int  # how many events the whole timeline has
    summarised: tuple[TimelineEvent, ...]  # every event of the ``SUMMARISED`` kinds, in order
    last_update: TimelineEvent | None  # the latest ``UpdatePosted``
    maintenance: str | None  # the note saying it was declared during maintenance


def facts(events: Iterable[TimelineEvent], count: int | None = None) -> CardFacts:
    """The card's facts from ``events`` in timeline order; ``count`` is the whole timeline's
    length when ``events`` are only the card's (default: ``events`` are the whole timeline)."""
    summarised: list[TimelineEvent] = []
    last_update: TimelineEvent | None = None
    maintenance: str | None = None
    seen = 0
    for event in events:
        seen += 1
        if event.kind in SUMMARISED:
            summarised.append(event)
        elif isinstance(event.payload, UpdatePosted):
            last_update = event
        elif maintenance is None:
            maintenance = maintenance_note(event)
    return CardFacts(seen if count is None else count, tuple(summarised), last_update, maintenance)


def maintenance_note(event: TimelineEvent) -> str | None:
    """The text of the maintenance note, if ``event`` is it."""
    if event.dedup_key == IN_MAINTENANCE and isinstance(event.payload, NoteAdded):
        return event.payload.text
    return None

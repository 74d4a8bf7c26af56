"""What each timeline event says: one frozen payload type per kind (docs/timeline-events.md).

The database keeps a kind and a JSON ``data`` object per event. ``parse`` reads them once, at
the repository edge, into the kind's payload; ``dump`` writes a payload back as exactly the JSON
the bot has always stored, so the format and old rows stay as they are. Code reads the typed
attributes, never the JSON's keys.

A required key is one every producer writes; a key written only sometimes, or that readers
always gave a default, is optional. Data that does not fit (a missing required key, a value of
the wrong type, a kind this version does not know) loads as ``Unknown`` with the raw object:
the timeline shows it generically, summaries skip it, nothing crashes.

One module per area: ``incident``, ``public``, ``paging``, ``playbooks``, ``alerts``,
``postmortems``; the table from kind to type is in ``codec``; ``fields`` does the typed reads
of stored JSON.
"""

from bot.incidents.domain.events.alerts import AlertFiring, AlertResolved, AlertsNotice
from bot.incidents.domain.events.codec import Known, Payload, Unknown, dump, parse
from bot.incidents.domain.events.incident import (
    ActionAdded,
    ChannelCreated,
    Declared,
    Invited,
    LeadChanged,
    MessageAdded,
    NoteAdded,
    RoleAssigned,
    SeverityChanged,
    StatusChanged,
    UpdatePosted,
)
from bot.incidents.domain.events.kinds import EventKind
from bot.incidents.domain.events.paging import (
    Acknowledged,
    DeliveryFailed,
    NobodyOnCall,
    Notified,
    Paged,
    PagingExhausted,
)
from bot.incidents.domain.events.playbooks import (
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    StepOutcome,
    UndoOutcome,
)
from bot.incidents.domain.events.postmortems import PostmortemDrafted, PostmortemReviewed
from bot.incidents.domain.events.public import PublicUpdate

__all__ = [
    "Acknowledged",
    "ActionAdded",
    "AlertFiring",
    "AlertResolved",
    "AlertsNotice",
    "ChannelCreated",
    "Declared",
    "DeliveryFailed",
    "EventKind",
    "Invited",
    "Known",
    "LeadChanged",
    "MessageAdded",
    "NobodyOnCall",
    "NoteAdded",
    "Notified",
    "Paged",
    "PagingExhausted",
    "Payload",
    "PlaybookStarted",
    "PlaybookStep",
    "PlaybookUndone",
    "PostmortemDrafted",
    "PostmortemReviewed",
    "PublicUpdate",
    "RoleAssigned",
    "SeverityChanged",
    "StatusChanged",
    "StepOutcome",
    "UndoOutcome",
    "Unknown",
    "UpdatePosted",
    "dump",
    "parse",
]

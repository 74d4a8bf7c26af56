"""One table from stored kind to payload type: ``parse`` and ``dump``, and ``Unknown``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.incidents.domain.events.alerts import AlertFiring, AlertResolved, AlertsNotice
from bot.incidents.domain.events.fields import Fields, Malformed
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
from bot.incidents.domain.events.kinds import JSON, EventKind
from bot.incidents.domain.events.paging import (
    Acknowledged,
    DeliveryFailed,
    NobodyOnCall,
    Notified,
    Paged,
    PagingExhausted,
)
from bot.incidents.domain.events.playbooks import PlaybookStarted, PlaybookStep, PlaybookUndone
from bot.incidents.domain.events.postmortems import PostmortemDrafted, PostmortemReviewed
from bot.incidents.domain.events.public import PublicUpdate


@dataclass(frozen=True)
class Unknown:
    """Stored data this version cannot read (see the package docstring), kept as it was."""

    stored_kind: str
    data: Mapping[str, Any] = field(default_factory=dict)
    problem: str = field(default="", compare=False)  # why it could not be read, for logs

    @property
    def kind(self) -> EventKind:
        try:
            return EventKind(self.stored_kind)
        except ValueError:
            return EventKind.UNRECOGNIZED

    def to_json(self) -> JSON:
        return dict(self.data)


Known = (
    Declared
    | ChannelCreated
    | StatusChanged
    | SeverityChanged
    | LeadChanged
    | RoleAssigned
    | Invited
    | UpdatePosted
    | PublicUpdate
    | NoteAdded
    | ActionAdded
    | MessageAdded
    | Paged
    | Notified
    | Acknowledged
    | DeliveryFailed
    | NobodyOnCall
    | PagingExhausted
    | PlaybookStarted
    | PlaybookStep
    | PlaybookUndone
    | AlertFiring
    | AlertResolved
    | AlertsNotice
    | PostmortemDrafted
    | PostmortemReviewed
)
Payload = Known | Unknown

_TYPES: tuple[type[Known], ...] = (
    Declared,
    ChannelCreated,
    StatusChanged,
    SeverityChanged,
    LeadChanged,
    RoleAssigned,
    Invited,
    UpdatePosted,
    PublicUpdate,
    NoteAdded,
    ActionAdded,
    MessageAdded,
    Paged,
    Notified,
    Acknowledged,
    DeliveryFailed,
    NobodyOnCall,
    PagingExhausted,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    AlertFiring,
    AlertResolved,
    AlertsNotice,
    PostmortemDrafted,
    PostmortemReviewed,
)
_READERS: dict[str, Callable[[Fields], Known]] = {t.kind.value: t.from_json for t in _TYPES}


def parse(kind: str, data: object) -> Payload:
    """The payload of a stored ``kind`` and ``data`` (``None`` reads as ``{}``); never raises."""
    raw = {} if data is None else data
    if not isinstance(raw, dict):
        return Unknown(kind, {}, f"data is not an object: {raw!r}")
    reader = _READERS.get(kind)
    if reader is None:
        return Unknown(kind, raw, "a kind this version does not know")
    try:
        return reader(Fields(raw))
    except Malformed as exc:
        return Unknown(kind, raw, str(exc))


def dump(payload: Payload) -> tuple[str, JSON]:
    """The stored ``kind`` and ``data`` of a payload: the inverse of ``parse``."""
    kind = payload.stored_kind if isinstance(payload, Unknown) else payload.kind.value
    return kind, payload.to_json()

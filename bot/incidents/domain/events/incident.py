"""Payloads of the incident's own events: its declaration, changes, people and messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.kinds import JSON, EventKind
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity


@dataclass(frozen=True)
class Declared:
    kind: ClassVar[EventKind] = EventKind.DECLARED
    title: str
    severity: Severity
    service: str | None = None
    # A private incident lives in a private channel and is shown only to its members.
    private: bool = False

    def to_json(self) -> JSON:
        data: JSON = {"title": self.title, "severity": self.severity.value, "service": self.service}
        if self.private:  # absent on public incidents, as on every event recorded before
            data["private"] = True
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            f.text("title"),
            f.choice("severity", Severity),
            f.optional_text("service"),
            bool(f.optional_flag("private")),
        )


@dataclass(frozen=True)
class ChannelCreated:
    kind: ClassVar[EventKind] = EventKind.CHANNEL_CREATED
    channel_id: str
    name: str

    def to_json(self) -> JSON:
        return {"channel_id": self.channel_id, "name": self.name}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("channel_id"), f.text("name"))


@dataclass(frozen=True)
class StatusChanged:
    kind: ClassVar[EventKind] = EventKind.STATUS_CHANGED
    old: Status
    new: Status
    note: str = ""  # stored only when given

    def to_json(self) -> JSON:
        data: JSON = {"from": self.old.value, "to": self.new.value}
        if self.note:
            data["note"] = self.note
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.choice("from", Status), f.choice("to", Status), f.text_or("note", ""))


@dataclass(frozen=True)
class SeverityChanged:
    kind: ClassVar[EventKind] = EventKind.SEVERITY_CHANGED
    old: Severity
    new: Severity

    def to_json(self) -> JSON:
        return {"from": self.old.value, "to": self.new.value}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.choice("from", Severity), f.choice("to", Severity))


@dataclass(frozen=True)
class LeadChanged:
    kind: ClassVar[EventKind] = EventKind.LEAD_CHANGED
    old: str
    new: str

    def to_json(self) -> JSON:
        return {"from": self.old, "to": self.new}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("from"), f.text("to"))


@dataclass(frozen=True)
class RoleAssigned:
    kind: ClassVar[EventKind] = EventKind.ROLE_ASSIGNED
    role: str
    user: str

    def to_json(self) -> JSON:
        return {"role": self.role, "user": self.user}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("role"), f.text("user"))


@dataclass(frozen=True)
class Invited:
    """``user`` was asked into the incident channel; ``reason`` says why (pressed Join on the
    announcement, acknowledged the page, was paged)."""

    kind: ClassVar[EventKind] = EventKind.INVITED
    user: str
    reason: str

    def to_json(self) -> JSON:
        return {"user": self.user, "reason": self.reason}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("user"), f.text("reason"))


@dataclass(frozen=True)
class TextOnly:
    """A kind that carries one text."""

    text: str

    def to_json(self) -> JSON:
        return {"text": self.text}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("text"))


@dataclass(frozen=True)
class UpdatePosted(TextOnly):
    kind: ClassVar[EventKind] = EventKind.UPDATE_POSTED


@dataclass(frozen=True)
class NoteAdded(TextOnly):
    kind: ClassVar[EventKind] = EventKind.NOTE_ADDED


@dataclass(frozen=True)
class ActionAdded:
    kind: ClassVar[EventKind] = EventKind.ACTION_ADDED
    text: str
    owner: str | None = None

    def to_json(self) -> JSON:
        return {"text": self.text, "owner": self.owner}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("text"), f.optional_text("owner"))


@dataclass(frozen=True, kw_only=True)
class MessageAdded:
    """A Slack message put on the timeline; ``added_by`` pinned it (the actor, when missing)."""

    kind: ClassVar[EventKind] = EventKind.MESSAGE_ADDED
    text: str
    ts: str
    author: str | None = None
    permalink: str | None = None
    added_by: str | None = None

    def to_json(self) -> JSON:
        return {
            "text": self.text,
            "author": self.author,
            "permalink": self.permalink,
            "ts": self.ts,
            "added_by": self.added_by,
        }

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            text=f.text("text"),
            ts=f.text("ts"),
            author=f.optional_text("author"),
            permalink=f.optional_text("permalink"),
            added_by=f.optional_text("added_by"),
        )

"""Payloads of paging events: a page, each escalation step, acknowledgements, problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.kinds import JSON, EventKind


@dataclass(frozen=True)
class Paged:
    kind: ClassVar[EventKind] = EventKind.PAGED
    target: str
    policy: str
    message: str = ""
    page: int | None = None  # the page's id

    def to_json(self) -> JSON:
        data: JSON = {"target": self.target, "policy": self.policy, "message": self.message}
        if self.page is not None:
            data["page"] = self.page
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            f.text("target"), f.text("policy"), f.text_or("message", ""), f.optional_number("page")
        )


@dataclass(frozen=True)
class Notified:
    """One escalation step fired: ``users`` were paged at ``level`` in round ``loop`` (from 0)."""

    kind: ClassVar[EventKind] = EventKind.NOTIFIED
    users: tuple[str, ...]
    level: int = 0
    loop: int = 0
    page: int | None = None

    def to_json(self) -> JSON:
        data: JSON = {"users": list(self.users), "loop": self.loop, "level": self.level}
        if self.page is not None:
            data["page"] = self.page
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            f.texts("users"),
            f.number_or("level", 0),
            f.number_or("loop", 0),
            f.optional_number("page"),
        )


@dataclass(frozen=True)
class Acknowledged:
    """The actor acknowledged every active page (``pages``: their ids)."""

    kind: ClassVar[EventKind] = EventKind.ACKNOWLEDGED
    pages: tuple[int, ...] = ()

    def to_json(self) -> JSON:
        return {"pages": list(self.pages)}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.numbers("pages") if "pages" in f else ())


@dataclass(frozen=True)
class DeliveryFailed:
    kind: ClassVar[EventKind] = EventKind.DELIVERY_FAILED
    user: str
    channel: str
    error: str

    def to_json(self) -> JSON:
        return {"user": self.user, "channel": self.channel, "error": self.error}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("user"), f.text("channel"), f.text("error"))


@dataclass(frozen=True)
class NobodyOnCall:
    kind: ClassVar[EventKind] = EventKind.NOBODY_ON_CALL
    schedule: str

    def to_json(self) -> JSON:
        return {"schedule": self.schedule}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("schedule"))


@dataclass(frozen=True)
class PagingExhausted:
    kind: ClassVar[EventKind] = EventKind.PAGING_EXHAUSTED
    target: str

    def to_json(self) -> JSON:
        return {"target": self.target}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("target"))

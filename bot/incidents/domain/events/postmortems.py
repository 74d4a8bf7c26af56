"""Payloads of post-mortem events: a draft, a review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.kinds import JSON, EventKind


@dataclass(frozen=True)
class PostmortemDrafted:
    kind: ClassVar[EventKind] = EventKind.POSTMORTEM_DRAFTED
    version: int
    template: str

    def to_json(self) -> JSON:
        return {"version": self.version, "template": self.template}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.number("version"), f.text("template"))


@dataclass(frozen=True)
class PostmortemReviewed:
    kind: ClassVar[EventKind] = EventKind.POSTMORTEM_REVIEWED
    version: int
    verdict: str  # as worded on the timeline: "approved", "requested changes on"
    note: str = ""

    def to_json(self) -> JSON:
        return {"version": self.version, "verdict": self.verdict, "note": self.note}

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.number("version"), f.text("verdict"), f.text_or("note", ""))

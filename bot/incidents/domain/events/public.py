"""The customer-facing side of a status update: what the public status page says."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.kinds import JSON, EventKind


@dataclass(frozen=True)
class PublicUpdate:
    """Text written for customers, published on the status page, and the components (services)
    it affects. Its presence marks the incident customer-facing; internal updates stay
    ``UpdatePosted`` and never reach the page."""

    kind: ClassVar[EventKind] = EventKind.PUBLIC_UPDATE
    text: str
    components: tuple[str, ...]
    statuspage: bool = False  # also sent to Atlassian Statuspage (stored only when true)

    def to_json(self) -> JSON:
        data: JSON = {"text": self.text, "components": list(self.components)}
        if self.statuspage:
            data["statuspage"] = True
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.text("text"), f.texts("components"), bool(f.optional_flag("statuspage")))

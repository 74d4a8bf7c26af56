"""Payloads of inbound-alert events: an alert fired or resolved, a notice about them all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.incident import TextOnly
from bot.incidents.domain.events.kinds import JSON, EventKind


@dataclass(frozen=True, kw_only=True)
class _AlertChange:
    """An alert as it arrived; ``source`` is ``alertmanager``, ``grafana`` or ``generic``."""

    source: str
    name: str
    fingerprint: str
    starts_at: datetime
    labels: Mapping[str, str] = field(default_factory=dict)
    summary: str | None = None
    ends_at: datetime | None = None  # set on resolution
    generator_url: str | None = None
    group_key: str | None = None

    def to_json(self) -> JSON:
        data: JSON = {
            "source": self.source,
            "name": self.name,
            "labels": dict(self.labels),
            "summary": self.summary,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat() if self.ends_at else None,
            "fingerprint": self.fingerprint,
            "generator_url": self.generator_url,
        }
        if self.group_key is not None:
            data["group_key"] = self.group_key
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            source=f.text("source"),
            name=f.text("name"),
            fingerprint=f.text("fingerprint"),
            starts_at=f.instant("starts_at"),
            labels=f.labels("labels") if "labels" in f else {},
            summary=f.optional_text("summary"),
            ends_at=f.optional_instant("ends_at"),
            generator_url=f.optional_text("generator_url"),
            group_key=f.optional_text("group_key"),
        )


@dataclass(frozen=True, kw_only=True)
class AlertFiring(_AlertChange):
    kind: ClassVar[EventKind] = EventKind.ALERT_FIRING


@dataclass(frozen=True, kw_only=True)
class AlertResolved(_AlertChange):
    kind: ClassVar[EventKind] = EventKind.ALERT_RESOLVED


@dataclass(frozen=True)
class AlertsNotice(TextOnly):
    """Something about the incident's alerts as a whole (dropped upstream, all resolved)."""

    kind: ClassVar[EventKind] = EventKind.ALERTS_NOTICE

"""An inbound alert, the same whichever system sent it.

Alertmanager and Grafana name the fields ``startsAt``/``endsAt``/``generatorURL``; the generic
webhook uses snake case; all become this one value. ``ends_at`` is ``None`` while the alert fires
(Alertmanager's zero time ``0001-01-01T00:00:00Z`` means the same). ``fingerprint`` identifies the
alert across notifications and ``group_key`` the notification group it arrived in: with the start
instant they are the idempotency keys (docs/architecture.md §2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Source(StrEnum):
    ALERTMANAGER = "alertmanager"
    GRAFANA = "grafana"
    GENERIC = "generic"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Alert:
    source: Source
    name: str
    status: AlertStatus
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: datetime
    ends_at: datetime | None
    fingerprint: str
    generator_url: str | None
    group_key: str

    def __post_init__(self) -> None:
        for instant in (self.starts_at, self.ends_at):
            if instant is not None and instant.tzinfo is None:
                raise ValueError("alert instants must be timezone-aware")

    @property
    def is_firing(self) -> bool:
        return self.status is AlertStatus.FIRING

    @property
    def summary(self) -> str | None:
        return self.annotations.get("summary") or None


@dataclass(frozen=True)
class Batch:
    """What one webhook request carried. ``truncated``: alerts the sender dropped (Alertmanager's
    ``truncatedAlerts``), which the incident must mention."""

    source: Source
    alerts: tuple[Alert, ...]
    truncated: int = 0


def fingerprint_of(labels: Mapping[str, str]) -> str:
    """A stable 16-hex-digit identity from the labels, for senders that give none."""
    canonical = json.dumps(sorted(labels.items()), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

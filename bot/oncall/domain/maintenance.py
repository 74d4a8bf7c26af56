"""Maintenance windows: while one is open for a service, its alerts page nobody.

A window comes from ``services.yaml`` (``id`` None) or from ``/oncall maintenance`` (a row id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Window:
    """``service`` is in maintenance over ``[start, end)``."""

    service: str
    start: datetime
    end: datetime
    reason: str = ""
    id: int | None = None
    created_by: str | None = None

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    @property
    def in_maintenance(self) -> str:
        """``checkout-api is in maintenance until 2030-01-08 14:00 UTC (database upgrade)``."""
        reason = f" ({self.reason})" if self.reason else ""
        return f"{self.service} is in maintenance until {self.end:%Y-%m-%d %H:%M} UTC{reason}"


def open_window(windows: Iterable[Window], service: str, at: datetime) -> Window | None:
    """The window of ``service`` open at ``at``; of several, the one ending last (the answer
    "in maintenance until ..." should not be contradicted a minute later)."""
    found = [w for w in windows if w.service == service and w.covers(at)]
    return max(found, key=lambda w: w.end, default=None)

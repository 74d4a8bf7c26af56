"""Maintenance windows: planned in ``services.yaml`` or made with ``/oncall maintenance``.

While a window of a service is open its alerts are recorded but page nobody and open no incident
(``bot.alerts.apply`` asks ``open_window`` inside its own transaction). Making or cancelling a
window is one transaction: the row and the timer that announces it in the service's team channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.kernel.suggest import closest
from bot.kernel.timers import store as timers
from bot.oncall.domain import maintenance
from bot.oncall.domain.maintenance import Window
from bot.oncall.rows import MaintenanceRow

ANNOUNCE = "oncall.maintenance.announce"  # tell the service's team channel about a window
REASON_LIMIT = 500  # a reason is a line in Slack, not a document


class MaintenanceError(ValueError):
    """A request the rules refuse; worded for the person who typed it."""


def announce_key(window_id: int, cancelled: bool) -> str:
    return f"maintenance:{window_id}:{'cancelled' if cancelled else 'announce'}"


def windows(session: Session, config: Config, ending_after: datetime) -> list[Window]:
    """Planned then Slack-made windows, not cancelled, still open or to come, earliest first."""
    query = select(MaintenanceRow).where(
        MaintenanceRow.cancelled_at.is_(None), MaintenanceRow.ends_at > ending_after
    )
    made = [_window(row) for row in session.scalars(query.order_by(MaintenanceRow.id))]
    planned = [w for w in config.maintenance if w.end > ending_after]
    return sorted([*planned, *made], key=lambda w: (w.start, w.service))


def open_window(session: Session, config: Config, service: str, at: datetime) -> Window | None:
    """The window ``service`` is in at ``at``, if any."""
    return maintenance.open_window(windows(session, config, at), service, at)


class MaintenanceService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        config: Callable[[], Config],
        wake: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._wake = wake

    def open_window(self, service: str) -> Window | None:
        """The window ``service`` is in now, if any."""
        with self._sessions() as session:
            return open_window(session, self._config(), service, self._clock())

    def current(self) -> list[Window]:
        """Every window open now or to come, earliest first."""
        with self._sessions() as session:
            return windows(session, self._config(), self._clock())

    def by_id(self, window_id: int) -> Window | None:
        with self._sessions() as session:
            row = session.get(MaintenanceRow, window_id)
            return _window(row) if row is not None else None

    def create(
        self, *, service: str, start: datetime, end: datetime, reason: str, created_by: str
    ) -> Window:
        """Record a window of a known service and plan its announcement. A start in the past
        becomes now (alerts already applied stay as they were)."""
        now = self._clock()
        config = self._config()
        if config.service(service) is None:
            known = [s.name for s in config.services]
            close = closest(service, known)
            hint = f" Did you mean {close!r}?" if close else ""
            listed = ", ".join(known) if known else "none configured"
            raise MaintenanceError(f"unknown service {service!r}.{hint} Known: {listed}")
        if end <= start:
            raise MaintenanceError("the window ends before it starts: give the end after the start")
        if end <= now:
            raise MaintenanceError("the window is already over: give an end in the future")
        if len(reason) > REASON_LIMIT:
            raise MaintenanceError(f"the reason is too long: at most {REASON_LIMIT} characters")
        with self._sessions.begin() as session:
            row = MaintenanceRow(
                service=service,
                starts_at=max(start, now),
                ends_at=end,
                reason=reason,
                created_by=created_by,
                created_at=now,
            )
            session.add(row)
            session.flush()
            payload = {"window": row.id}
            timers.schedule(session, announce_key(row.id, False), ANNOUNCE, now, payload, now)
            window = _window(row)
        self._wake()
        return window

    def cancel(self, number: int, user: str) -> Window:
        """Cancel window ``number`` made in Slack and announce it."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(MaintenanceRow, number)
            if row is None or row.cancelled_at is not None or row.ends_at <= now:
                raise MaintenanceError(
                    f"there is no maintenance window #{number} open or to come; "
                    "`/oncall maintenance list` shows them"
                )
            row.cancelled_at = now
            payload = {"window": row.id, "cancelled": True, "by": user}
            timers.schedule(session, announce_key(row.id, True), ANNOUNCE, now, payload, now)
            window = _window(row)
        self._wake()
        return window


def _window(row: MaintenanceRow) -> Window:
    return Window(row.service, row.starts_at, row.ends_at, row.reason, row.id, row.created_by)

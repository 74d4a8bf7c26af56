"""The status page's one read: customer-facing incidents of the window, cached briefly.

Every request of ``/status``, ``/status.json`` and the feed within ``cache_seconds`` of the last
read is served from it, so a crowd of customers reloading during an outage costs one query
every few seconds, not one per request.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.config.live import LiveConfig
from bot.incidents.domain.events import PublicUpdate
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.service import IncidentService
from bot.statuspage.domain.page import (
    HISTORY_DAYS,
    PublicIncident,
    PublicNote,
    StatusPage,
    build_page,
)

CACHE_SECONDS = 5.0


class StatusPages:
    def __init__(
        self,
        incidents: IncidentService,
        config: LiveConfig,
        clock: Callable[[], datetime],
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._incidents = incidents
        self._config = config
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cached: tuple[float, StatusPage] | None = None

    def page(self) -> StatusPage:
        """The page as of at most ``cache_seconds`` ago (one query when it is older)."""
        with self._lock:
            if self._cached and self._monotonic() - self._cached[0] < self._cache_seconds:
                return self._cached[1]
            page = self._read()
            self._cached = (self._monotonic(), page)
            return page

    def _read(self) -> StatusPage:
        now = self._clock()
        since = now - timedelta(days=HISTORY_DAYS)
        updates = self._incidents.customer_facing(since)
        services = [(s.name, s.description) for s in self._config().services]
        return build_page(services, _public_incidents(updates), now)


def _public_incidents(updates: list[tuple[Incident, TimelineEvent]]) -> list[PublicIncident]:
    by_number: dict[int, tuple[Incident, list[TimelineEvent]]] = {}
    for incident, event in updates:
        by_number.setdefault(incident.number, (incident, []))[1].append(event)
    public = []
    for incident, events in by_number.values():
        notes = [(e.at, e.payload) for e in events if isinstance(e.payload, PublicUpdate)]
        components = tuple(dict.fromkeys(c for _, p in notes for c in p.components))
        public.append(
            PublicIncident(
                number=incident.number,
                severity=incident.severity,
                started_at=incident.declared_at,
                resolved_at=incident.resolved_at,
                components=components,
                updates=tuple(PublicNote(at, p.text) for at, p in notes),
            )
        )
    return public

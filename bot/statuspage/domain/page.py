"""What the public status page says, from the customer-facing incidents and ``now``.

An incident is customer-facing once someone published a customer-facing update for it
(``PublicUpdate``); its components are every component those updates named. While it is open,
each of its components is in the state its severity maps to (``Severity.public_state``); the
worst open incident wins. Uptime counts the time a component spent in a partial or major outage
over the window; degraded performance is shown on the bars but counts as up (as Atlassian
Statuspage does).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.incidents.domain.severity import Severity

OPERATIONAL = "operational"
DEGRADED = "degraded performance"
PARTIAL = "partial outage"
MAJOR = "major outage"
_RANK = {OPERATIONAL: 0, DEGRADED: 1, PARTIAL: 2, MAJOR: 3}
DOWN = frozenset({PARTIAL, MAJOR})  # states that count against uptime
HISTORY_DAYS = 90


@dataclass(frozen=True)
class PublicNote:
    at: datetime
    text: str


@dataclass(frozen=True)
class PublicIncident:
    """One customer-facing incident as the public sees it: never its internal title or
    updates, only the customer-facing texts and the components they named."""

    number: int
    severity: Severity
    started_at: datetime
    resolved_at: datetime | None
    components: tuple[str, ...]
    updates: tuple[PublicNote, ...]  # oldest first

    @property
    def title(self) -> str:
        return f"Incident affecting {', '.join(self.components)}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def state(self) -> str:
        return self.severity.public_state

    def duration(self, now: datetime) -> timedelta:
        return (self.resolved_at or now) - self.started_at


@dataclass(frozen=True)
class Day:
    day: date
    state: str  # the worst state of the day
    down: timedelta  # time in a partial or major outage


@dataclass(frozen=True)
class Component:
    name: str
    description: str
    state: str
    days: tuple[Day, ...]  # oldest first, HISTORY_DAYS of them, today last

    @property
    def uptime(self) -> float:
        """The share of the window not spent in an outage (today counts as a whole day)."""
        down = sum((d.down for d in self.days), timedelta())
        return max(0.0, 1 - down / (timedelta(days=1) * len(self.days)))


@dataclass(frozen=True)
class StatusPage:
    generated_at: datetime
    components: tuple[Component, ...]
    active: tuple[PublicIncident, ...]  # open, newest first
    history: tuple[PublicIncident, ...]  # resolved within the window, newest first

    @property
    def overall(self) -> str:
        return max((c.state for c in self.components), key=_RANK.__getitem__, default=OPERATIONAL)


def build_page(
    services: Sequence[tuple[str, str]], incidents: Sequence[PublicIncident], now: datetime
) -> StatusPage:
    """``services``: (name, description) in config order; ``incidents``: every customer-facing
    incident still open or resolved within the last ``HISTORY_DAYS`` days."""
    newest = sorted(incidents, key=lambda i: i.started_at, reverse=True)
    today = now.date()
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS - 1, -1, -1)]
    components = tuple(
        Component(
            name=name,
            description=description,
            state=_worst(i.state for i in newest if i.is_open and name in i.components),
            days=tuple(_day(d, [i for i in newest if name in i.components], now) for d in days),
        )
        for name, description in services
    )
    return StatusPage(
        generated_at=now,
        components=components,
        active=tuple(i for i in newest if i.is_open),
        history=tuple(i for i in newest if not i.is_open),
    )


def _worst(states: Iterable[str]) -> str:
    return max([OPERATIONAL, *states], key=_RANK.__getitem__)


def _day(day: date, incidents: Sequence[PublicIncident], now: datetime) -> Day:
    start = datetime.combine(day, time(), tzinfo=now.tzinfo)
    end = min(start + timedelta(days=1), now)
    state, down = OPERATIONAL, timedelta()
    for incident in incidents:
        overlap = min(end, incident.resolved_at or now) - max(start, incident.started_at)
        if overlap <= timedelta():
            continue
        state = _worst([state, incident.state])
        if incident.state in DOWN:
            down += overlap
    return Day(day, state, min(down, timedelta(days=1)))

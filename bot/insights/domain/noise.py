"""Alert noise: alerts per rule and per service with the share that opened (or joined) an
incident, flapping alerts, and pages at night that nobody acknowledged. Pure: records in, rows out.

A firing is one ``AlertRecord``. An alert flaps when the same alert (rule, service, fingerprint)
fired and resolved at least ``FLAP_FIRINGS`` times within ``FLAP_WINDOW``. A page is at night when
it started between ``NIGHT_START`` and ``NIGHT_END`` o'clock in the zone of someone it paged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.insights.domain.records import AlertRecord, PageRecord

NO_SERVICE = "(no service)"
FLAP_WINDOW = timedelta(hours=6)
FLAP_FIRINGS = 3
NIGHT_START = 22  # 22:00 ...
NIGHT_END = 7  # ... to 07:00, local time


@dataclass(frozen=True, slots=True)
class AlertCount:
    name: str  # the rule, or the service
    service: str  # the rule's service (the service itself on a per-service row)
    alerts: int
    opened: int  # of which opened or joined an incident

    @property
    def share(self) -> float:
        return self.opened / self.alerts if self.alerts else 0.0


@dataclass(frozen=True, slots=True)
class Flapping:
    rule: str
    service: str
    fingerprint: str
    firings: int  # in all
    most_in_window: int  # the most resolved firings within FLAP_WINDOW
    first_at: datetime  # the first firing of that window


@dataclass(frozen=True, slots=True)
class NightPages:
    rule: str
    service: str
    night: int  # pages at night for someone paged
    unacknowledged: int  # of which nobody acknowledged


def alerts_per_rule(alerts: Iterable[AlertRecord]) -> list[AlertCount]:
    """Most alerts first (ties by rule, then service)."""
    return rank(_counts(alerts, lambda a: (a.rule, a.service or NO_SERVICE)))


def alerts_per_service(alerts: Iterable[AlertRecord]) -> list[AlertCount]:
    return per_service(alerts_per_rule(alerts))


def rank(counts: Iterable[AlertCount]) -> list[AlertCount]:
    """Most alerts first (ties by name, then service)."""
    return sorted(counts, key=lambda r: (-r.alerts, r.name, r.service))


def per_service(per_rule: Iterable[AlertCount]) -> list[AlertCount]:
    """The counts per rule (and service) added up per service, ranked."""
    fired: dict[str, int] = defaultdict(int)
    opened: dict[str, int] = defaultdict(int)
    for row in per_rule:
        fired[row.service] += row.alerts
        opened[row.service] += row.opened
    return rank(AlertCount(service, service, n, opened[service]) for service, n in fired.items())


def _counts(
    alerts: Iterable[AlertRecord], key: Callable[[AlertRecord], tuple[str, str]]
) -> list[AlertCount]:
    fired: dict[tuple[str, str], int] = defaultdict(int)
    opened: dict[tuple[str, str], int] = defaultdict(int)
    for alert in alerts:
        k = key(alert)
        fired[k] += 1
        if alert.incident is not None:
            opened[k] += 1
    return [
        AlertCount(name, service, n, opened[(name, service)])
        for (name, service), n in fired.items()
    ]


def flapping(
    alerts: Iterable[AlertRecord],
    window: timedelta = FLAP_WINDOW,
    firings: int = FLAP_FIRINGS,
) -> list[Flapping]:
    """The alerts that fired and resolved at least ``firings`` times within ``window``: most in a
    window first."""
    by_alert: dict[tuple[str, str, str], list[AlertRecord]] = defaultdict(list)
    for alert in alerts:
        by_alert[(alert.rule, alert.service or NO_SERVICE, alert.fingerprint)].append(alert)
    found: list[Flapping] = []
    reach = window // MICROSECOND
    for (rule, service, fingerprint), fired in by_alert.items():
        starts = sorted(micros(a.started_at) for a in fired if a.ended_at is not None)
        most, first = fullest_window(starts, reach)
        if most >= firings:
            found.append(Flapping(rule, service, fingerprint, len(fired), most, at_micros(first)))
    return ranked_flapping(found, firings)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def micros(at: datetime) -> int:
    """Whole microseconds since 1970 (what ``bot/insights/sql.py``'s ``epoch_micros`` gives)."""
    return (at - EPOCH) // MICROSECOND


def at_micros(value: int) -> datetime:
    return EPOCH + value * MICROSECOND


def fullest_window(starts: Sequence[int], reach: int) -> tuple[int, int]:
    """The most of the sorted ``starts`` within ``reach`` of each other (a window ending at one
    of them), and where the earliest such window begins; (0, 0) for none."""
    most, first, low = 0, 0, 0
    for high, start in enumerate(starts):
        while start - starts[low] > reach:
            low += 1
        if high - low + 1 > most:
            most, first = high - low + 1, starts[low]
    return most, first


def ranked_flapping(found: Iterable[Flapping], firings: int = FLAP_FIRINGS) -> list[Flapping]:
    """Alerts with at least ``firings`` within the window, most in a window first."""
    kept = [f for f in found if f.most_in_window >= firings]
    kept.sort(key=lambda f: (-f.most_in_window, -f.firings, f.rule, f.service, f.fingerprint))
    return kept


def is_night(at: datetime, zone: str) -> bool:
    try:
        hour = at.astimezone(ZoneInfo(zone)).hour
    except (ZoneInfoNotFoundError, ValueError):
        hour = at.hour  # an unknown zone reads as UTC
    return hour >= NIGHT_START or hour < NIGHT_END


def night_pages(pages: Iterable[PageRecord], alerts: Iterable[AlertRecord]) -> list[NightPages]:
    """Pages of incidents that alerts opened, started at night for someone they paged, by the
    incident's alert rules; pages of incidents declared by hand are left out. Most unacknowledged
    first."""
    rules: dict[int, set[str]] = defaultdict(set)
    for alert in alerts:
        if alert.incident is not None:
            rules[alert.incident].add(alert.rule)
    return night_pages_of(pages, rules)


def night_pages_of(
    pages: Iterable[PageRecord], rules: Mapping[int, Collection[str]]
) -> list[NightPages]:
    """``night_pages`` with each alert-opened incident's rules (``rules``, by incident)."""
    night: dict[tuple[str, str], int] = defaultdict(int)
    missed: dict[tuple[str, str], int] = defaultdict(int)
    for page in pages:
        if not rules.get(page.incident):
            continue
        if not any(is_night(page.started_at, r.zone) for r in page.recipients):
            continue
        for rule in rules[page.incident]:
            key = (rule, page.service or NO_SERVICE)
            night[key] += 1
            if page.acknowledged_at is None:
                missed[key] += 1
    rows = [
        NightPages(rule, service, n, missed[(rule, service)])
        for (rule, service), n in night.items()
    ]
    rows.sort(key=lambda r: (-r.unacknowledged, -r.night, r.rule, r.service))
    return rows

"""What ``/insights`` (and ``warroom report``) read of a scope: only what each figure needs, as
the plain records and counts of ``bot/insights/domain/``, counted in the database where it can
be (a year of 100,000 incidents, 282,000 firings and 70,000 pages takes 2 to 4 s; see
docs/insights.md):

- every incident's clocks as numbers (microseconds computed in SQL, no datetimes): the response
  times, counts by severity and time to detect are computed from them;
- the ten incidents that took longest, ranked in SQL;
- action items counted per month (``GROUP BY``);
- the scope's firings read once, a few names and numbers each, counted per rule and service, for
  flapping and for the rules of the incidents they opened in Python dictionaries (the database's
  ``GROUP BY`` and window over them sorted every firing, three reads of the alerts in all);
- the pages of alert-opened incidents only.

Only the scope's date range is read (indexed: incidents by ``declared_at`` or ``service,
declared_at``; alerts by ``starts_at``; pages by ``started_at``). Private incidents the viewer
may not see are left out, with their action items, alerts and pages, exactly as the incident list
leaves them out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.alerts.rows import AlertGroupRow, AlertRow
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.insights.domain.mttx import LONGEST, FollowUps
from bot.insights.domain.noise import (
    FLAP_FIRINGS,
    FLAP_WINDOW,
    MICROSECOND,
    NO_SERVICE,
    AlertCount,
    Flapping,
    at_micros,
    fullest_window,
    ranked_flapping,
)
from bot.insights.domain.records import (
    IncidentClocks,
    IncidentRecord,
    PageRecord,
    Recipient,
)
from bot.insights.domain.scope import Scope
from bot.insights.sql import epoch_micros, micros_between, month_of, seconds_between
from bot.paging.rows import DeliveryRow, PageRow


@dataclass(frozen=True)
class History:
    """What the figures are computed from, as little of it as they need."""

    clocks: list[IncidentClocks]  # every incident's, as numbers
    longest: list[IncidentRecord]  # the resolved incidents that took longest (ranked in SQL)
    followups: list[FollowUps]  # action items per month of their incidents (counted in SQL)
    alert_counts: list[AlertCount]  # firings per rule and service (counted in SQL)
    flapping: list[Flapping]  # the alerts that flapped (found in SQL)
    rules: dict[int, set[str]]  # the alert rules of each incident alerts opened or joined
    pages: list[PageRecord]  # the pages of those incidents, with whom they reached

    @property
    def alerts(self) -> int:
        return sum(count.alerts for count in self.alert_counts)


def bounds(scope: Scope) -> tuple[datetime, datetime]:
    """The scope's UTC instants: from the start of ``since`` to the end of ``until``."""
    start = datetime.combine(scope.since, time(), UTC)
    return start, datetime.combine(scope.until, time(), UTC) + timedelta(days=1)


def hidden_private(session: Session, shown: Collection[int]) -> list[int]:
    """The private incidents the viewer may not see (few: private incidents are rare)."""
    numbers = session.scalars(select(IncidentRow.id).where(IncidentRow.private.is_(True)))
    return sorted(set(numbers) - set(shown))


def load(
    session: Session,
    scope: Scope,
    private_shown: Collection[int] = (),
    zone_of: Callable[[str], str] = lambda ref: "UTC",
) -> History:
    """``private_shown``: the private incidents the viewer is a member of. ``zone_of``: the
    zone of a paged person (a users.yaml reference: Slack id or email)."""
    start, end = bounds(scope)
    hidden = hidden_private(session, private_shown)
    visible = _visible(IncidentRow.id, hidden)
    incidents = [*_incident_scope(scope, start, end), visible]
    read = _alerts(session, _alert_scope(scope, start, end, hidden))
    return History(
        _clocks(session, incidents),
        _longest(session, incidents),
        _followups(session, incidents),
        read.counts,
        read.flapping,
        read.rules,
        _pages(session, scope, start, end, visible, zone_of, read.rules),
    )


def _visible(column: InstrumentedAttribute[int], hidden: list[int]) -> ColumnElement[bool]:
    return column.not_in(hidden) if hidden else and_(true())


def _incident_scope(scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    conditions = [IncidentRow.declared_at >= start, IncidentRow.declared_at < end]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    return conditions


# The long reads (a row per incident, firing or page) go through the connection: the ORM's
# session.execute() wraps every row for nothing here (about a tenth of a year's read).


def _clocks(session: Session, incidents: list[ColumnElement[bool]]) -> list[IncidentClocks]:
    declared = IncidentRow.declared_at
    rows = session.connection().execute(
        select(
            month_of(declared),
            IncidentRow.service,
            IncidentRow.severity,
            seconds_between(declared, IncidentRow.acknowledged_at),
            seconds_between(declared, IncidentRow.mitigated_at),
            seconds_between(declared, IncidentRow.resolved_at),
            seconds_between(IncidentRow.detected_at, declared),
        ).where(*incidents)
    )
    return list(map(IncidentClocks._make, rows))


def _longest(session: Session, incidents: list[ColumnElement[bool]]) -> list[IncidentRecord]:
    took = micros_between(IncidentRow.declared_at, IncidentRow.resolved_at)
    rows = session.execute(
        select(
            IncidentRow.id,
            IncidentRow.severity,
            IncidentRow.service,
            IncidentRow.declared_at,
            IncidentRow.resolved_at,
            IncidentRow.title,
        )
        .where(*incidents, IncidentRow.resolved_at.is_not(None))
        # A resolution before the declaration took zero (as the domain counts it).
        .order_by(case((took < 0, 0), else_=took).desc(), IncidentRow.id)
        .limit(LONGEST)
    )
    return [
        IncidentRecord(n, sev, service, declared, resolved_at=resolved, title=title)
        for n, sev, service, declared, resolved, title in rows
    ]


def _followups(session: Session, incidents: list[ColumnElement[bool]]) -> list[FollowUps]:
    month = month_of(IncidentRow.declared_at)
    rows = session.execute(
        select(month, func.count(), func.count(ActionItemRow.done_at))
        .select_from(ActionItemRow)
        .join(IncidentRow, IncidentRow.id == ActionItemRow.incident_id)
        .where(*incidents)
        .group_by(month)
        .order_by(month)
    )
    return [FollowUps(m, total, done) for m, total, done in rows]


def _alert_scope(
    scope: Scope, start: datetime, end: datetime, hidden: list[int]
) -> list[ColumnElement[bool]]:
    """Alerts by when they started firing; those of hidden incidents left out."""
    conditions = [AlertRow.starts_at >= start, AlertRow.starts_at < end]
    if hidden:
        conditions.append(or_(AlertRow.incident_id.is_(None), AlertRow.incident_id.not_in(hidden)))
    if scope.service:
        conditions.append(AlertGroupRow.service == scope.service)
    return conditions


# Constants written into the SQL, so that the same expression in a SELECT, a GROUP BY and the
# windows' PARTITION BY is the same text (SQLite sorts once per distinct window).
_SERVICE = func.coalesce(
    func.nullif(AlertGroupRow.service, bindparam(None, "", String(), literal_execute=True)),
    bindparam(None, NO_SERVICE, String(), literal_execute=True),
)


_Alert = tuple[str, str, str]  # rule, service, fingerprint


@dataclass(frozen=True)
class _Alerts:
    counts: list[AlertCount]
    flapping: list[Flapping]
    rules: dict[int, set[str]]


def _alerts(session: Session, alerts: list[ColumnElement[bool]]) -> _Alerts:
    """The scope's firings read once, a few numbers and names each: counted per rule and
    service, the resolved ones' starts per alert (rule, service, fingerprint) for flapping, the
    rules of each incident they opened or joined. One pass and dictionaries: a database sorts
    every firing for a ``GROUP BY`` or a window, several times slower for a few hundred alerts."""
    resolved_at = case((AlertRow.ends_at.is_not(None), epoch_micros(AlertRow.starts_at)))
    rows = session.connection().execute(
        select(AlertRow.name, _SERVICE, AlertRow.fingerprint, resolved_at, AlertRow.incident_id)
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(*alerts)
    )
    fired: dict[_Alert, list[int]] = {}  # firings, of which opened or joined an incident
    starts: dict[_Alert, list[int]] = defaultdict(list)
    rules: dict[int, set[str]] = defaultdict(set)
    for rule, service, fingerprint, resolved, incident in rows:
        key = (rule, service, fingerprint)
        counts = fired.get(key)
        if counts is None:
            counts = fired[key] = [0, 0]
        counts[0] += 1
        if incident is not None:
            counts[1] += 1
            rules[incident].add(rule)
        if resolved is not None:
            starts[key].append(resolved)
    return _Alerts(_alert_counts(fired), _flapping(fired, starts), dict(rules))


def _alert_counts(fired: dict[_Alert, list[int]]) -> list[AlertCount]:
    """The firings per rule and service (a few hundred alerts added up)."""
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for (rule, service, _), (n, opened) in fired.items():
        total, done = counts.get((rule, service), (0, 0))
        counts[(rule, service)] = (total + n, done + opened)
    return [AlertCount(rule, service, n, opened) for (rule, service), (n, opened) in counts.items()]


def _flapping(fired: dict[_Alert, list[int]], starts: dict[_Alert, list[int]]) -> list[Flapping]:
    """The alerts that fired and resolved at least ``FLAP_FIRINGS`` times within
    ``FLAP_WINDOW`` (``starts``: each alert's resolved firings, microseconds since 1970)."""
    found: list[Flapping] = []
    reach = FLAP_WINDOW // MICROSECOND
    for key, resolved in starts.items():
        resolved.sort()
        most, first = fullest_window(resolved, reach)
        if most >= FLAP_FIRINGS:
            found.append(Flapping(*key, fired[key][0], most, at_micros(first)))
    return ranked_flapping(found)


def _pages(
    session: Session,
    scope: Scope,
    start: datetime,
    end: datetime,
    visible: ColumnElement[bool],
    zone_of: Callable[[str], str],
    opened: Collection[int],
) -> list[PageRecord]:
    """The pages of the incidents alerts opened or joined (``opened``; the others' never
    count), picked here: asking the database would read the alerts once more."""
    conditions = [PageRow.started_at >= start, PageRow.started_at < end, visible]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    paged: dict[int, tuple[int, str | None, datetime, datetime | None, list[str]]] = {}
    people: dict[str, Recipient] = {}  # one per person, with their zone (asked once)
    # One pass over the pages and whom they reached (a page without deliveries reached nobody).
    for page_id, incident, service, started, acknowledged, ref in session.connection().execute(
        select(
            PageRow.id,
            PageRow.incident_id,
            IncidentRow.service,
            PageRow.started_at,
            PageRow.acknowledged_at,
            DeliveryRow.user_ref,
        )
        .join(IncidentRow, IncidentRow.id == PageRow.incident_id)
        .outerjoin(DeliveryRow, DeliveryRow.page_id == PageRow.id)
        .where(*conditions)
    ):
        if incident not in opened:
            continue
        page = paged.get(page_id)
        if page is None:
            page = paged[page_id] = (incident, service, started, acknowledged, [])
        if ref is not None:
            page[4].append(ref)
            if ref not in people:
                people[ref] = Recipient(ref, zone_of(ref))
    return [
        PageRecord(
            incident,
            service,
            started,
            acknowledged,
            tuple(people[ref] for ref in sorted(set(refs))),
        )
        for incident, service, started, acknowledged, refs in paged.values()
    ]

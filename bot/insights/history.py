"""What ``/insights`` (and ``warroom report``) read of a scope: only what each figure needs, as
the plain records and counts of ``bot/insights/domain/``, counted in the database where it can
be, so a year of 100,000 incidents is read in well under a second:

- every incident's clocks as numbers (microseconds computed in SQL, no datetimes): the response
  times, counts by severity and time to detect are computed from them;
- the ten incidents that took longest, ranked in SQL;
- action items counted per month, alerts per rule and service (``GROUP BY``);
- the firings of the alerts that may flap only (a window function finds those with three
  resolved firings within the window), and the rules and pages of alert-opened incidents only.

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
    BigInteger,
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
from sqlalchemy.sql.elements import FrameClause, FrameClauseType

from bot.alerts.rows import AlertGroupRow, AlertRow
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.insights.domain.mttx import LONGEST, FollowUps
from bot.insights.domain.noise import (
    FLAP_FIRINGS,
    FLAP_WINDOW,
    NO_SERVICE,
    AlertCount,
    Flapping,
    FlapWindow,
    flapping_of,
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
    alerts = _alert_scope(scope, start, end, hidden)
    fired = _fired(session, alerts)
    return History(
        _clocks(session, incidents),
        _longest(session, incidents),
        _followups(session, incidents),
        _alert_counts(fired),
        _flapping(session, alerts, fired),
        _rules(session, alerts),
        _pages(session, scope, start, end, visible, zone_of, alerts),
    )


def _visible(column: InstrumentedAttribute[int], hidden: list[int]) -> ColumnElement[bool]:
    return column.not_in(hidden) if hidden else and_(true())


def _incident_scope(scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    conditions = [IncidentRow.declared_at >= start, IncidentRow.declared_at < end]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    return conditions


def _clocks(session: Session, incidents: list[ColumnElement[bool]]) -> list[IncidentClocks]:
    declared = IncidentRow.declared_at
    rows = session.execute(
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Constants written into the SQL, so that the same expression in a SELECT, a GROUP BY and the
# windows' PARTITION BY is the same text (SQLite sorts once per distinct window).
_SERVICE = func.coalesce(
    func.nullif(AlertGroupRow.service, bindparam(None, "", String(), literal_execute=True)),
    bindparam(None, NO_SERVICE, String(), literal_execute=True),
)


_Alert = tuple[str, str, str]  # rule, service, fingerprint


def _fired(session: Session, alerts: list[ColumnElement[bool]]) -> dict[_Alert, tuple[int, int]]:
    """Per alert (rule, service, fingerprint): its firings, and how many opened an incident."""
    key = (AlertRow.name, _SERVICE, AlertRow.fingerprint)
    rows = session.execute(
        select(*key, func.count(), func.count(AlertRow.incident_id))
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(*alerts)
        .group_by(*key)
    )
    return {
        (rule, service, fingerprint): (n, opened) for rule, service, fingerprint, n, opened in rows
    }


def _alert_counts(fired: dict[_Alert, tuple[int, int]]) -> list[AlertCount]:
    """The firings per rule and service (a few hundred alerts added up)."""
    counts: dict[tuple[str, str], tuple[int, int]] = {}
    for (rule, service, _), (n, opened) in fired.items():
        total, done = counts.get((rule, service), (0, 0))
        counts[(rule, service)] = (total + n, done + opened)
    return [AlertCount(rule, service, n, opened) for (rule, service), (n, opened) in counts.items()]


def _flapping(
    session: Session, alerts: list[ColumnElement[bool]], fired: dict[_Alert, tuple[int, int]]
) -> list[Flapping]:
    """The alerts (rule, service, fingerprint) that fired and resolved at least ``FLAP_FIRINGS``
    times within ``FLAP_WINDOW``. A window function counts, at each resolved firing, the resolved
    firings from ``FLAP_WINDOW`` before it up to it (and the earliest of them); those windows are
    read grouped by alert and count; ``fired``: the alerts' firings in all."""
    key = (AlertRow.name, _SERVICE, AlertRow.fingerprint)
    at = epoch_micros(AlertRow.starts_at)
    # Written into the SQL: 6 hours of microseconds is past a bound INTEGER.
    reach = bindparam(None, FLAP_WINDOW // _MICROSECOND, BigInteger(), literal_execute=True)
    frame = FrameClause(reach, None, FrameClauseType.PRECEDING, FrameClauseType.CURRENT)
    each = (
        select(
            *key,
            func.count().over(partition_by=key, order_by=at, range_=frame).label("within"),
            func.min(at).over(partition_by=key, order_by=at, range_=frame).label("since"),
        )
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(*alerts, AlertRow.ends_at.is_not(None))
        .subquery()
    )
    name, service, fingerprint, within, since = each.c
    windows = session.execute(
        select(name, service, fingerprint, within, func.min(since))
        .where(within >= FLAP_FIRINGS)
        .group_by(name, service, fingerprint, within)
    ).all()
    return flapping_of(
        (
            FlapWindow(rule, svc, print_, n, _EPOCH + first * _MICROSECOND)
            for rule, svc, print_, n, first in windows
        ),
        {alert: n for alert, (n, _) in fired.items()},
    )


def _rules(session: Session, alerts: list[ColumnElement[bool]]) -> dict[int, set[str]]:
    rows = session.execute(
        select(AlertRow.incident_id, AlertRow.name)
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(*alerts, AlertRow.incident_id.is_not(None))
        .distinct()
    )
    rules: dict[int, set[str]] = defaultdict(set)
    for incident, rule in rows:
        if incident is not None:
            rules[incident].add(rule)
    return dict(rules)


def _pages(
    session: Session,
    scope: Scope,
    start: datetime,
    end: datetime,
    visible: ColumnElement[bool],
    zone_of: Callable[[str], str],
    alerts: list[ColumnElement[bool]],
) -> list[PageRecord]:
    """The pages of the incidents alerts opened or joined (the others' never count)."""
    opened = (
        select(AlertRow.incident_id)
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(*alerts, AlertRow.incident_id.is_not(None))
    )
    conditions = [
        PageRow.started_at >= start,
        PageRow.started_at < end,
        visible,
        PageRow.incident_id.in_(opened),
    ]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    paged: dict[int, tuple[int, str | None, datetime, datetime | None, set[str]]] = {}
    zones: dict[str, str] = {}
    # One pass over the pages and whom they reached (a page without deliveries reached nobody).
    for page_id, incident, service, started, acknowledged, ref in session.execute(
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
        page = paged.get(page_id)
        if page is None:
            page = paged[page_id] = (incident, service, started, acknowledged, set())
        if ref is not None:
            page[4].add(ref)
            if ref not in zones:
                zones[ref] = zone_of(ref)
    return [
        PageRecord(
            incident,
            service,
            started,
            acknowledged,
            tuple(Recipient(ref, zones[ref]) for ref in sorted(refs)),
        )
        for incident, service, started, acknowledged, refs in paged.values()
    ]

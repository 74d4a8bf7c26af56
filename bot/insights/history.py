"""What ``/insights`` (and ``warroom report``) read: the incidents, action items, alerts and
pages in a scope, as the plain records of ``bot/insights/domain/records.py``.

Only the columns the figures need are read, only in the scope's date range (indexed: incidents
by ``declared_at`` or ``service, declared_at``; alerts by ``starts_at``; pages by
``started_at``). Private incidents the viewer may not see are left out, with their action items,
alerts and pages, exactly as the incident list leaves them out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.alerts.rows import AlertGroupRow, AlertRow
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.insights.domain.records import (
    ActionItemRecord,
    AlertRecord,
    IncidentRecord,
    PageRecord,
    Recipient,
)
from bot.insights.domain.scope import Scope
from bot.paging.rows import DeliveryRow, PageRow


@dataclass(frozen=True)
class History:
    incidents: list[IncidentRecord]
    items: list[ActionItemRecord]
    alerts: list[AlertRecord]
    pages: list[PageRecord]


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
    incidents = _incidents(session, scope, start, end, visible)
    return History(
        incidents,
        _items(session, scope, start, end, visible),
        _alerts(session, scope, start, end, hidden),
        _pages(session, scope, start, end, visible, zone_of),
    )


def _visible(column: InstrumentedAttribute[int], hidden: list[int]) -> ColumnElement[bool]:
    return column.not_in(hidden) if hidden else and_(true())


def _incident_scope(scope: Scope, start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    conditions = [IncidentRow.declared_at >= start, IncidentRow.declared_at < end]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    return conditions


def _incidents(
    session: Session, scope: Scope, start: datetime, end: datetime, visible: ColumnElement[bool]
) -> list[IncidentRecord]:
    rows = session.execute(
        select(
            IncidentRow.id,
            IncidentRow.severity,
            IncidentRow.service,
            IncidentRow.declared_at,
            IncidentRow.detected_at,
            IncidentRow.acknowledged_at,
            IncidentRow.mitigated_at,
            IncidentRow.resolved_at,
            IncidentRow.private,
            IncidentRow.title,
        ).where(*_incident_scope(scope, start, end), visible)
    )
    return [
        IncidentRecord(
            n, sev, service, declared, detected, acked, mitigated, resolved, private, title
        )
        for n, sev, service, declared, detected, acked, mitigated, resolved, private, title in rows
    ]


def _items(
    session: Session, scope: Scope, start: datetime, end: datetime, visible: ColumnElement[bool]
) -> list[ActionItemRecord]:
    rows = session.execute(
        select(ActionItemRow.incident_id, ActionItemRow.created_at, ActionItemRow.done_at)
        .join(IncidentRow, IncidentRow.id == ActionItemRow.incident_id)
        .where(*_incident_scope(scope, start, end), visible)
    )
    return [ActionItemRecord(*row) for row in rows]


def _alerts(
    session: Session, scope: Scope, start: datetime, end: datetime, hidden: list[int]
) -> list[AlertRecord]:
    query = (
        select(
            AlertRow.name,
            AlertGroupRow.service,
            AlertRow.fingerprint,
            AlertRow.starts_at,
            AlertRow.ends_at,
            AlertRow.incident_id,
        )
        .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
        .where(AlertRow.starts_at >= start, AlertRow.starts_at < end)
    )
    if hidden:
        query = query.where(
            or_(AlertRow.incident_id.is_(None), AlertRow.incident_id.not_in(hidden))
        )
    if scope.service:
        query = query.where(AlertGroupRow.service == scope.service)
    return [AlertRecord(*row) for row in session.execute(query)]


def _pages(
    session: Session,
    scope: Scope,
    start: datetime,
    end: datetime,
    visible: ColumnElement[bool],
    zone_of: Callable[[str], str],
) -> list[PageRecord]:
    conditions = [PageRow.started_at >= start, PageRow.started_at < end, visible]
    if scope.service:
        conditions.append(IncidentRow.service == scope.service)
    pages = session.execute(
        select(
            PageRow.id,
            PageRow.incident_id,
            IncidentRow.service,
            PageRow.started_at,
            PageRow.acknowledged_at,
        )
        .join(IncidentRow, IncidentRow.id == PageRow.incident_id)
        .where(*conditions)
    ).all()
    paged: dict[int, set[str]] = defaultdict(set)
    for page_id, ref in session.execute(
        select(DeliveryRow.page_id, DeliveryRow.user_ref)
        .join(PageRow, PageRow.id == DeliveryRow.page_id)
        .join(IncidentRow, IncidentRow.id == PageRow.incident_id)
        .where(*conditions)
    ):
        paged[page_id].add(ref)
    zones: dict[str, str] = {}
    for refs in paged.values():
        for ref in refs:
            if ref not in zones:
                zones[ref] = zone_of(ref)
    return [
        PageRecord(
            incident,
            service,
            started,
            acknowledged,
            tuple(Recipient(ref, zones[ref]) for ref in sorted(paged.get(page_id, ()))),
        )
        for page_id, incident, service, started, acknowledged in pages
    ]

"""What the web app reads: a page of the incident list, and one incident with its timeline and
pages. Read-only; every filter and sort column is indexed (``bot/incidents/rows.py``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from bot.incidents import repo
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.rows import IncidentRow
from bot.insights.domain.filters import PAGE_SIZE, ListQuery
from bot.paging.rows import DeliveryRow, PageRow
from bot.postmortems.rows import PostmortemRow

COUNT_CAP = 10_000
_SORT_COLUMNS: dict[str, Any] = {
    "number": IncidentRow.id,
    "declared": IncidentRow.declared_at,
    "severity": IncidentRow.severity,
    "status": IncidentRow.status,
    "service": IncidentRow.service,
    "title": IncidentRow.title,
}


@dataclass(frozen=True)
class ListPage:
    rows: list[IncidentRow]
    total: int
    more: bool = False  # more than ``total`` match


@dataclass(frozen=True)
class PageView:
    page: PageRow
    deliveries: list[DeliveryRow]


@dataclass(frozen=True)
class IncidentView:
    incident: IncidentRow
    timeline: list[TimelineEvent]
    pages: list[PageView]
    postmortem_state: str | None  # None: no post-mortem drafted yet


def private_channels(session: Session) -> list[tuple[int, str | None]]:
    """(number, channel) of every private incident: few, so the viewer's memberships are
    checked in Slack and the list then asks for those numbers only."""
    rows = session.execute(
        select(IncidentRow.id, IncidentRow.channel_id).where(IncidentRow.private.is_(True))
    )
    return [(number, channel) for number, channel in rows]


def incident_list(
    session: Session, query: ListQuery, private_shown: Collection[int] = ()
) -> ListPage:
    """``private_shown``: the private incidents the viewer is a member of; other private
    incidents are left out (and out of the count)."""
    conditions = _conditions(query)
    conditions.append(
        or_(IncidentRow.private.is_(False), IncidentRow.id.in_(sorted(private_shown)))
    )
    column = _SORT_COLUMNS[query.sort]
    order = [column.desc(), IncidentRow.id.desc()] if query.descending else [column, IncidentRow.id]
    rows = select(IncidentRow).where(*conditions).order_by(*order).limit(PAGE_SIZE)
    found = list(session.scalars(rows.offset(query.offset)))
    # Counting stops past COUNT_CAP: "more than 10,000" reads the same and costs a bounded scan.
    capped = select(IncidentRow.id).where(*conditions).limit(COUNT_CAP + 1).subquery()
    total = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    return ListPage(found, min(total, COUNT_CAP), total > COUNT_CAP)


def _conditions(query: ListQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status:
        conditions.append(IncidentRow.status == query.status)
    if query.severity:
        conditions.append(IncidentRow.severity == query.severity)
    if query.service:
        conditions.append(IncidentRow.service == query.service)
    if query.since:
        conditions.append(IncidentRow.declared_at >= datetime.combine(query.since, time(), UTC))
    if query.until:
        end = datetime.combine(query.until, time(), UTC) + timedelta(days=1)
        conditions.append(IncidentRow.declared_at < end)
    if query.text:
        escaped = query.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(IncidentRow.title.ilike(f"%{escaped}%", escape="\\"))
    return conditions


def services(session: Session) -> list[str]:
    """The services incidents named, for the filter's choices (the index makes it a scan of
    distinct keys, not of incidents)."""
    found = session.scalars(
        select(IncidentRow.service).where(IncidentRow.service.is_not(None)).distinct()
    )
    return sorted(s for s in found if s)


def incident(session: Session, number: int) -> IncidentView | None:
    row = session.get(IncidentRow, number)
    if row is None:
        return None
    pages = list(
        session.scalars(
            select(PageRow).where(PageRow.incident_id == number).order_by(PageRow.started_at)
        )
    )
    views = [
        PageView(
            page,
            list(
                session.scalars(
                    select(DeliveryRow)
                    .where(DeliveryRow.page_id == page.id)
                    .order_by(DeliveryRow.created_at, DeliveryRow.id)
                )
            ),
        )
        for page in pages
    ]
    postmortem = session.scalar(
        select(PostmortemRow.state).where(PostmortemRow.incident_id == number)
    )
    return IncidentView(row, repo.timeline(session, number), views, postmortem)

"""On-call queries: overrides made in Slack, and the incidents and action items handoffs report.

Statements over the caller's ``Session``; nothing here commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.incidents.domain.lifecycle import Status
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.oncall.rows import CoverRequestRow, OverrideRow


def lock_schedule(session: Session, schedule: str) -> None:
    """Serialise override changes of one schedule until the transaction ends.

    PostgreSQL: a transaction-level advisory lock keyed by the name, so two replicas checking
    "no overlap" cannot both insert. SQLite: ``BEGIN IMMEDIATE`` already serialises writers.
    """
    if session.connection().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"oncall-override:{schedule}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def overrides(
    session: Session, schedule: str, ending_after: datetime | None = None
) -> list[OverrideRow]:
    """The schedule's overrides that are not cancelled, oldest first (the core's order).

    ``ending_after``: only those still running after that instant.
    """
    query = select(OverrideRow).where(
        OverrideRow.schedule == schedule, OverrideRow.cancelled_at.is_(None)
    )
    if ending_after is not None:
        query = query.where(OverrideRow.ends_at > ending_after)
    return list(session.scalars(query.order_by(OverrideRow.created_at, OverrideRow.id)))


def add_override(
    session: Session,
    *,
    schedule: str,
    user_ref: str,
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    now: datetime,
) -> OverrideRow:
    row = OverrideRow(
        schedule=schedule,
        user_ref=user_ref,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=created_by,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def override_by_id(session: Session, override_id: int) -> OverrideRow | None:
    return session.get(OverrideRow, override_id)


def cover_by_id(session: Session, request_id: int) -> CoverRequestRow | None:
    return session.get(CoverRequestRow, request_id)


def close_cover(
    session: Session,
    request_id: int,
    status: str,
    now: datetime,
    taken_by: str | None = None,
    override_id: int | None = None,
) -> bool:
    """Move an open request to ``status``; False when it was no longer open.

    One conditional ``UPDATE ... WHERE status = 'open'``: of two transactions closing the same
    request, the second updates no row (it waits on the first's row lock on PostgreSQL).
    """
    result = session.execute(
        update(CoverRequestRow)
        .where(CoverRequestRow.id == request_id, CoverRequestRow.status == "open")
        .values(status=status, taken_by=taken_by, override_id=override_id, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


@dataclass(frozen=True)
class Scope:
    """Which incidents a report covers: of ``services`` (None = every incident), plus those
    declared without a service when ``unassigned``."""

    services: Collection[str] | None = None
    unassigned: bool = True

    def where(self) -> list[ColumnElement[bool]]:
        # A private incident stays in its channel: briefs and digests go to people who may
        # not be members of it, so they never list it.
        public = IncidentRow.private.is_(False)
        if self.services is None:
            return [public]
        of_services = IncidentRow.service.in_(sorted(self.services))
        if self.unassigned:
            return [public, or_(IncidentRow.service.is_(None), of_services)]
        return [public, of_services]


def open_incidents(session: Session, scope: Scope) -> list[IncidentRow]:
    """Incidents not resolved, in ``scope``, by number."""
    query = select(IncidentRow).where(IncidentRow.status != Status.RESOLVED.value)
    return list(session.scalars(query.where(*scope.where()).order_by(IncidentRow.id)))


def incidents_declared(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[IncidentRow]:
    """Incidents declared in ``[start, end)``, in ``scope``, by number."""
    query = select(IncidentRow).where(
        IncidentRow.declared_at >= start, IncidentRow.declared_at < end
    )
    return list(session.scalars(query.where(*scope.where()).order_by(IncidentRow.id)))


def open_action_items(session: Session, scope: Scope) -> list[tuple[ActionItemRow, IncidentRow]]:
    """Action items not done, with their incident, in ``scope``, oldest first."""
    query = (
        select(ActionItemRow, IncidentRow)
        .join(IncidentRow, ActionItemRow.incident_id == IncidentRow.id)
        .where(ActionItemRow.done_at.is_(None))
    )
    rows = session.execute(query.where(*scope.where()).order_by(ActionItemRow.id))
    return [(item, incident) for item, incident in rows]

"""Tables of inbound alerts: raw payloads, alert groups and alerts.

``alert_payloads`` holds every accepted webhook body as it arrived, written (with the timer that
processes it) before the sender gets its 200, so nothing is lost if processing fails or the
process dies. A body already stored for its source is not stored again (``body_sha256``):
Alertmanager re-sends an unchanged group every ``repeat_interval``.

``alert_groups`` maps a notification group (source + group key) to what it became: an incident
(``incident_id``) or a message/page (``action`` channel/page, ``closed_at`` once all its alerts
resolved, so the next firing starts a new group). ``alerts`` holds the latest episode of each
alert (source + fingerprint) per group and per incident.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.expression import Executable

from bot.alerts.domain import AlertStatus, StormCandidate
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime

PENDING = "pending"
PROCESSED = "processed"
# The action of a group held by a maintenance window (closed when the window ends): its alerts
# are stored, nothing was opened or paged.
MAINTENANCE = "maintenance"
FAILED = "failed"


class AlertPayloadRow(Base):
    __tablename__ = "alert_payloads"
    __table_args__ = (
        UniqueConstraint("source", "body_sha256", name="uq_alert_payloads_source_body"),
        Index("ix_alert_payloads_status", "status", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    body: Mapped[str] = mapped_column(Text)
    body_sha256: Mapped[str] = mapped_column(String(64))
    alert_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)  # pending|processed|failed
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertGroupRow(Base):
    __tablename__ = "alert_groups"
    __table_args__ = (Index("ix_alert_groups_source_group_key", "source", "group_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(1000))
    route: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))  # incident|page|channel|maintenance
    service: Mapped[str | None] = mapped_column(String(100))
    channel: Mapped[str | None] = mapped_column(String(100))
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AlertRow(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("incident_id", "source", "fingerprint", name="uq_alerts_incident_alert"),
        UniqueConstraint("group_id", "source", "fingerprint", name="uq_alerts_group_alert"),
        Index("ix_alerts_source_fingerprint", "source", "fingerprint"),
        # /insights reads the alerts of a date range from the index alone (migration 0019).
        Index(
            "ix_alerts_starts_at_covering",
            "starts_at",
            "group_id",
            "name",
            "fingerprint",
            "ends_at",
            "incident_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("alert_groups.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))  # firing|resolved
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    annotations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    generator_url: Mapped[str | None] = mapped_column(Text)
    group_key: Mapped[str] = mapped_column(String(1000))
    last_payload_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# Alert processing takes this transaction-scoped lock on PostgreSQL, so two replicas never both
# open an incident for one group (SQLite serialises writers already with BEGIN IMMEDIATE).
_PROCESSING_LOCK = 0x57A12E75


def serialize_processing(session: Session) -> None:
    if session.connection().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PROCESSING_LOCK})


def insert_payload(
    session: Session, source: str, body: str, alert_count: int, now: datetime
) -> int | None:
    """Store a body; its id, or ``None`` when the same body of this source is already stored.

    One ``INSERT ... ON CONFLICT DO NOTHING``: concurrent duplicates never raise. The statement
    is built once per dialect (this is the webhook's hot path).
    """
    conn = session.connection()
    values = {
        "source": source,
        "received_at": now,
        "body": body,
        "body_sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        "alert_count": alert_count,
        "status": PENDING,
        "attempts": 0,
    }
    return conn.execute(_insert_payload(conn.dialect.name), values).scalar_one_or_none()


@cache
def _insert_payload(dialect: str) -> Executable:
    table = Base.metadata.tables[AlertPayloadRow.__tablename__]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    columns = ("source", "received_at", "body", "body_sha256", "alert_count", "status", "attempts")
    return (
        insert(table)
        .values({name: bindparam(name) for name in columns})
        .on_conflict_do_nothing(index_elements=["source", "body_sha256"])
        .returning(table.c.id)
    )


def pending_payloads(session: Session, limit: int) -> list[int]:
    """The oldest payloads still to apply."""
    query = (
        select(AlertPayloadRow.id)
        .where(AlertPayloadRow.status == PENDING)
        .order_by(AlertPayloadRow.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def alerts_in_open_incidents(
    session: Session, source: str, fingerprints: Sequence[str]
) -> dict[str, AlertRow]:
    """The alerts with these fingerprints in open incidents (the latest row of each)."""
    found = session.scalars(
        select(AlertRow)
        .join(IncidentRow, IncidentRow.id == AlertRow.incident_id)
        .where(
            AlertRow.source == source,
            AlertRow.fingerprint.in_(fingerprints),
            IncidentRow.status != Status.RESOLVED,
        )
        .order_by(AlertRow.id)
    )
    return {row.fingerprint: row for row in found}


def open_incident_group(session: Session, source: str, group_key: str) -> AlertGroupRow | None:
    """The group's mapping to an open incident (the most recent one)."""
    return session.scalars(
        select(AlertGroupRow)
        .join(IncidentRow, IncidentRow.id == AlertGroupRow.incident_id)
        .where(
            AlertGroupRow.source == source,
            AlertGroupRow.group_key == group_key,
            IncidentRow.status != Status.RESOLVED,
        )
        .order_by(AlertGroupRow.id.desc())
    ).first()


def storm_candidates(
    session: Session, route: str, service: str | None, since: datetime
) -> list[StormCandidate]:
    """Open incidents that ``route`` opened for ``service``, declared at or after ``since``."""
    rows = session.execute(
        select(IncidentRow.id, IncidentRow.declared_at)
        .join(AlertGroupRow, AlertGroupRow.incident_id == IncidentRow.id)
        .where(
            AlertGroupRow.route == route,
            AlertGroupRow.service == service,
            IncidentRow.status != Status.RESOLVED,
            IncidentRow.declared_at >= since,
        )
        .distinct()
    )
    return [StormCandidate(number, route, service, declared) for number, declared in rows]


def open_notice_group(session: Session, source: str, group_key: str) -> AlertGroupRow | None:
    """The open page-only or channel-only group with this key."""
    return session.scalars(
        select(AlertGroupRow).where(
            AlertGroupRow.source == source,
            AlertGroupRow.group_key == group_key,
            AlertGroupRow.incident_id.is_(None),
            AlertGroupRow.closed_at.is_(None),
        )
    ).first()


def maintenance_group(
    session: Session, source: str, group_key: str, now: datetime
) -> AlertGroupRow | None:
    """The group holding this key's alerts during a maintenance window still open at ``now``."""
    return session.scalars(
        select(AlertGroupRow)
        .where(
            AlertGroupRow.source == source,
            AlertGroupRow.group_key == group_key,
            AlertGroupRow.action == MAINTENANCE,
            AlertGroupRow.closed_at > now,
        )
        .order_by(AlertGroupRow.id.desc())
    ).first()


def alert_in_group(
    session: Session, group_id: int, source: str, fingerprint: str
) -> AlertRow | None:
    return session.scalars(
        select(AlertRow).where(
            AlertRow.group_id == group_id,
            AlertRow.source == source,
            AlertRow.fingerprint == fingerprint,
        )
    ).first()


def firing_count(
    session: Session, *, incident_id: int | None = None, group_id: int | None = None
) -> int:
    query = select(func.count()).select_from(AlertRow).where(AlertRow.status == AlertStatus.FIRING)
    if incident_id is not None:
        query = query.where(AlertRow.incident_id == incident_id)
    if group_id is not None:
        query = query.where(AlertRow.group_id == group_id)
    return int(session.scalar(query) or 0)


def firing_episodes(session: Session, incident_id: int) -> int:
    """How many alert firings the incident's timeline holds: names an all-resolved episode."""
    query = select(func.count()).where(
        TimelineEventRow.incident_id == incident_id,
        TimelineEventRow.kind == EventKind.ALERT_FIRING.value,
    )
    return int(session.scalar(query) or 0)


def group_alerts(session: Session, group_id: int, limit: int) -> Sequence[AlertRow]:
    """The group's alerts, most recently changed first."""
    return session.scalars(
        select(AlertRow)
        .where(AlertRow.group_id == group_id)
        .order_by(AlertRow.updated_at.desc(), AlertRow.id.desc())
        .limit(limit)
    ).all()

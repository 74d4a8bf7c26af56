"""The incident tables: the incident, its timeline, its action items.

Every instant is a ``UTCDateTime``; every constraint is named (see ``base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.incidents.domain.incident import MAX_TITLE
from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class IncidentRow(Base):
    """One incident. ``id`` is the human-facing number (``inc-<id>-...``)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(20))
    service: Mapped[str | None] = mapped_column(String(100))
    declarer_id: Mapped[str] = mapped_column(String(64))
    lead_id: Mapped[str] = mapped_column(String(64))
    # Provisioning: a row exists before its channel; ``provision_state`` says how far it got.
    provision_state: Mapped[str] = mapped_column(String(20), default="pending")
    channel_name: Mapped[str] = mapped_column(String(80))
    channel_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    card_ts: Mapped[str | None] = mapped_column(String(32))
    topic: Mapped[str | None] = mapped_column(String(250))
    origin_channel_id: Mapped[str | None] = mapped_column(String(32))
    response_url: Mapped[str | None] = mapped_column(Text)
    detected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    impact_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mitigated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    roles: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # A private channel; kept out of announcements, /status, /oncall, metrics labels and the
    # web app for non-members (README "Who can see what").
    private: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}
    # The web app's incident list (bot/insights/queries.py): newest first, optionally by one
    # status, severity or service; bench/insights.py keeps it fast on 100,000 incidents.
    __table_args__ = (
        Index("ix_incidents_declared_at", "declared_at"),
        Index("ix_incidents_status_declared_at", "status", "declared_at"),
        Index("ix_incidents_severity_declared_at", "severity", "declared_at"),
        Index("ix_incidents_service_declared_at", "service", "declared_at"),
        # The list's text filter (ILIKE '%...%' on the title) on PostgreSQL: a pg_trgm GIN
        # index (migration 0020). SQLite has none (its LIKE reads every title).
        Index(
            "ix_incidents_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    events: Mapped[list[TimelineEventRow]] = relationship(
        back_populates="incident", order_by="TimelineEventRow.id", cascade="all, delete-orphan"
    )


class TimelineEventRow(Base):
    """An immutable timeline entry. ``dedup_key`` makes re-adding the same thing a no-op."""

    __tablename__ = "timeline_events"
    __table_args__ = (
        UniqueConstraint("incident_id", "dedup_key", name="uq_timeline_events_incident_dedup"),
        Index("ix_timeline_events_incident_at", "incident_id", "at"),
        # A change reads a few kinds of its incident's events, however long its timeline (0022).
        Index("ix_timeline_events_incident_kind", "incident_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(255))

    incident: Mapped[IncidentRow] = relationship(back_populates="events")


class ActionItemRow(Base):
    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""ORM tables. Every instant is a ``UTCDateTime``; every constraint is named (see ``base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.storage.base import Base
from bot.storage.types import UTCDateTime


class IncidentRow(Base):
    """One incident. ``id`` is the human-facing number (``inc-<id>-...``)."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200))
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
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    events: Mapped[list[TimelineEventRow]] = relationship(
        back_populates="incident", order_by="TimelineEventRow.id", cascade="all, delete-orphan"
    )


class TimelineEventRow(Base):
    """An immutable timeline entry. ``dedup_key`` makes re-adding the same thing a no-op."""

    __tablename__ = "timeline_events"
    __table_args__ = (
        UniqueConstraint("incident_id", "dedup_key", name="uq_timeline_events_incident_dedup"),
        Index("ix_timeline_events_incident_at", "incident_id", "at"),
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


class Timer(Base):
    """A durable timer: written in the same transaction as the state change that needs it.

    ``key`` is deterministic (``incident:42:status-reminder``), so scheduling twice is an upsert.
    A replica claims a due row by setting ``lease_owner``/``lease_expires_at``; an expired lease
    means the claimer died and the row is due again.
    """

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(
        String(16), default="pending"
    )  # pending|done|cancelled|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Effect(Base):
    """Outbox of side effects already performed, by deterministic idempotency key."""

    __tablename__ = "effects"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SlackInboxRow(Base):
    """A Slack request that changes something, stored before its HTTP 200 (``bot.slack.inbox``).

    ``key`` (the trigger id, or the event id of an event) makes a replayed request a no-op;
    ``status`` is pending until the effect commits (in the same transaction), then applied, or
    failed once every attempt has failed.
    """

    __tablename__ = "slack_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PageRow(Base):
    """One paging run: an escalation policy, snapshotted when paging starts, walked until an ack.

    ``target`` says what was paged (``service:checkout``, ``schedule:payments``, ``user:U1``);
    ``fired`` lists the steps already notified as ``{"loop", "level", "fired_at"}``.
    """

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[str] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text, default="")
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgency: Mapped[str] = mapped_column(String(8), default="high")
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|acknowledged|...
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    fired: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class DeliveryRow(Base):
    """One notification of one person through one channel, by deterministic idempotency key."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    user_ref: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(16))  # slack|pagerduty|opsgenie|webhook
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed
    provider_key: Mapped[str | None] = mapped_column(String(512))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    slack_ts: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OverrideRow(Base):
    """An on-call override made with ``/oncall override``; it beats every layer of its schedule."""

    __tablename__ = "oncall_overrides"
    __table_args__ = (Index("ix_oncall_overrides_schedule_end", "schedule", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule: Mapped[str] = mapped_column(String(100))
    user_ref: Mapped[str] = mapped_column(String(255))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Each feature keeps its tables in a module of its own; importing them here registers every table.
from bot.storage import alert_rows, playbook_rows, postmortem_rows  # noqa: E402, F401

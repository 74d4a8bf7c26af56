"""The paging tables: a page to a person or a schedule, and each delivery of it.

Every instant is a ``UTCDateTime``; every constraint is named (see ``base``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


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
    # /insights reads the pages of a date range (bot/insights/history.py).
    __table_args__ = (Index("ix_pages_started_at", "started_at"),)


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

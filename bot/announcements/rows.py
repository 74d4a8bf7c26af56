"""The announcements tables: one row per incident and announcement channel, and its followers.

Every instant is a ``UTCDateTime``; every constraint is named (see ``bot.kernel.storage.base``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class AnnouncementRow(Base):
    """Where an incident is announced and the post that says so.

    ``channel`` is as configured (``#incidents`` or an id), ``channel_id`` what Slack resolved
    it to. ``generation`` counts announcements: a re-announcement (an escalation) adds one and a
    new post is made; ``posted`` is the generation ``ts`` belongs to, so the timer posts when
    they differ and edits ``ts`` in place otherwise; ``tried``, the generation last attempted
    (a later run searches the channel for it before posting again). ``planned_at``: when the
    current generation was planned (that search starts there).
    ``refused``: Slack's final answer (archived, not found); nothing more is tried there.
    """

    __tablename__ = "announcements"
    __table_args__ = (UniqueConstraint("incident_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(100))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    ts: Mapped[str | None] = mapped_column(String(32))
    generation: Mapped[int] = mapped_column(Integer, default=0)
    posted: Mapped[int | None] = mapped_column(Integer)
    tried: Mapped[int | None] = mapped_column(Integer)
    headline: Mapped[str | None] = mapped_column(String(100))
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refused: Mapped[str | None] = mapped_column(Text)


class FollowerRow(Base):
    """Someone who gets a DM for every update and change of an incident.

    ``source``: how they came to follow (``button``, ``command``, ``stakeholder``). Unfollowing
    keeps the row with ``active`` false, so a stakeholder list does not subscribe them again.
    """

    __tablename__ = "incident_followers"
    __table_args__ = (UniqueConstraint("incident_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())

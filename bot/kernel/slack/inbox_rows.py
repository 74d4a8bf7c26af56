"""The Slack inbox table: state-changing Slack requests, stored before they are answered.

Every instant is a ``UTCDateTime``; every constraint is named (see ``base``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class SlackInboxRow(Base):
    """A Slack request that changes something, stored before its HTTP 200
    (``bot.kernel.slack.inbox``).

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

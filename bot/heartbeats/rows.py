"""The heartbeat table: each monitor's last beat and the incident it declared while silent.

Every instant is a ``UTCDateTime``; every constraint is named (see ``bot.kernel.storage.base``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base
from bot.kernel.storage.types import UTCDateTime


class HeartbeatRow(Base):
    """One monitor that has beaten at least once. ``silent_incident`` is the incident declared
    when it went silent, until it beats again (then cleared, and noted on that incident)."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_beat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    beats: Mapped[int] = mapped_column(Integer, default=0)
    silent_incident: Mapped[int | None] = mapped_column(Integer)

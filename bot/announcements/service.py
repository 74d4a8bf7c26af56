"""Announcement use cases: which posts an incident change plans, and what the timer learned.

``on_change`` is an incident change hook (``IncidentService.add_change_hook``): it runs inside
the transaction of every change to what an incident's header says, so the announcement timer
commits with the change. One coalesced timer per incident (like the card's) posts or edits every
announcement of the incident; a change while it runs makes it run again with the newest state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from bot.announcements import timers as announcement_timers
from bot.announcements.domain import Announcing, reannounces
from bot.announcements.rows import AnnouncementRow
from bot.incidents.domain.incident import Incident
from bot.kernel.storage.db import read
from bot.kernel.timers import store as timers


@dataclass(frozen=True)
class Announcement:
    """One channel's announcement of an incident, as far as it got."""

    id: int
    channel: str
    channel_id: str | None
    ts: str | None
    generation: int
    posted: int | None
    tried: int | None
    headline: str | None
    planned_at: datetime
    refused: str | None

    @property
    def needs_post(self) -> bool:
        """A new post is due: none yet, or a re-announcement since the last one."""
        return self.ts is None or self.posted != self.generation

    @classmethod
    def of(cls, row: AnnouncementRow) -> Announcement:
        return cls(
            row.id,
            row.channel,
            row.channel_id,
            row.ts,
            row.generation,
            row.posted,
            row.tried,
            row.headline,
            row.planned_at,
            row.refused,
        )


_ANY_ROW = (
    select(AnnouncementRow.id).where(AnnouncementRow.incident_id == bindparam("number")).limit(1)
)


class Announcements:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        announcing: Callable[[], Announcing],
    ) -> None:
        self._sessions = sessions
        self._announcing = announcing

    def on_change(
        self, session: Session, before: Incident | None, after: Incident, now: datetime
    ) -> None:
        """Plan the incident's announcements (on declare) and refresh them (on every change);
        an escalation to the configured severity makes a new post."""
        number = after.number
        if after.private:
            return  # never announced: only the private channel's members may know of it
        if before is None:
            for channel in self._announcing().channels_for(after.service):
                session.add(
                    AnnouncementRow(
                        incident_id=number, channel=channel, generation=0, planned_at=now
                    )
                )
            return  # posted once the channel is ready (the next change, from provisioning)
        # Every change of every incident runs this inside its write transaction (on SQLite,
        # holding the one write lock), most of them for incidents announced nowhere.
        if read(session, _ANY_ROW, {"number": number}).first() is None:
            return
        if reannounces(before.severity, after.severity, self._announcing().reannounce_at):
            for row in self._rows(session, number):
                row.generation += 1
                row.headline, row.planned_at = f"escalated to {after.severity}", now
        key = announcement_timers.announce_key(number)
        kind = announcement_timers.ANNOUNCE
        timers.schedule(session, key, kind, now, {"incident": number}, now)

    def of(self, number: int) -> list[Announcement]:
        with self._sessions() as session:
            return [Announcement.of(row) for row in self._rows(session, number)]

    def resolved(self, announcement_id: int, channel_id: str) -> None:
        self._set(announcement_id, channel_id=channel_id)

    def trying(self, announcement_id: int, generation: int) -> None:
        """About to post ``generation``: a later run must search before posting it again."""
        self._set(announcement_id, tried=generation)

    def posted(self, announcement_id: int, generation: int, ts: str) -> None:
        self._set(announcement_id, ts=ts, posted=generation)

    def lost(self, announcement_id: int) -> None:
        """The post is gone (deleted in Slack): the next run posts a new one."""
        with self._sessions.begin() as session:
            row = session.get(AnnouncementRow, announcement_id)
            if row is not None:
                row.ts = None

    def refused(self, announcement_id: int, error: str) -> None:
        self._set(announcement_id, refused=error)

    def _set(self, announcement_id: int, **values: object) -> None:
        with self._sessions.begin() as session:
            row = session.get(AnnouncementRow, announcement_id)
            if row is not None:
                for name, value in values.items():
                    setattr(row, name, value)

    @staticmethod
    def _rows(session: Session, number: int) -> list[AnnouncementRow]:
        query = select(AnnouncementRow).where(AnnouncementRow.incident_id == number)
        return list(session.scalars(query.order_by(AnnouncementRow.id)))

"""Followers: people DMed every status update and state change of an incident.

``on_change`` is an incident change hook (see ``IncidentService.add_change_hook``): in the
transaction of the change it subscribes the service's stakeholders once the incident is severe
enough, and plans one DM per follower and change (a durable timer with a deterministic key), so
each follower hears of each change exactly once, even across replicas and crashes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from bot.announcements import timers as announcement_timers
from bot.announcements.domain import Announcing
from bot.announcements.domain.follow import change_lines, dm_text, welcome_text
from bot.announcements.rows import FollowerRow
from bot.incidents import repo
from bot.incidents.domain.events import UpdatePosted
from bot.incidents.domain.incident import Incident
from bot.incidents.rows import IncidentRow
from bot.kernel.storage.db import read
from bot.kernel.timers import store as timers

STAKEHOLDER = "stakeholder"


class Followers:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        announcing: Callable[[], Announcing],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._announcing = announcing

    def on_change(
        self, session: Session, before: Incident | None, after: Incident, now: datetime
    ) -> None:
        stamp = f"{now.timestamp():.6f}"
        # Config stakeholders are not members of a private channel: only members follow it.
        stakeholders = [] if after.private else self._announcing().stakeholders_for(after)
        added = self._add(session, after, stakeholders, now)
        if not after.private:
            self._plan_groups(session, after, now)
        if before is None:
            return
        # Every change of every incident runs this in its write transaction, most of them for
        # incidents nobody follows: who follows is read first, the update only for them.
        users = [user for user in self._active(session, after.number) if user not in added]
        if not users:
            return
        updated = after.last_update_at != before.last_update_at
        lines = change_lines(
            before, after, _latest_update(session, after.number) if updated else None
        )
        if not lines:
            return
        text = dm_text(after, lines)
        for user in users:
            self._plan_dm(session, after.number, user, stamp, text, now)

    def follow(self, number: int, user: str, source: str) -> bool:
        """Follow incident ``number``; False when ``user`` already did. ``LookupError`` when
        there is no such incident."""
        return self._set(number, user, source, active=True)

    def unfollow(self, number: int, user: str) -> bool:
        """Stop following; False when ``user`` did not follow it."""
        return self._set(number, user, "command", active=False)

    def is_following(self, number: int, user: str) -> bool:
        with self._sessions() as session:
            row = _row(session, number, user)
            return row is not None and row.active

    def _set(self, number: int, user: str, source: str, *, active: bool) -> bool:
        now = self._clock()
        with self._sessions.begin() as session:
            # Locked: two presses of Follow at once make one row.
            if session.get(IncidentRow, number, with_for_update=True) is None:
                raise LookupError(f"incident #{number} does not exist")
            row = _row(session, number, user)
            if row is None:
                if not active:
                    return False
                session.add(
                    FollowerRow(
                        incident_id=number, user_id=user, source=source, active=True, changed_at=now
                    )
                )
                return True
            if row.active == active:
                return False
            row.active, row.changed_at = active, now
            return True

    def add_stakeholders(self, number: int, users: list[str]) -> None:
        """``users`` (a stakeholder group's members) follow incident ``number`` unless they
        already do or did."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(IncidentRow, number, with_for_update=True)
            if row is not None:
                self._add(session, repo.to_domain(row), users, now)

    def _plan_groups(self, session: Session, incident: Incident, now: datetime) -> None:
        """Each stakeholder group is read once per incident, by a timer (a Slack call has no
        place in this transaction)."""
        for handle in self._announcing().stakeholder_groups_for(incident):
            key = announcement_timers.stakeholder_group_key(incident.number, handle)
            if timers.get(session, key) is None:
                payload = {"incident": incident.number, "group": handle}
                kind = announcement_timers.STAKEHOLDER_GROUP
                timers.schedule(session, key, kind, now, payload, now)

    def _add(
        self, session: Session, incident: Incident, wanted: Sequence[str], now: datetime
    ) -> list[str]:
        """Subscribe the stakeholders in ``wanted`` not subscribed before, each told why."""
        if not wanted:
            return []
        known = set(
            session.scalars(
                select(FollowerRow.user_id).where(FollowerRow.incident_id == incident.number)
            )
        )
        added = list(dict.fromkeys(user for user in wanted if user not in known))
        why = f"as a stakeholder of {incident.service}"
        stamp = f"{now.timestamp():.6f}:welcome"
        for user in added:
            self._plan_dm(session, incident.number, user, stamp, welcome_text(incident, why), now)
            session.add(
                FollowerRow(
                    incident_id=incident.number,
                    user_id=user,
                    source=STAKEHOLDER,
                    active=True,
                    changed_at=now,
                )
            )
        return added

    @staticmethod
    def _active(session: Session, number: int) -> list[str]:
        return list(read(session, _ACTIVE, {"number": number}).scalars())

    @staticmethod
    def _plan_dm(
        session: Session, number: int, user: str, change: str, text: str, now: datetime
    ) -> None:
        key = announcement_timers.follow_dm_key(number, user, change)
        payload = {"incident": number, "user": user, "text": text}
        timers.schedule(session, key, announcement_timers.FOLLOW_DM, now, payload, now)


# Built once, run on every change of every incident.
_ACTIVE = (
    select(FollowerRow.user_id)
    .where(FollowerRow.incident_id == bindparam("number"), FollowerRow.active.is_(True))
    .order_by(FollowerRow.id)
)


def _row(session: Session, number: int, user: str) -> FollowerRow | None:
    query = select(FollowerRow).where(
        FollowerRow.incident_id == number, FollowerRow.user_id == user
    )
    return session.scalars(query).first()


def _latest_update(session: Session, number: int) -> str | None:
    update = repo.last_update(session, number)
    return update.payload.text if update and isinstance(update.payload, UpdatePosted) else None

"""Action items exported to the team's issue tracker when the post-mortem is approved.

The approving transaction adds one ``postmortem_followups`` row (``pending``) and one durable
timer per action item not exported yet (key ``incident:<n>:followup:<item>``, so approving
again, a replayed submission or another replica schedules the same one). The timer's handler
(``bot.postmortems.slack.followup_handlers``) looks for an issue carrying the item's marker
before creating one, then records the issue here. Closing the issue marks the item done;
reopening it reopens the item.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import repo as incident_repo
from bot.incidents.rows import ActionItemRow
from bot.kernel.timers import store as timers
from bot.postmortems import store
from bot.postmortems.config import Tracker
from bot.postmortems.domain.followups import FollowupItem
from bot.postmortems.rows import FollowupRow
from bot.postmortems.timers import (
    EXPORT_FILE,
    FOLLOWUP,
    FOLLOWUP_SYNC,
    POLLED,
    export_key,
    followup_key,
    followup_sync_key,
)

PENDING, OPEN, CLOSED, FAILED = "pending", "open", "closed", "failed"


@dataclass(frozen=True)
class FollowupJob:
    item: FollowupItem
    tracker: Tracker
    channel_id: str | None


@dataclass(frozen=True)
class FollowupLine:
    """One action item as ``/incident followups`` and the export show it."""

    text: str
    owner: str | None
    done: bool
    state: str | None  # of its issue; None when it is not exported
    issue: str | None
    url: str | None
    error: str | None


class Followups:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        tracker_for: Callable[[str | None], Tracker | None],
        incident_url: Callable[[str], str],
        postmortem_url: Callable[[int], str],
        name: Callable[[str], str] = str,
        poll: timedelta = timedelta(minutes=15),
    ) -> None:
        self._poll = poll
        self._sessions = sessions
        self._clock = clock
        self._tracker_for = tracker_for
        self._incident_url = incident_url
        self._postmortem_url = postmortem_url
        self._name = name

    def schedule(self, session: Session, number: int, now: datetime) -> None:
        """In the approving transaction: export every open action item not exported yet (and
        retry those that failed)."""
        incident = incident_repo.by_number(session, number)
        if incident is None:
            return
        tracker = self._tracker_for(incident.service)
        if tracker is None:
            return
        rows = {f.action_item_id: f for f in _followups(session, number)}
        for item in _items(session, number):
            row = rows.get(item.id)
            if (row is not None and row.state != FAILED) or (row is None and item.done_at):
                continue  # exported already, or done before it ever needed an issue
            if row is None:
                row = FollowupRow(action_item_id=item.id, incident_id=number, created_at=now)
                session.add(row)
            row.tracker, row.target, row.state = tracker.kind, tracker.target, PENDING
            row.last_error, row.updated_at = None, now
            payload = {"incident": number, "item": item.id}
            timers.schedule(session, followup_key(number, item.id), FOLLOWUP, now, payload, now)

    def job(self, item_id: int) -> FollowupJob | None:
        """What to export; None when the item is gone or already exported."""
        with self._sessions() as session:
            row = _by_item(session, item_id)
            item = session.get(ActionItemRow, item_id)
            if row is None or item is None or row.state != PENDING:
                return None
            incident = incident_repo.by_number(session, row.incident_id)
            assert incident is not None  # the follow-up's foreign key
            owner = self._name(item.owner_id) if item.owner_id else None
            channel = incident.channel_id
            followup = FollowupItem(
                item_id,
                item.text,
                owner,
                incident.id,
                incident.title,
                self._incident_url(channel) if channel else None,
                self._postmortem_url(incident.id),
            )
            return FollowupJob(followup, Tracker(row.tracker, row.target), channel)

    def exported(self, item_id: int, issue: str, url: str, closed: bool) -> None:
        with self._sessions.begin() as session:
            row = _by_item(session, item_id)
            if row is None:
                return
            row.issue, row.url, row.last_error = issue, url, None
            self._set_state(session, row, closed)
            if row.tracker in POLLED and not closed:
                now = self._clock()
                key = followup_sync_key(row.incident_id, item_id)
                payload = {"incident": row.incident_id, "item": item_id}
                timers.schedule(session, key, FOLLOWUP_SYNC, now + self._poll, payload, now)

    def polled(self, item_id: int) -> tuple[str, str] | None:
        """``(tracker, issue)`` of an exported item to poll; None once closed or gone."""
        with self._sessions() as session:
            row = _by_item(session, item_id)
            if row is None or row.state != OPEN or row.issue is None:
                return None
            return row.tracker, row.issue

    @property
    def poll_interval(self) -> timedelta:
        return self._poll

    def failed(self, item_id: int, error: str) -> None:
        with self._sessions.begin() as session:
            row = _by_item(session, item_id)
            if row is not None and row.state == PENDING:
                row.state, row.last_error, row.updated_at = FAILED, error, self._clock()

    def synced(self, tracker: str, issue: str, closed: bool) -> bool:
        """The tracker says ``issue`` is closed (or open again); False: not one of ours."""
        with self._sessions.begin() as session:
            row = session.scalar(
                select(FollowupRow).where(
                    FollowupRow.tracker == tracker, FollowupRow.issue == issue
                )
            )
            if row is None:
                return False
            self._set_state(session, row, closed)
            return True

    def _set_state(self, session: Session, row: FollowupRow, closed: bool) -> None:
        now = self._clock()
        row.state, row.updated_at = (CLOSED if closed else OPEN), now
        _rewrite_export(session, row.incident_id, now)
        item = session.get(ActionItemRow, row.action_item_id)
        if item is not None:
            if closed and item.done_at is None:
                item.done_at = now
            elif not closed:
                item.done_at = None

    def lines(self, number: int) -> list[FollowupLine]:
        with self._sessions() as session:
            rows = {f.action_item_id: f for f in _followups(session, number)}
            found = []
            for item in _items(session, number):
                row = rows.get(item.id)
                found.append(
                    FollowupLine(
                        item.text,
                        self._name(item.owner_id) if item.owner_id else None,
                        item.done_at is not None,
                        row.state if row else None,
                        row.issue if row else None,
                        row.url if row else None,
                        row.last_error if row else None,
                    )
                )
            return found


def _rewrite_export(session: Session, number: int, now: datetime) -> None:
    """The exported file lists each item's issue and state: write it again with the change
    (only the file; the webhook announced the publication once). A write already under way
    may have read the state before this change, so it is planned again after it."""
    postmortem = store.postmortem(session, number)
    if postmortem is None:
        return
    version = postmortem.current_version
    for export in store.export_rows(session, postmortem.id, version):
        # exports.FILE; DELIVERED or PENDING (written or being written)
        if export.target == "file" and export.status in ("delivered", "pending"):
            export.status, export.finished_at = "pending", None
            payload = {"incident": number, "version": version, "target": "file"}
            key = export_key(number, version, "file")
            timers.schedule_coalesced(session, key, EXPORT_FILE, payload, now, timedelta(0))


def _items(session: Session, number: int) -> list[ActionItemRow]:
    query = select(ActionItemRow).where(ActionItemRow.incident_id == number)
    return list(session.scalars(query.order_by(ActionItemRow.id)))


def _followups(session: Session, number: int) -> list[FollowupRow]:
    return list(session.scalars(select(FollowupRow).where(FollowupRow.incident_id == number)))


def _by_item(session: Session, item_id: int) -> FollowupRow | None:
    return session.scalar(select(FollowupRow).where(FollowupRow.action_item_id == item_id))

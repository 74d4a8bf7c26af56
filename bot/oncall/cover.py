"""Cover requests: ``/oncall cover <from> <to> [schedule] [reason]`` asks the team to take part of
one's shift; the first person to press Take it gets an override for that span.

- Asking: the span must be the asker's (every final shift in it is theirs, overrides included:
  the taker's override may overlap the asker's own), else ``CoverNotYours`` says who is on call
  then. The request is a row plus a timer that posts it
  (in the schedule's team channel, else where it was typed) with Take it and Cancel buttons.
- Taking: one transaction, serialised per schedule (``repo.lock_schedule``) and closed by a
  conditional update (``repo.close_cover``), so two people pressing at once make one override and
  the other hears who was first (``AlreadyTaken``). The override is made exactly as
  ``/oncall override`` makes it: announced, in the calendar feed, the user group synced.
- Cancelling: the asker only, while it is open.

A timer (``CLOSED``) then updates the posted message for everyone and DMs the asker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.timers import store as timers
from bot.oncall import repo
from bot.oncall.domain.schedule import Schedule, Shift
from bot.oncall.rows import CoverRequestRow
from bot.oncall.service import OnCallError, OnCallService, OverrideRecord

OPEN, TAKEN, CANCELLED = "open", "taken", "cancelled"
POST = "oncall.cover.post"  # post the request with its buttons
CLOSED = "oncall.cover.closed"  # taken or cancelled: update the message, DM the asker


def post_key(request_id: int) -> str:
    return f"oncall-cover:{request_id}:post"


def closed_key(request_id: int) -> str:
    return f"oncall-cover:{request_id}:closed"


@dataclass(frozen=True)
class Cover:
    id: int
    schedule: str
    requester: str
    start: datetime
    end: datetime
    reason: str
    post_to: str
    channel: str | None
    message_ts: str | None
    status: str
    taken_by: str | None
    override_id: int | None


class CoverError(OnCallError):
    """A cover request refused; worded for the person who asked or pressed."""


class CoverNotYours(CoverError):
    """The span is not (all) the asker's: ``others`` are the shifts someone else (or nobody) has."""

    def __init__(self, schedule: str, others: Sequence[Shift]) -> None:
        super().__init__(f"you are not on call on {schedule} for all of that span")
        self.schedule = schedule
        self.others = tuple(others)


class AlreadyTaken(CoverError):
    def __init__(self, cover: Cover) -> None:
        super().__init__(f"cover request #{cover.id} is already taken by <@{cover.taken_by}>")
        self.cover = cover


class CoverService:
    def __init__(
        self,
        oncall: OnCallService,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        self._oncall = oncall
        self._sessions = sessions
        self._clock = clock
        self._wake = wake

    def request(
        self,
        *,
        requester: str,
        start: datetime,
        end: datetime,
        rest: Sequence[str],
        typed_in: str,
    ) -> Cover:
        """Record a cover request and plan its post; ``rest``: [schedule] [reason words]."""
        now = self._clock()
        if end <= start:
            raise CoverError("the cover ends before it starts")
        if end <= now:
            raise CoverError("that span is already over")
        start = max(start, now)
        ref = self._oncall.resolve_user(requester)
        schedule, reason = self._target(ref, rest, start, end)
        others = [s for s in self._oncall.final_shifts(schedule, start, end) if s.user != ref]
        if others:
            raise CoverNotYours(schedule.name, others)
        channels = self._oncall.team_channels(schedule.name)
        with self._sessions.begin() as session:
            row = CoverRequestRow(
                schedule=schedule.name,
                requester=requester,
                starts_at=start,
                ends_at=end,
                reason=reason,
                post_to=channels[0] if channels else typed_in,
                status=OPEN,
                created_at=now,
            )
            session.add(row)
            session.flush()
            payload = {"cover": row.id}
            timers.schedule(session, post_key(row.id), POST, now, payload, now)
            cover = _cover(row)
        self._wake()
        return cover

    def take(self, request_id: int, user: str) -> tuple[Cover, OverrideRecord]:
        """``user`` takes the request: the override they now have. ``AlreadyTaken`` when someone
        was first; ``CoverError`` when it was cancelled, is over, or is the taker's own."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._open_row(session, request_id)
            if user == row.requester:
                raise CoverError("this is your own request: cancel it with its Cancel button")
            if row.ends_at <= now:
                raise CoverError(f"cover request #{request_id} is over: its span has passed")
            schedule = self._oncall.config.schedule(row.schedule)
            if schedule is None:
                raise CoverError(f"schedule {row.schedule!r} is no longer in the config")
            ref = self._oncall.resolve_user(user)
            asker = self._oncall.resolve_user(row.requester)
            start = max(row.starts_at, now)
            record = self._oncall.add_override(
                session, schedule, ref, start, row.ends_at, user, now, over=asker
            )
            if not repo.close_cover(session, request_id, TAKEN, now, user, record.id):
                raise self._closed(session, request_id)  # rolls the override back
            timers.schedule(
                session, closed_key(request_id), CLOSED, now, {"cover": request_id}, now
            )
            session.refresh(row)
            cover = _cover(row)
        self._wake()
        return cover, record

    def cancel(self, request_id: int, user: str) -> Cover:
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._open_row(session, request_id)
            if user != row.requester:
                raise CoverError(f"only <@{row.requester}>, who asked, can cancel this request")
            if not repo.close_cover(session, request_id, CANCELLED, now):
                raise self._closed(session, request_id)
            timers.schedule(
                session, closed_key(request_id), CLOSED, now, {"cover": request_id}, now
            )
            session.refresh(row)
            cover = _cover(row)
        self._wake()
        return cover

    def now(self) -> datetime:
        return self._clock()

    def by_id(self, request_id: int) -> Cover | None:
        with self._sessions() as session:
            row = repo.cover_by_id(session, request_id)
            return _cover(row) if row is not None else None

    def posted(self, request_id: int, channel: str, ts: str) -> None:
        """Where the request was posted, so that closing it can update the message."""
        with self._sessions.begin() as session:
            row = repo.cover_by_id(session, request_id)
            if row is not None:
                row.channel, row.message_ts = channel, ts

    # -- helpers -----------------------------------------------------------------------------

    def _open_row(self, session: Session, request_id: int) -> CoverRequestRow:
        """The request, read again once its schedule is locked (so a concurrent taker's commit
        is seen); ``CoverError`` unless it is open."""
        row = repo.cover_by_id(session, request_id)
        if row is None:
            raise CoverError(f"there is no cover request #{request_id}")
        repo.lock_schedule(session, row.schedule)
        session.refresh(row)
        if row.status != OPEN:
            raise self._closed(session, request_id)
        return row

    def _closed(self, session: Session, request_id: int) -> CoverError:
        row = repo.cover_by_id(session, request_id)
        if row is not None:
            session.refresh(row)
        if row is not None and row.status == TAKEN:
            return AlreadyTaken(_cover(row))
        return CoverError(f"cover request #{request_id} was cancelled by the person who asked")

    def _target(
        self, ref: str, rest: Sequence[str], start: datetime, end: datetime
    ) -> tuple[Schedule, str]:
        """The schedule named first in ``rest`` (a schedule, or a service with one), else the
        only schedule where the asker is on call then; and the reason (the other words)."""
        config = self._oncall.config
        if rest and (config.schedule(rest[0]) or config.service(rest[0])):
            return self._oncall.override_schedule(rest[0]), " ".join(rest[1:])
        reason = " ".join(rest)
        mine = [
            s
            for s in config.schedules
            if any(x.user == ref for x in self._oncall.final_shifts(s, start, end))
        ]
        if len(mine) > 1:
            names = ", ".join(s.name for s in mine)
            raise CoverError(f"you are on call in several schedules then; name one: {names}")
        if mine:
            return mine[0], reason
        return self._oncall.override_schedule(None), reason


def _cover(row: CoverRequestRow) -> Cover:
    return Cover(
        id=row.id,
        schedule=row.schedule,
        requester=row.requester,
        start=row.starts_at,
        end=row.ends_at,
        reason=row.reason,
        post_to=row.post_to,
        channel=row.channel,
        message_ts=row.message_ts,
        status=row.status,
        taken_by=row.taken_by,
        override_id=row.override_id,
    )

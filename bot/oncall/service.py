"""On-call use cases: who is on call now and next, and overrides made from Slack.

Schedules come from the config (``config`` is a callable so a reload can swap it); overrides are
the config's planned ones followed by the database's, oldest first, so the core's "later override
wins" rule holds. Creating an override is one transaction: the row, the timer that announces it
in the team channels, and the re-planned handoff timer of its schedule.

People: a reference is a Slack id, or the email of a config user that has no Slack id. Slack
lookups go through the ``Directory`` port (the Slack adapter caches them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config, Service, User
from bot.kernel.suggest import closest
from bot.kernel.timers import store as timers
from bot.oncall import repo, usergroups
from bot.oncall import timers as oncall_timers
from bot.oncall.domain.schedule import (
    DEFAULT_HORIZON,
    Layer,
    Override,
    Schedule,
    Shift,
    final_shifts,
    layer_shifts,
    next_handoff,
    on_call_at,
)
from bot.oncall.maintenance import MaintenanceService
from bot.oncall.rows import OverrideRow
from bot.paging.domain.escalation import TargetKind


class Directory(Protocol):
    """Who people are in Slack."""

    def exists(self, slack_id: str) -> bool:
        """A person with this id exists in the workspace (not a bot, not deactivated)."""
        ...

    def slack_id(self, ref: str) -> str | None:
        """The Slack id of a reference (an id, or an email via ``users.lookupByEmail``)."""
        ...

    def zone(self, slack_id: str | None, fallback: str | None = None) -> ZoneInfo:
        """The person's time zone in Slack, else ``fallback``, else UTC."""
        ...


MY_SHIFTS_DAYS = 28
SHIFT_LOOKAHEAD_DAYS = 31  # longer than any rotation's turn we expect (monthly)


@dataclass(frozen=True)
class ScheduledShift:
    schedule: str
    shift: Shift


class OnCallError(ValueError):
    """A request that names something unknown; worded for the person who typed it."""


RefusalKind = Literal["ends_before_start", "in_the_past", "overlap"]


@dataclass(frozen=True)
class OverrideRecord:
    """An override and where it came from: ``id`` None means planned in schedules.yaml."""

    schedule: str
    override: Override
    id: int | None = None
    created_by: str | None = None


class OverrideRefused(ValueError):
    """An override the rules refuse; it carries the instants so the edge can word them locally."""

    def __init__(
        self,
        kind: RefusalKind,
        start: datetime,
        end: datetime,
        conflict: OverrideRecord | None = None,
    ) -> None:
        super().__init__(f"override refused ({kind}): {start.isoformat()} - {end.isoformat()}")
        self.kind = kind
        self.start = start
        self.end = end
        self.conflict = conflict


@dataclass(frozen=True)
class Stint:
    """``user`` (None = nobody) from ``start`` until ``end`` (None = no change in sight)."""

    user: str | None
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class LayerStatus:
    name: str
    now: Stint
    next: Stint | None


@dataclass(frozen=True)
class ScheduleStatus:
    """Who is on call in ``schedule`` at ``at``: final (``now``, ``next``) and per layer."""

    schedule: Schedule
    at: datetime
    now: Stint
    next: Stint | None
    layers: tuple[LayerStatus, ...]
    override: OverrideRecord | None
    services: tuple[str, ...]

    @property
    def gap_now(self) -> bool:
        return self.now.user is None


class OnCallService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        config: Callable[[], Config],
        directory: Directory,
        wake: Callable[[], None],
        handoff_lead: timedelta,
        feed_url: Callable[[str], str | None] = lambda schedule: None,
    ) -> None:
        """``handoff_lead``: how long before a boundary the handoff reminder goes out;
        ``feed_url``: the schedule's calendar feed address (None when feeds are off)."""
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._directory = directory
        self._wake = wake
        self._feed_url = feed_url
        self.handoff_lead = handoff_lead
        self.maintenance = MaintenanceService(sessions, clock, config, wake)

    @property
    def config(self) -> Config:
        return self._config()

    @property
    def directory(self) -> Directory:
        return self._directory

    def now(self) -> datetime:
        return self._clock()

    def feed_url(self, schedule: str) -> str | None:
        return self._feed_url(schedule)

    # -- lookups -----------------------------------------------------------------------------

    def targets(self, name: str | None) -> tuple[Schedule, ...]:
        """Every schedule (None), the named schedule, or the schedules a service's policy pages.

        ``OnCallError`` for an unknown name, with the closest names and the list of what exists.
        """
        config = self.config
        if name is None:
            return config.schedules
        schedule = config.schedule(name)
        if schedule is not None:
            return (schedule,)
        service = config.service(name)
        if service is not None:
            found = self.schedules_of(service)
            if not found:
                raise OnCallError(
                    f"service {name!r} pages people directly: its escalation policy "
                    f"{service.escalation_policy!r} has no schedule"
                )
            return found
        raise OnCallError(_unknown("schedule or service", name, self._names()))

    def schedules_of(self, service: Service) -> tuple[Schedule, ...]:
        """The schedules ``service``'s escalation policy targets, in level order, once each."""
        config = self.config
        policy = config.escalation_policy(service.escalation_policy)
        if policy is None:
            return ()
        names = [
            target.ref
            for level in policy.levels
            for target in level.targets
            if target.kind is TargetKind.SCHEDULE
        ]
        found = (config.schedule(n) for n in dict.fromkeys(names))
        return tuple(s for s in found if s is not None)

    def services_of(self, schedule: str) -> tuple[Service, ...]:
        """The services whose escalation policy pages ``schedule``."""
        return tuple(
            s for s in self.config.services if schedule in {x.name for x in self.schedules_of(s)}
        )

    def team_channels(self, schedule: str) -> tuple[str, ...]:
        """The team channels of the services that page ``schedule``, once each."""
        channels = (s.team_channel for s in self.services_of(schedule))
        return tuple(dict.fromkeys(c for c in channels if c))

    def user(self, ref: str) -> User | None:
        return self.config.user(ref)

    def overrides(self, schedule: str) -> tuple[OverrideRecord, ...]:
        """Planned (config) then Slack-made overrides, not cancelled, oldest first."""
        with self._sessions() as session:
            rows = repo.overrides(session, schedule)
        return self._records(schedule, rows)

    def final_shifts(self, schedule: Schedule, start: datetime, end: datetime) -> tuple[Shift, ...]:
        """The final on-call over ``[start, end)`` with every override applied."""
        overrides = [r.override for r in self.overrides(schedule.name)]
        return final_shifts(schedule, start, end, overrides)

    # -- who is on call ----------------------------------------------------------------------

    def status(
        self, schedules: Sequence[Schedule], at: datetime | None = None
    ) -> list[ScheduleStatus]:
        """Then (``at``, by default now) and next for each schedule, at the same instant."""
        at = at or self._clock()
        return [self._status(s, at, self.overrides(s.name)) for s in schedules]

    def _status(
        self, schedule: Schedule, at: datetime, records: Sequence[OverrideRecord]
    ) -> ScheduleStatus:
        overrides = [r.override for r in records]
        oncall = on_call_at(schedule, at, overrides)
        handoff = oncall.handoff
        following = next_handoff(schedule, handoff.at, overrides) if handoff else None
        upcoming = (
            Stint(handoff.incoming, handoff.at, following.at if following else None)
            if handoff
            else None
        )
        in_force = next(
            (r for r in reversed(records) if oncall.override and r.override == oncall.override),
            None,
        )
        return ScheduleStatus(
            schedule=schedule,
            at=at,
            now=Stint(oncall.user, at, handoff.at if handoff else None),
            next=upcoming,
            layers=tuple(_layer_status(schedule, layer, at) for layer in schedule.layers),
            override=in_force,
            services=tuple(s.name for s in self.services_of(schedule.name)),
        )

    # -- overrides ---------------------------------------------------------------------------

    def override_schedule(self, name: str | None) -> Schedule:
        """The schedule an override is for: named (or a service with one schedule), or the only
        one there is."""
        config = self.config
        if name is None:
            if len(config.schedules) == 1:
                return config.schedules[0]
            if not config.schedules:
                raise OnCallError("there are no schedules in the config to override")
            names = ", ".join(s.name for s in config.schedules)
            raise OnCallError(f"which schedule? name one at the end: {names}")
        found = self.targets(name)
        if len(found) > 1:
            names = ", ".join(s.name for s in found)
            raise OnCallError(f"service {name!r} pages several schedules; name one: {names}")
        return found[0]

    def shifts_of(self, user: str, days: int = MY_SHIFTS_DAYS) -> list[ScheduledShift]:
        """``user``'s final shifts (overrides included) from now for ``days``, earliest first."""
        ref = self.resolve_user(user)
        now = self._clock()
        until = now + timedelta(days=days)
        # Read past the window so the last shift shows its real end, not the window's.
        beyond = until + timedelta(days=SHIFT_LOOKAHEAD_DAYS)
        found = [
            ScheduledShift(schedule.name, shift)
            for schedule in self.config.schedules
            for shift in self.final_shifts(schedule, now, beyond)
            if shift.user == ref and shift.start < until
        ]
        return sorted(found, key=lambda s: s.shift.start)

    def resolve_user(self, user: str) -> str:
        """The canonical reference of a Slack id or config email (``OnCallError`` if unknown).

        A config user with a Slack id is that id; an email-only config user is matched by looking
        their email up in Slack; any other workspace member is their Slack id.
        """
        config = self.config
        known = config.user(user)
        if known is not None:
            return known.ref
        if "@" in user:
            raise OnCallError(
                f"{user} is not in users.yaml: mention the person (@name) or add them there"
            )
        for candidate in config.users:
            email = candidate.email
            if candidate.slack_id is None and email and self._directory.slack_id(email) == user:
                return candidate.ref
        if self._directory.exists(user):
            return user
        raise OnCallError(f"<@{user}> is not a person in this Slack workspace")

    def create_override(
        self,
        *,
        schedule: str | None,
        user: str,
        start: datetime,
        end: datetime,
        created_by: str,
    ) -> OverrideRecord:
        """Record an override, plan its announcement, re-plan the schedule's handoff reminder.

        Refused (``OverrideRefused``) when it ends before it starts, ends before now, or overlaps
        another active override of the schedule (config or Slack). A start in the past becomes
        now: the past has already been paged. Unknown schedule or user: ``OnCallError``.
        """
        now = self._clock()
        target = self.override_schedule(schedule)
        ref = self.resolve_user(user)
        if end <= start:
            raise OverrideRefused("ends_before_start", start, end)
        if end <= now:
            raise OverrideRefused("in_the_past", start, end)
        start = max(start, now)
        with self._sessions.begin() as session:
            record = self.add_override(session, target, ref, start, end, created_by, now)
        self._wake()
        return record

    def add_override(
        self,
        session: Session,
        target: Schedule,
        ref: str,
        start: datetime,
        end: datetime,
        created_by: str,
        now: datetime,
        over: str | None = None,
    ) -> OverrideRecord:
        """In the caller's transaction: refuse an overlap (``OverrideRefused``), else record the
        override, plan its announcement and user group sync, and re-plan the handoff reminder.
        The caller wakes the timer runner after its commit.

        ``over``: overrides of this person may be overlapped (a taken cover request carves its
        span out of the asker's own override: the later override wins in the core).
        """
        repo.lock_schedule(session, target.name)
        rows = repo.overrides(session, target.name)
        records = self._records(target.name, rows)
        conflict = next(
            (
                r
                for r in records
                if r.override.end > now
                and r.override.start < end
                and r.override.end > start
                and (over is None or r.override.user != over)
            ),
            None,
        )
        if conflict is not None:
            raise OverrideRefused("overlap", start, end, conflict)
        row = repo.add_override(
            session,
            schedule=target.name,
            user_ref=ref,
            starts_at=start,
            ends_at=end,
            created_by=created_by,
            now=now,
        )
        record = _record(row)
        key = oncall_timers.announce_key(target.name, row.id)
        payload = {"schedule": target.name, "override": row.id}
        timers.schedule(session, key, oncall_timers.ANNOUNCE, now, payload, now)
        overrides = [r.override for r in (*records, record)]
        oncall_timers.plan_handoff(session, target, overrides, now, self.handoff_lead, now)
        usergroups.after_override_change(
            session, self.config, target, overrides, row.id, usergroups.CREATED, now
        )
        return record

    def override_by_id(self, override_id: int, cancelled: bool = False) -> OverrideRecord | None:
        """The override, if it is in force or to come (or, with ``cancelled``, was cancelled)."""
        with self._sessions() as session:
            row = repo.override_by_id(session, override_id)
            if row is None or (row.cancelled_at is None) == cancelled:
                return None
            return _record(row)

    def current_overrides(self, schedule: str | None) -> list[OverrideRecord]:
        """Overrides in force or to come: of one schedule (or service's), or of every schedule."""
        now = self._clock()
        found = [
            record
            for target in self.targets(schedule)
            for record in self.overrides(target.name)
            if record.override.end > now
        ]
        return sorted(found, key=lambda r: (r.override.start, r.schedule))

    def cancel_override(self, number: int, user: str) -> OverrideRecord:
        """Cancel override ``number`` made in Slack; announce it and re-plan the handoff reminder.
        ``OnCallError`` when there is no such override in force or to come."""
        now = self._clock()
        with self._sessions.begin() as session:
            row = repo.override_by_id(session, number)
            if row is None or row.cancelled_at is not None or row.ends_at <= now:
                raise OnCallError(
                    f"there is no override #{number} in force or to come; "
                    "`/oncall override list` shows them"
                )
            repo.lock_schedule(session, row.schedule)
            row.cancelled_at = now
            record = _record(row)
            key = oncall_timers.announce_key(row.schedule, row.id) + ":cancelled"
            payload = {"schedule": row.schedule, "override": row.id, "cancelled": True, "by": user}
            timers.schedule(session, key, oncall_timers.ANNOUNCE, now, payload, now)
            schedule = self.config.schedule(row.schedule)
            if schedule is not None:
                remaining = self._records(row.schedule, repo.overrides(session, row.schedule))
                overrides = [r.override for r in remaining]
                oncall_timers.plan_handoff(
                    session, schedule, overrides, now, self.handoff_lead, now
                )
                usergroups.after_override_change(
                    session, self.config, schedule, overrides, row.id, usergroups.CANCELLED, now
                )
        self._wake()
        return record

    def _records(self, schedule: str, rows: Sequence[OverrideRow]) -> tuple[OverrideRecord, ...]:
        planned = [OverrideRecord(schedule, o) for o in self.config.schedule_overrides(schedule)]
        return (*planned, *(_record(row) for row in rows))

    def _names(self) -> list[str]:
        config = self.config
        return [s.name for s in config.schedules] + [s.name for s in config.services]


def _record(row: OverrideRow) -> OverrideRecord:
    return OverrideRecord(
        schedule=row.schedule,
        override=Override(row.user_ref, row.starts_at, row.ends_at),
        id=row.id,
        created_by=row.created_by,
    )


def _layer_status(schedule: Schedule, layer: Layer, at: datetime) -> LayerStatus:
    """The layer's person now (until when) and the next different person, looking ahead in
    growing windows up to the core's default horizon."""
    window = timedelta(days=1)
    while True:
        end = at + window
        shifts = layer_shifts(schedule, layer, at, end)
        current = shifts[0]
        upcoming = next((s for s in shifts[1:] if s.user is not None), None)
        if upcoming is not None or window >= DEFAULT_HORIZON:
            break
        window *= 2
    now = Stint(current.user, at, current.end if current.end < end else None)
    if upcoming is None:
        return LayerStatus(layer.name, now, None)
    upcoming_end = upcoming.end if upcoming.end < end else None
    return LayerStatus(layer.name, now, Stint(upcoming.user, upcoming.start, upcoming_end))


def _unknown(what: str, name: str, known: Sequence[str]) -> str:
    close = closest(name, known)
    hint = f" Did you mean {close!r}?" if close else ""
    listed = ", ".join(known) if known else "none configured"
    return f"unknown {what} {name!r}.{hint} Known: {listed}"

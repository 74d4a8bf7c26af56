"""Handoff reminders and the weekly digest: what to send, to whom, and when the timer fires next.

The timer handlers (``bot.oncall.slack.handlers``) ask this module for a *firing*: the report to
send (or None when there is nothing to send) and the next due time, then send each message under
``once`` with a deterministic key, so a retry or a second replica never sends it twice.

- Handoff: the outgoing and incoming engineers of the boundary named in the payload, if that
  boundary is still a handoff (an override may have moved it) and still ahead. A boundary that
  passed while the bot was down is skipped, not reported late.
- Digest: the week before the payload's ``week_end`` (Monday 09:00 in the zone of the channel's
  first schedule, UTC without one): who was on call, incidents declared, open incidents and open
  action items of the channel's services. Sent up to a day late, then skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.kernel.timers import store as timers
from bot.oncall import repo, usergroups
from bot.oncall import timers as oncall_timers
from bot.oncall.domain.schedule import Override, Schedule, Shift, final_shifts, next_handoff
from bot.oncall.service import OnCallService

OUTGOING = "outgoing"
INCOMING = "incoming"
SHIFT_LOOKBACK = timedelta(days=31)  # how far back "your shift started" is looked for
DIGEST_GRACE = timedelta(days=1)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class IncidentSummary:
    number: int
    title: str
    severity: str
    status: str
    service: str | None
    declared_at: datetime
    channel_id: str | None


@dataclass(frozen=True)
class ActionSummary:
    incident: int
    text: str
    owner: str | None


@dataclass(frozen=True)
class HandoffPlan:
    """At ``boundary`` the final on-call of ``schedule`` changes from ``outgoing`` to ``incoming``.

    ``outgoing_since``: when the outgoing shift began (at most ``SHIFT_LOOKBACK`` back);
    ``incoming_until``: when the incoming shift ends (None = no change in sight).
    """

    schedule: Schedule
    boundary: datetime
    outgoing: str | None
    outgoing_since: datetime
    incoming: str | None
    incoming_until: datetime | None


@dataclass(frozen=True)
class HandoffBrief:
    plan: HandoffPlan
    open_incidents: tuple[IncidentSummary, ...]
    during_shift: tuple[IncidentSummary, ...]
    open_actions: tuple[ActionSummary, ...]


@dataclass(frozen=True)
class ScheduleWeek:
    schedule: Schedule
    shifts: tuple[Shift, ...]


@dataclass(frozen=True)
class Digest:
    channel: str
    zone: ZoneInfo
    start: datetime
    end: datetime
    schedules: tuple[ScheduleWeek, ...]
    declared: tuple[IncidentSummary, ...]
    open_incidents: tuple[IncidentSummary, ...]
    open_actions: tuple[ActionSummary, ...]


@dataclass(frozen=True)
class Firing:
    """What one firing sends (``report`` None: nothing) and where the timer goes next.

    ``next_due`` None means the timer is finished (its schedule or channel left the config).
    """

    report: HandoffBrief | Digest | None
    next_due: datetime | None
    next_payload: dict[str, Any]


class OnCallReminders:
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

    # -- planning ----------------------------------------------------------------------------

    def seed(self) -> None:
        """Plan every schedule's handoff timer, every team channel's digest and a sync of every
        schedule's user group (app start, config reload).

        An upsert by key, so replicas and restarts agree; a pending timer due no later than the
        fresh plan is kept (it may be a reminder or digest still to send after downtime).
        """
        now = self._clock()
        config = self._oncall.config
        with self._sessions.begin() as session:
            for schedule in config.schedules:
                overrides = self._overrides(session, schedule.name)
                due, payload = oncall_timers.handoff_due(
                    schedule, overrides, now, self._oncall.handoff_lead, now
                )
                key = oncall_timers.handoff_key(schedule.name)
                if not _pending_before(session, key, due):
                    timers.schedule(session, key, oncall_timers.HANDOFF, due, payload, now)
            for channel, zone in self.digest_channels().items():
                due = oncall_timers.next_digest_at(zone, now)
                if not _pending_before(session, oncall_timers.digest_key(channel), due):
                    oncall_timers.plan_digest(session, channel, zone, now)
            usergroups.seed(session, config, now)
        self._wake()

    def replan_usergroup(self, schedule_name: str) -> None:
        """Put the schedule's user group sync on its next handoff (after a failure gave up)."""
        schedule = self._oncall.config.schedule(schedule_name)
        if schedule is None:
            return
        now = self._clock()
        with self._sessions.begin() as session:
            due, payload = usergroups.walk_due(
                schedule, self._overrides(session, schedule_name), now
            )
            key = usergroups.walk_key(schedule_name)
            timers.schedule(session, key, usergroups.USERGROUP, due, payload, now)
        self._wake()

    def replan_handoff(self, schedule_name: str) -> None:
        """Put the schedule's handoff timer on its next boundary (after a failure gave up)."""
        schedule = self._oncall.config.schedule(schedule_name)
        if schedule is None:
            return
        now = self._clock()
        with self._sessions.begin() as session:
            overrides = self._overrides(session, schedule_name)
            oncall_timers.plan_handoff(
                session, schedule, overrides, now, self._oncall.handoff_lead, now
            )
        self._wake()

    def replan_digest(self, channel: str) -> None:
        zone = self.digest_channels().get(channel)
        if zone is None:
            return
        with self._sessions.begin() as session:
            oncall_timers.plan_digest(session, channel, zone, self._clock())
        self._wake()

    def digest_channels(self) -> dict[str, ZoneInfo]:
        """Each team channel and the zone its digest follows (its first schedule's, else UTC)."""
        channels: dict[str, ZoneInfo] = {}
        for service in self._oncall.config.services:
            if service.team_channel and service.team_channel not in channels:
                schedules = self._oncall.schedules_of(service)
                channels[service.team_channel] = schedules[0].zone if schedules else ZoneInfo("UTC")
        return channels

    # -- firings -----------------------------------------------------------------------------

    def handoff(self, payload: dict[str, Any]) -> Firing:
        """The handoff reminder for the payload's boundary, and the next boundary's due time."""
        name = str(payload.get("schedule"))
        schedule = self._oncall.config.schedule(name)
        if schedule is None:
            return Firing(None, None, payload)
        now = self._clock()
        overrides = [r.override for r in self._oncall.overrides(name)]
        boundary = _instant(payload.get("boundary"))
        brief = None
        if boundary is not None and now < boundary:
            plan = handoff_plan(schedule, overrides, boundary)
            brief = self._brief(plan) if plan is not None else None
        after = boundary if brief is not None and boundary is not None else now
        due, next_payload = oncall_timers.handoff_due(
            schedule, overrides, after, self._oncall.handoff_lead, now
        )
        return Firing(brief, due, next_payload)

    def digest(self, payload: dict[str, Any]) -> Firing:
        """The digest of the week ending at the payload's ``week_end``, and next week's due."""
        channel = str(payload.get("channel"))
        zone = self.digest_channels().get(channel)
        end = _instant(payload.get("week_end"))
        if zone is None or end is None:
            return Firing(None, None, payload)
        now = self._clock()
        report = self._digest(channel, zone, end) if now <= end + DIGEST_GRACE else None
        due = oncall_timers.next_digest_at(zone, max(end, now))
        return Firing(report, due, {"channel": channel, "week_end": due.isoformat()})

    def once(self, key: str, send: Callable[[], None]) -> bool:
        """Run ``send`` unless ``key`` was already recorded; False when it was.

        Record, send, commit: a failed send rolls the record back so a retry sends it; a live
        second replica waits on the record (PostgreSQL) and then skips.
        """
        with self._sessions.begin() as session:
            if not timers.record_effect_once(session, key, None, self._clock()):
                return False
            send()
        return True

    # -- reports -----------------------------------------------------------------------------

    def _brief(self, plan: HandoffPlan) -> HandoffBrief:
        services = [s.name for s in self._oncall.services_of(plan.schedule.name)]
        scope = repo.Scope(services or None, unassigned=True)
        with self._sessions() as session:
            return HandoffBrief(
                plan=plan,
                open_incidents=_incidents(repo.open_incidents(session, scope)),
                during_shift=_incidents(
                    repo.incidents_declared(session, scope, plan.outgoing_since, plan.boundary)
                ),
                open_actions=_actions(repo.open_action_items(session, scope)),
            )

    def _digest(self, channel: str, zone: ZoneInfo, end: datetime) -> Digest:
        config = self._oncall.config
        services = [s for s in config.services if s.team_channel == channel]
        schedules = dict.fromkeys(x for s in services for x in self._oncall.schedules_of(s))
        start = oncall_timers.week_before(end, zone)
        weeks = tuple(ScheduleWeek(s, self._oncall.final_shifts(s, start, end)) for s in schedules)
        scope = repo.Scope([s.name for s in services], unassigned=False)
        with self._sessions() as session:
            return Digest(
                channel=channel,
                zone=zone,
                start=start,
                end=end,
                schedules=weeks,
                declared=_incidents(repo.incidents_declared(session, scope, start, end)),
                open_incidents=_incidents(repo.open_incidents(session, scope)),
                open_actions=_actions(repo.open_action_items(session, scope)),
            )

    def _overrides(self, session: Session, schedule: str) -> list[Override]:
        planned = list(self._oncall.config.schedule_overrides(schedule))
        made = [
            Override(r.user_ref, r.starts_at, r.ends_at) for r in repo.overrides(session, schedule)
        ]
        return planned + made


def handoff_plan(
    schedule: Schedule, overrides: list[Override], boundary: datetime
) -> HandoffPlan | None:
    """The handoff at ``boundary``, or None when the final on-call does not change there."""
    before = final_shifts(schedule, boundary - SHIFT_LOOKBACK, boundary, overrides)
    incoming = final_shifts(schedule, boundary, boundary + _TICK, overrides)[0].user
    outgoing = before[-1]
    if outgoing.user == incoming:
        return None
    following = next_handoff(schedule, boundary, overrides)
    return HandoffPlan(
        schedule=schedule,
        boundary=boundary,
        outgoing=outgoing.user,
        outgoing_since=outgoing.start,
        incoming=incoming,
        incoming_until=following.at if following else None,
    )


def _pending_before(session: Session, key: str, due: datetime) -> bool:
    state = timers.get(session, key)
    return state is not None and state.status == timers.PENDING and state.due_at <= due


def _instant(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.astimezone(UTC) if parsed.tzinfo is not None else None


def _incidents(rows: list[IncidentRow]) -> tuple[IncidentSummary, ...]:
    return tuple(
        IncidentSummary(
            number=r.id,
            title=r.title,
            severity=r.severity,
            status=r.status,
            service=r.service,
            declared_at=r.declared_at,
            channel_id=r.channel_id,
        )
        for r in rows
    )


def _actions(rows: list[tuple[ActionItemRow, IncidentRow]]) -> tuple[ActionSummary, ...]:
    return tuple(ActionSummary(incident.id, item.text, item.owner_id) for item, incident in rows)

"""Incident use cases: declare, change, record. One transaction per command.

The transaction writes the new state, its timeline events and the timers that will perform the
Slack side effects (see ``effects``); ``wake`` then lets the local timer runner act at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.incidents import repo
from bot.incidents import timers as incident_timers
from bot.incidents.domain import commands as cmd
from bot.incidents.domain import incident as domain
from bot.incidents.domain.call_link import CallLink
from bot.incidents.domain.card import IN_MAINTENANCE, CardFacts, facts
from bot.incidents.domain.events import ChannelCreated, Invited, MessageAdded, NoteAdded
from bot.incidents.domain.from_message import SourceMessage
from bot.incidents.domain.incident import Incident, InvalidChange
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.kernel.storage.db import aborted_for_another
from bot.kernel.suggest import did_you_mean
from bot.kernel.timers import store as timers
from bot.oncall.domain.maintenance import Window
from bot.paging.service import PageSummary, PagingService

READY = repo.READY
CONFLICT_RETRIES = 5

# Called inside the transaction that moved an incident to a new status, so what a feature schedules
# in reaction (undo offers on mitigate, the post-mortem offer on resolve) commits with the change.
TransitionHook = Callable[[Session, int, Status, datetime], None]
# Called inside every transaction that changes what an incident's header says (declared, a
# command applied, its channel ready): ``(session, before, after, now)``, ``before`` None on
# declare. The card timer is scheduled from many places (paging, alerts, playbooks) for things
# the header never shows; the header only changes here, so features that mirror it elsewhere
# (announcements, followers) subscribe once instead of hooking each card refresh, and what they
# schedule commits with the change (exactly once, like the card timer itself).
ChangeHook = Callable[[Session, Incident | None, Incident, datetime], None]


class NotAnIncidentChannel(LookupError):
    """The command needs an incident channel and was used elsewhere."""


@dataclass(frozen=True)
class CardView:
    """What the pinned card and ``/incident status`` show: the incident, and of its timeline
    only what the card says (``CardFacts``), so rendering it costs the same on a long one."""

    incident: Incident
    channel_id: str | None
    card_ts: str | None
    facts: CardFacts
    open_actions: list[tuple[str, str | None]]
    pages: list[PageSummary] = field(default_factory=list)
    call_url: str | None = None  # INCIDENT_CALL_URL_TEMPLATE filled in, when set


@dataclass(frozen=True)
class IncidentView:
    """An incident with its whole timeline (``/incident timeline``, playbooks, tests)."""

    incident: Incident
    channel_id: str | None
    card_ts: str | None
    timeline: list[TimelineEvent]
    open_actions: list[tuple[str, str | None]]
    pages: list[PageSummary] = field(default_factory=list)
    call_url: str | None = None  # INCIDENT_CALL_URL_TEMPLATE filled in, when set

    def card(self) -> CardView:
        """The card of this view (the same as ``IncidentService.card_view`` reads)."""
        shown = facts(self.timeline)
        return CardView(
            self.incident,
            self.channel_id,
            self.card_ts,
            shown,
            self.open_actions,
            self.pages,
            self.call_url,
        )


@dataclass(frozen=True)
class NewChannel:
    """A channel provisioning just created for an incident, and when."""

    id: str
    name: str
    at: datetime

    def event(self) -> TimelineEvent:
        created = ChannelCreated(self.id, self.name)
        return TimelineEvent(self.at, BOT_ACTOR, created, dedup_key="channel_created")


@dataclass(frozen=True)
class Provisioning:
    """An incident's Slack side (its channel, card, who declared it from where) and how far
    provisioning got, for the timers that carry it out."""

    id: int
    title: str
    declarer_id: str
    lead_id: str
    provision_state: str
    channel_id: str | None
    card_ts: str | None
    topic: str | None
    origin_channel_id: str | None
    response_url: str | None
    declared_at: datetime
    resolved_at: datetime | None
    private: bool = False

    @classmethod
    def of(cls, row: IncidentRow) -> Provisioning:
        return cls(
            row.id,
            row.title,
            row.declarer_id,
            row.lead_id,
            row.provision_state,
            row.channel_id,
            row.card_ts,
            row.topic,
            row.origin_channel_id,
            row.response_url,
            row.declared_at,
            row.resolved_at,
            row.private,
        )


class IncidentService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        reminder_minutes: Callable[[Severity], int],
        wake: Callable[[], None],
        paging: PagingService,
        call_link: CallLink | None = None,
    ) -> None:
        self._call_link = call_link
        self._transition_hooks: list[TransitionHook] = []
        self._change_hooks: list[ChangeHook] = []
        self._sessions = session_factory
        self._clock = clock
        self._reminder_minutes = reminder_minutes
        self._wake = wake
        self._paging = paging

    def declare(
        self,
        *,
        title: str,
        severity: Severity,
        declarer: str,
        service: str | None = None,
        description: str = "",
        origin_channel_id: str | None = None,
        response_url: str | None = None,
        detected_at: datetime | None = None,
        private: bool = False,
        source: SourceMessage | None = None,
    ) -> int:
        """Record the incident and schedule its provisioning; returns the incident number.

        Bad titles are refused before anything is written (``InvalidChange``). Declared from a
        message (``source``), the timeline links it and, once the channel is ready, the message
        gets a reply in its thread pointing there.
        """
        with self._sessions.begin() as session:
            number = self.declare_in(
                session,
                title=title,
                severity=severity,
                declarer=declarer,
                now=self._clock(),
                service=service,
                description=description,
                origin_channel_id=origin_channel_id,
                response_url=response_url,
                detected_at=detected_at,
                private=private,
                source=source,
            )
        self._wake()
        return number

    def declare_in(
        self,
        session: Session,
        *,
        title: str,
        severity: Severity,
        declarer: str,
        now: datetime,
        service: str | None = None,
        description: str = "",
        origin_channel_id: str | None = None,
        response_url: str | None = None,
        detected_at: datetime | None = None,
        private: bool = False,
        source: SourceMessage | None = None,
    ) -> int:
        """``declare`` inside the caller's transaction, which must call ``wake`` after committing.

        An alert opens its incident in the transaction that records the alert, so both or
        neither exist. ``declarer`` may be ``BOT_ACTOR`` (an alert declared it): the incident
        then has no lead until the first person to acknowledge the page becomes it.
        """
        incident, events = domain.declare(
            number=0,
            title=title,
            severity=severity,
            declarer=declarer,
            now=now,
            service=service,
            description=description,
            detected_at=detected_at,
            private=private,
        )
        if service is not None:
            self.check_service(service)  # refuse an unknown service before writing anything
            events += self._maintenance_note(session, service, now)
        number = repo.insert(session, incident, origin_channel_id, response_url)
        incident = replace(incident, number=number)
        if service is not None:
            events += self._paging.start(session, number, service, declarer, "", now)
        payload: dict[str, Any] = {"incident": number}
        if source is not None:
            events.append(_linked(source, declarer))
            payload["source"] = {"channel": source.channel_id, "ts": source.reply_thread}
        repo.append(session, number, events, now)
        key = incident_timers.provision_key(number)
        timers.schedule(session, key, incident_timers.PROVISION, now, payload, now)
        self._changed(session, None, incident, now)
        return number

    def _maintenance_note(
        self, session: Session, service: str, now: datetime
    ) -> list[TimelineEvent]:
        """Declared while ``service`` is in maintenance: its alerts page nobody, this incident
        does; the timeline and the card say so, so nobody wonders why no alert came first."""
        window = self._paging.maintenance_in(session, service, now)
        if window is None:
            return []
        text = f"{window.in_maintenance}: its alerts page nobody, but this incident pages as usual"
        return [TimelineEvent(now, BOT_ACTOR, NoteAdded(text), IN_MAINTENANCE)]

    def maintenance_of(self, service: str) -> Window | None:
        """The maintenance window ``service`` is in now: a declaration still opens and pages,
        but the declarer should know why no alert did."""
        return self._paging.maintenance_of(service)

    def check_service(self, service: str) -> None:
        """Refuses (``InvalidChange``) a service that is not in the config."""
        self._paging.policy_for(service)

    def check_component(self, name: str) -> None:
        """Refuses (``InvalidChange``) a status page component that is not a service in config."""
        known = self._paging.service_names()
        if name not in known:
            hint = did_you_mean(name, known)
            raise InvalidChange(
                f"`{name}` is not a component of the status page (a service in services.yaml)"
                + (f"; {hint}" if hint else "")
            )

    def customer_facing(self, since: datetime) -> list[tuple[Incident, TimelineEvent]]:
        """The customer-facing updates of incidents open or resolved since ``since``."""
        with self._sessions() as session:
            return repo.customer_facing(session, since)

    def view(self, channel_id: str) -> IncidentView:
        with self._sessions() as session:
            row = self._row(session, channel_id)
            return self._view(session, row)

    def view_by_number(self, number: int) -> IncidentView | None:
        with self._sessions() as session:
            row = repo.by_number(session, number)
            return self._view(session, row) if row else None

    def card_view(self, channel_id: str) -> CardView:
        """``view`` as the card shows it: reads a few timeline events, not all of them."""
        with self._sessions() as session:
            shown = repo.card_read(session, channel_id=channel_id)
            if shown is None:
                raise _not_an_incident_channel()
            return self._card_view(session, shown)

    def card_view_by_number(self, number: int) -> CardView | None:
        with self._sessions() as session:
            shown = repo.card_read(session, number=number)
            return self._card_view(session, shown) if shown else None

    def execute(self, command: cmd.Command, *, channel_id: str, user: str) -> None:
        """Apply a changing command in an incident channel (``InvalidChange`` when refused).

        Two people changing one incident at once (or two replicas) conflict on the row's version;
        the loser re-reads and re-applies, so both changes land in some order and none is lost.
        """
        _retrying_conflicts(lambda: self._execute_once(command, channel_id, user))
        self._wake()

    def _execute_once(self, command: cmd.Command, channel_id: str, user: str) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            row = self._locked(session, channel_id)
            number, before = row.id, repo.to_domain(row)
            after, events = self._apply(session, number, before, command, user, now)
            repo.save_change(session, number, row.version, before, after)
            added = repo.append(session, number, events, now)
            incident_timers.announce(session, number, added, now)
            self._schedule_reminder(session, before, after, now)
            self._refresh_card(session, number, now)
            self._changed(session, before, after, now)
            if after.status is not before.status:
                for hook in self._transition_hooks:
                    hook(session, number, after.status, now)

    def add_transition_hook(self, hook: TransitionHook) -> None:
        self._transition_hooks.append(hook)

    def add_change_hook(self, hook: ChangeHook) -> None:
        self._change_hooks.append(hook)

    def _changed(
        self, session: Session, before: Incident | None, after: Incident, now: datetime
    ) -> None:
        for hook in self._change_hooks:
            hook(session, before, after, now)

    # Provisioning steps, each idempotent: the provisioning timer may run them more than once.

    def provisioning(self, number: int) -> Provisioning | None:
        """How far provisioning got."""
        with self._sessions() as session:
            row = repo.by_number(session, number)
            return Provisioning.of(row) if row is not None else None

    def is_channel_taken(self, channel_id: str) -> bool:
        with self._sessions() as session:
            return repo.by_channel(session, channel_id) is not None

    def channel_created(self, number: int, channel: NewChannel) -> None:
        """Record the channel on its own, when provisioning stops before "ready" (which records
        it otherwise): a retry then uses it, and giving up keeps the incident that has one."""
        with self._sessions.begin() as session:
            repo.set_channel(session, number, channel.id, channel.name)
            repo.append(session, number, [channel.event()], self._clock())

    def topic_set(self, number: int, topic: str) -> None:
        _retrying_conflicts(lambda: self._topic_set(number, topic))

    def _topic_set(self, number: int, topic: str) -> None:
        with self._sessions.begin() as session:
            _existing(session, number).topic = topic

    def provisioned(
        self,
        number: int,
        reply_to: tuple[str, str] | None = None,
        topic: str | None = None,
        card_ts: str | None = None,
        timer: timers.ClaimedTimer | None = None,
        channel: NewChannel | None = None,
    ) -> bool:
        """The channel is ready: commands work there and the update reminders start; the
        message it was declared from (``reply_to``: channel, ts) gets its reply. ``topic``,
        ``card_ts`` and ``channel``: the channel topic just set, the card just posted and the
        channel just created, and ``timer``: the provisioning timer, marked done, all in the
        same transaction (on SQLite, one turn at the write lock for all of them). Returns
        whether the timer still held its lease (True without one)."""
        held: list[bool] = []
        _retrying_conflicts(
            lambda: held.append(self._provisioned(number, reply_to, topic, card_ts, timer, channel))
        )
        self._wake()
        return held[-1]

    def _provisioned(
        self,
        number: int,
        reply_to: tuple[str, str] | None,
        topic: str | None,
        card_ts: str | None,
        timer: timers.ClaimedTimer | None,
        channel: NewChannel | None,
    ) -> bool:
        now = self._clock()
        with self._sessions.begin() as session:
            held = timer is None or timers.complete(session, timer, now)
            row = repo.plain_row(session, number)
            if row is None:
                raise LookupError(f"incident #{number} does not exist")
            made = (channel.id, channel.name) if channel is not None else None
            repo.set_ready(session, number, row.version, topic=topic, card_ts=card_ts, channel=made)
            if channel is not None:
                repo.append(session, number, [channel.event()], now)
            if reply_to is not None and row.provision_state != READY:  # planned once
                source, ts = reply_to
                timers.schedule(
                    session,
                    incident_timers.source_reply_key(number),
                    incident_timers.SOURCE_REPLY,
                    now,
                    {"incident": number, "channel": source, "ts": ts},
                    now,
                )
            incident = repo.to_domain(row)
            self._changed(session, incident, incident, now)
            due = self.next_reminder_at(incident, now)
            payload = incident_timers.reminder_payload(number, due)
            timers.schedule(
                session,
                incident_timers.reminder_key(number),
                incident_timers.STATUS_REMINDER,
                due,
                payload,
                now,
            )
        return held

    def bot_note(self, number: int, text: str, *, dedup_key: str) -> None:
        """A note from warroom itself (e.g. Slack refused to invite someone): on the timeline and
        announced in the channel, once per ``dedup_key``."""
        now = self._clock()
        event = TimelineEvent(now, BOT_ACTOR, NoteAdded(text), dedup_key)
        with self._sessions.begin() as session:
            added = repo.append(session, number, [event], now)
            incident_timers.announce(session, number, added, now)
            if added:
                self._refresh_card(session, number, now)
        self._wake()

    def abandon(self, number: int) -> Provisioning | None:
        """Provisioning gave up before a channel existed: remove the row so nothing is half-made."""
        with self._sessions.begin() as session:
            row = repo.by_number(session, number)
            if row is None:
                return None
            state = Provisioning.of(row)
            if row.channel_id is None:
                session.delete(row)
                timers.cancel_prefix(session, f"incident:{number}:", self._clock())
            return state

    def add_message(
        self,
        *,
        channel_id: str,
        ts: str,
        text: str,
        author: str | None,
        permalink: str | None,
        actor: str,
    ) -> bool:
        """Put a Slack message on the timeline at the message's own time; False if already there."""
        now = self._clock()
        at = datetime.fromtimestamp(float(ts), tz=now.tzinfo)
        message = MessageAdded(text=text, ts=ts, author=author, permalink=permalink, added_by=actor)
        event = TimelineEvent(at, actor, message, dedup_key=f"message:{channel_id}:{ts}")
        with self._sessions.begin() as session:
            # Locked: the same message added twice at once (two people pin it) is added once.
            number = self._locked(session, channel_id).id
            added = repo.append(session, number, [event], now)
            if added:
                self._refresh_card(session, number, now)
        if added:
            self._wake()
        return bool(added)

    def _apply(
        self,
        session: Session,
        number: int,
        incident: Incident,
        command: cmd.Command,
        user: str,
        now: datetime,
    ) -> tuple[Incident, list[TimelineEvent]]:
        match command:
            case cmd.ChangeSeverity(severity):
                self._paging.refresh_dms(session, number, now)
                return domain.change_severity(incident, severity, user, now)
            case cmd.ChangeLead(lead):
                changed, events = domain.change_lead(incident, lead, user, now)
                return changed, events + self._invited(session, number, lead, "made the lead", now)
            case cmd.AssignRole(role, member):
                assigned, events = domain.assign_role(incident, role, member, user, now)
                invited = self._invited(session, number, member, f"assigned {role}", now)
                return assigned, events + invited
            case cmd.PostUpdate(text, public, components, statuspage):
                for component in components:
                    self.check_component(component)
                return domain.post_update(incident, text, user, now, public, components, statuspage)
            case cmd.AddNote(text):
                return domain.add_note(incident, text, user, now)
            case cmd.AddAction(text, owner):
                session.add(
                    ActionItemRow(
                        incident_id=number,
                        text=text,
                        owner_id=owner,
                        created_by=user,
                        created_at=now,
                    )
                )
                return domain.add_action(incident, text, owner, user, now)
            case cmd.Acknowledge():
                events = self._paging.acknowledge(session, number, user, now)
                acknowledged = domain.acknowledge(incident, now)
                if acknowledged.lead == BOT_ACTOR:  # opened by an alert: the first to ack leads
                    acknowledged, led = domain.change_lead(acknowledged, user, user, now)
                    events += led
                events += self._invited(session, number, user, "acknowledged the page", now)
                return acknowledged, events
            case cmd.Page(target, message):
                domain.require_open(incident, "page")
                events = self._paging.start(session, number, target, user, message, now)
                if target.startswith("user:"):  # a person paged directly joins at once
                    paged = target.removeprefix("user:")
                    events += self._invited(session, number, paged, "paged directly", now)
                return incident, events
            case cmd.Transition(target, note):
                if target is Status.RESOLVED:
                    self._paging.stop(session, number, now)
                return domain.transition(incident, target, user, now, note)
        raise InvalidChange(f"{type(command).__name__} does not change an incident")

    def _schedule_reminder(
        self, session: Session, before: Incident, after: Incident, now: datetime
    ) -> None:
        key = incident_timers.reminder_key(after.number)
        if not after.is_open:
            timers.cancel(session, key, now)
            return
        reset = after.last_update_at != before.last_update_at
        if reset or after.severity is not before.severity or after.status is Status.INVESTIGATING:
            due = self.next_reminder_at(after, now)
            payload = incident_timers.reminder_payload(after.number, due)
            timers.schedule(session, key, incident_timers.STATUS_REMINDER, due, payload, now)

    def reminder_interval(self, incident: Incident) -> timedelta:
        return timedelta(minutes=self._reminder_minutes(incident.severity))

    def next_reminder_at(self, incident: Incident, now: datetime) -> datetime:
        since = incident.last_update_at or incident.declared_at
        return max(since + self.reminder_interval(incident), now)

    def event(self, event_id: int) -> TimelineEvent | None:
        with self._sessions() as session:
            return repo.event_by_id(session, event_id)

    def invite(self, number: int, user: str, reason: str) -> str | None:
        """Invite ``user`` into the incident's channel (a durable timer; ``already_in_channel``
        counts as done) and put it on the timeline once per person and reason. Returns the
        channel's id, None while it is being created (the invite waits for it)."""
        now = self._clock()
        with self._sessions.begin() as session:
            # Locked: two presses at once record the invite once (the timeline's dedup key).
            row = session.get(IncidentRow, number, with_for_update=True)
            if row is None:
                raise LookupError(f"incident #{number} does not exist")
            self.invite_in(session, number, user, reason, now)
            channel_id = row.channel_id
        self._wake()
        return channel_id

    def invite_in(
        self, session: Session, number: int, user: str, reason: str, now: datetime
    ) -> None:
        """``invite`` inside the caller's transaction."""
        if repo.append(session, number, self._invited(session, number, user, reason, now), now):
            self._refresh_card(session, number, now)

    def _invited(
        self, session: Session, number: int, user: str, reason: str, now: datetime
    ) -> list[TimelineEvent]:
        """Schedule the invite; the timeline event saying so, for the caller to append (once per
        person and reason: its dedup key)."""
        self._invite(session, number, user, now)
        return [TimelineEvent(now, user, Invited(user, reason), f"invited:{user}:{reason}")]

    def _invite(self, session: Session, number: int, user: str, now: datetime) -> None:
        key = incident_timers.invite_key(number, user)
        timers.schedule(
            session, key, incident_timers.INVITE, now, {"incident": number, "user": user}, now
        )

    @staticmethod
    def _refresh_card(session: Session, number: int, now: datetime) -> None:
        incident_timers.refresh_card(session, number, now)

    @staticmethod
    def _row(session: Session, channel_id: str) -> IncidentRow:
        row = repo.by_channel(session, channel_id)
        if row is None:
            raise _not_an_incident_channel()
        return row

    @staticmethod
    def _locked(session: Session, channel_id: str) -> Row[Any]:
        """The channel's incident as a plain row, locked until the transaction ends (on
        PostgreSQL: concurrent changes of one incident queue instead of conflicting)."""
        row = repo.plain_row_by_channel(session, channel_id)
        if row is None:
            raise _not_an_incident_channel()
        return row

    def _view(self, session: Session, row: IncidentRow) -> IncidentView:
        return IncidentView(
            repo.to_domain(row),
            row.channel_id,
            row.card_ts,
            repo.timeline(session, row.id),
            repo.open_action_items(session, row.id),
            self._paging.summaries(session, row.id),
            self._call_url(row),
        )

    def _card_view(self, session: Session, shown: repo.CardRead) -> CardView:
        row = shown.row
        return CardView(
            repo.to_domain(row),
            row.channel_id,
            row.card_ts,
            shown.facts,
            shown.open_actions,
            self._paging.summaries(session, row.id),
            self._call_url(row),
        )

    def _call_url(self, row: IncidentRow | Row[Any]) -> str | None:
        if self._call_link is None:
            return None
        return self._call_link.url(row.id, row.channel_name or None, row.title)


def _not_an_incident_channel() -> NotAnIncidentChannel:
    return NotAnIncidentChannel(
        "this command works in an incident channel (`inc-...`); declare one with "
        "`/incident declare <title> [sev1..sev4]`"
    )


def _linked(source: SourceMessage, declarer: str) -> TimelineEvent:
    """The message an incident was declared from, on its timeline at the message's own time."""
    message = MessageAdded(
        text=source.text,
        ts=source.ts,
        author=source.author,
        permalink=source.permalink,
        added_by=declarer,
    )
    return TimelineEvent(source.posted_at, declarer, message, dedup_key=source.dedup_key)


def _existing(session: Session, number: int) -> IncidentRow:
    row = repo.by_number(session, number)
    if row is None:
        raise LookupError(f"incident #{number} does not exist")
    return row


def _retrying_conflicts(work: Callable[[], None]) -> None:
    """Run one write transaction, again after a conflict on the incident row's version (someone
    changed the incident meanwhile) or a deadlock PostgreSQL broke by aborting it (a resolve
    and an escalation step lock a page and its timer in opposite orders): the retry re-reads
    the incident, so no change is lost."""
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            work()
            return
        except (StaleDataError, DBAPIError) as error:
            if attempt == CONFLICT_RETRIES or not (
                isinstance(error, StaleDataError) or aborted_for_another(error)
            ):
                raise

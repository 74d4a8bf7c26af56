"""Paging: walk a snapshotted escalation policy until someone acknowledges.

Semantics: docs/architecture.md §2.

A page is a ``pages`` row holding the policy as it was when paging started (editing the config
never changes a page in flight) and the steps already fired. One escalation timer per page asks the
pure ``decide`` what to do: notify a level, wait, or stop. Every step is written in one
transaction with its timeline events.

Notifying a level plans each person's deliveries by their notification rules for the page's
urgency (``rules.notification_plan``; without rules: every contact at once): one delivery row and
one timer per person, contact and step, due when the step is, keyed deterministically so a retry
or another replica never pages twice. Writing them all then is the rules' snapshot: editing
``users.yaml`` never changes a page in flight. Acknowledging or resolving cancels the steps not due
yet (and the delivery handler skips a stopped page's anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Config
from bot.incidents import repo
from bot.incidents import timers as incident_timers
from bot.incidents.domain.events import (
    Acknowledged,
    DeliveryFailed,
    NobodyOnCall,
    Notified,
    Paged,
    PagingExhausted,
)
from bot.incidents.domain.incident import InvalidChange
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.kernel.storage.db import read
from bot.kernel.timers import store as timers
from bot.oncall.domain.maintenance import Window
from bot.oncall.domain.schedule import Override
from bot.oncall.maintenance import open_window
from bot.oncall.rows import OverrideRow
from bot.paging import timers as page_timers
from bot.paging.domain.escalation import EscalationLevel, EscalationPolicy, Target, Urgency
from bot.paging.domain.paging import (
    Decision,
    DeliveryStatus,
    FiredStep,
    Notify,
    PageStatus,
    PagingState,
    Stop,
    StopReason,
    Wait,
    decide,
    escalate_now,
    resolve_targets,
)
from bot.paging.domain.rules import SLACK as SLACK  # the adapters' name for it, as before
from bot.paging.domain.rules import NotificationRules, notification_plan
from bot.paging.invites import invite_paged
from bot.paging.rows import DeliveryRow, PageRow

STOPPED = frozenset({PageStatus.ACKNOWLEDGED, PageStatus.RESOLVED})
REFRESH = "refresh"  # a page DM said again with the incident as it is now
# Pages someone may still acknowledge or escalate by hand (an exhausted one waits for a person).
OPEN = frozenset({PageStatus.ACTIVE, PageStatus.EXHAUSTED})  # deliveries not sent
# A person or schedule paged directly has no next level: this is how long they get to answer
# before the channel hears that nobody did.
DIRECT_PAGE_ANSWER_MINUTES = 15


@dataclass(frozen=True)
class Escalated:
    """What one escalation run did: the timer reschedules itself for ``next_at`` unless None."""

    next_at: datetime | None


@dataclass(frozen=True)
class Delivery:
    """One delivery of a page to one person through one channel, with what it needs of the page."""

    id: int
    key: str
    user_ref: str
    channel: str  # the contact: slack, or a notify: channel's name (pagerduty, sms, ...)
    status: DeliveryStatus
    provider_key: str | None
    slack_channel: str | None
    slack_ts: str | None
    created_at: datetime
    page_id: int
    page_status: PageStatus
    page_message: str
    incident_number: int
    acknowledged_by: str | None

    @classmethod
    def of(cls, row: DeliveryRow, page: PageRow) -> Delivery:
        return cls(
            row.id,
            row.key,
            row.user_ref,
            row.channel,
            DeliveryStatus(row.status),
            row.provider_key,
            row.slack_channel,
            row.slack_ts,
            row.created_at,
            page.id,
            PageStatus(page.status),
            page.message,
            page.incident_id,
            page.acknowledged_by,
        )


@dataclass(frozen=True)
class PageSummary:
    target: str
    status: str
    notified: tuple[str, ...]
    acknowledged_by: str | None


class PagingService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        config: Callable[[], Config],
        wake: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._config = config
        self._wake = wake

    # -- starting, inside the caller's transaction ----------------------------------------------

    def start(
        self,
        session: Session,
        incident_id: int,
        target: str,
        requested_by: str,
        message: str,
        now: datetime,
    ) -> list[TimelineEvent]:
        """Snapshot the policy for ``target`` and schedule its first escalation step now."""
        label, policy, urgency = self.policy_for(target)
        page = PageRow(
            incident_id=incident_id,
            target=label,
            requested_by=requested_by,
            message=message,
            policy=policy.to_dict(),
            urgency=urgency.value,
            started_at=now,
            fired=[],
        )
        session.add(page)
        session.flush()
        payload = {"incident": incident_id, "page": page.id}
        timers.schedule(
            session,
            page_timers.escalation_key(page.id),
            page_timers.PAGE_ESCALATE,
            now,
            payload,
            now,
        )
        paged = Paged(label, policy.name, message, page.id)
        return [TimelineEvent(now, requested_by, paged)]

    def maintenance_of(self, service: str) -> Window | None:
        """The maintenance window ``service`` is in now, if any (its alerts page nobody)."""
        with self._sessions() as session:
            return self.maintenance_in(session, service, self._clock())

    def maintenance_in(self, session: Session, service: str, at: datetime) -> Window | None:
        """``maintenance_of`` inside the caller's transaction: a second connection beside a
        SQLite writer's would wait for the lock that writer holds."""
        return open_window(session, self._config(), service, at)

    def service_names(self) -> tuple[str, ...]:
        """The services in config, in its order (the status page's components)."""
        return tuple(service.name for service in self._config().services)

    def policy_for(self, target: str) -> tuple[str, EscalationPolicy, Urgency]:
        """A service's policy, a schedule or a person as a one-level policy; refuses the unknown."""
        config = self._config()
        if target.startswith("user:"):
            ref = target.removeprefix("user:")
            return f"<@{ref}>", _one_level(f"page {ref}", Target.user(ref)), Urgency.HIGH
        service = config.service(target)
        if service is not None:
            policy = config.escalation_policy(service.escalation_policy)
            assert policy is not None  # load_config refuses a service with an unknown policy
            return f"service {service.name}", policy, service.urgency
        if config.schedule(target) is not None:
            return f"schedule {target}", _one_level(target, Target.schedule(target)), Urgency.HIGH
        services = ", ".join(s.name for s in config.services) or "none configured"
        schedules = ", ".join(s.name for s in config.schedules) or "none configured"
        raise InvalidChange(
            f"`{target}` is not a service or schedule (services: {services}; "
            f"schedules: {schedules}); to page a person, mention them: `/incident page @name`"
        )

    def acknowledge(
        self, session: Session, incident_id: int, user: str, now: datetime
    ) -> list[TimelineEvent]:
        """Acknowledge every active page of the incident; refuses when nothing is paged."""
        active = self._open(session, incident_id)
        if not active:
            raise InvalidChange(
                "nothing is paged for this incident; page someone with "
                "`/incident page <service|schedule|@user>`"
            )
        for page in active:
            page.status, page.acknowledged_at, page.acknowledged_by = (
                PageStatus.ACKNOWLEDGED,
                now,
                user,
            )
            timers.cancel(session, page_timers.escalation_key(page.id), now)
        self._cancel_steps(session, [p.id for p in active], now)
        self._propagate(session, [p.id for p in active], "acknowledge", now)
        return [TimelineEvent(now, user, Acknowledged(tuple(p.id for p in active)))]

    def stop(self, session: Session, incident_id: int, now: datetime) -> None:
        """The incident is resolved: stop escalating and resolve the alerts at the providers."""
        pages = list(session.scalars(select(PageRow).where(PageRow.incident_id == incident_id)))
        for page in pages:
            if page.status == PageStatus.ACTIVE:
                page.status = PageStatus.RESOLVED
                timers.cancel(session, page_timers.escalation_key(page.id), now)
        self._cancel_steps(session, [p.id for p in pages], now)
        self._propagate(session, [p.id for p in pages], "resolve", now)

    @staticmethod
    def _cancel_steps(session: Session, page_ids: list[int], now: datetime) -> None:
        """Nobody needs waking any more: cancel the deliveries of later rule steps. One already
        due is left alone (its handler may be running; it sees the page stopped and skips it)."""
        pending = select(DeliveryRow.id).where(
            DeliveryRow.page_id.in_(page_ids), DeliveryRow.status == DeliveryStatus.PENDING
        )
        for delivery_id in list(session.scalars(pending)):
            key = page_timers.delivery_key(delivery_id)
            timer = timers.get(session, key)
            if timer is not None and timer.due_at > now:
                timers.cancel(session, key, now)

    def escalate_now(self, page_id: int, user: str) -> None:
        """Skip the wait: page the next level now (the "Escalate now" button), whatever the
        urgency; refuses, saying so, when the policy has no further level (the pages stay open)."""
        now = self._clock()
        with self._sessions.begin() as session:
            page = session.get(PageRow, page_id)
            if page is None or page.status not in OPEN:
                raise InvalidChange("this page was acknowledged or its incident resolved")
            if isinstance(escalate_now(_state(page), now), Stop):
                policy = EscalationPolicy.from_dict(page.policy)
                rounds = policy.repeat + 1
                raise InvalidChange(
                    f"every level of {policy.name} was paged already ({rounds} "
                    f"round{'s' if rounds > 1 else ''}): there is no further level. The page stays "
                    "open: acknowledge it with its button or `/incident ack`"
                )
            payload = {"incident": page.incident_id, "page": page.id, "now": True, "by": user}
            timers.schedule(
                session,
                page_timers.escalation_key(page.id),
                page_timers.PAGE_ESCALATE,
                now,
                payload,
                now,
            )
        self._wake()

    def incident_of_page(self, page_id: int) -> int:
        """The incident a page belongs to (the DM buttons carry only the page)."""
        with self._sessions() as session:
            page = session.get(PageRow, page_id)
            if page is None:
                raise InvalidChange("this page no longer exists")
            return page.incident_id

    # -- the escalation timer ------------------------------------------------------------------

    def escalate(self, page_id: int, by: str | None = None) -> Escalated:
        """One escalation decision for the page, applied in one transaction; ``by``: who pressed
        "Escalate now" (the next level is paged at once, and the timeline says who asked)."""
        now = self._clock()
        with self._sessions.begin() as session:
            page = session.get(PageRow, page_id)
            if page is None or page.status not in OPEN:
                return Escalated(None)
            if by is not None:
                pressed = escalate_now(_state(page), now)
                if isinstance(pressed, Stop):
                    return Escalated(None)  # the button already said nothing further exists
                page.status = PageStatus.ACTIVE
                self._notify(session, page, pressed, now, by)
                return Escalated(_next_run(decide(_state(page), now), page, pressed, now))
            if page.status != PageStatus.ACTIVE:
                return Escalated(None)
            decision = decide(_state(page), now)
            if isinstance(decision, Stop):
                if decision.reason is StopReason.EXHAUSTED:
                    page.status = PageStatus.EXHAUSTED
                    event = TimelineEvent(now, BOT_ACTOR, PagingExhausted(page.target))
                    self._record(session, page.incident_id, [event], now)
                return Escalated(None)
            if isinstance(decision, Wait):
                return Escalated(decision.until)
            self._notify(session, page, decision, now)
            return Escalated(_next_run(decide(_state(page), now), page, decision, now))

    def _notify(
        self,
        session: Session,
        page: PageRow,
        decision: Notify,
        now: datetime,
        actor: str = BOT_ACTOR,
    ) -> None:
        config = self._config()
        overrides = {
            name: config.schedule_overrides(name) + self._db_overrides(session, name)
            for name in config.schedules_by_name
        }
        resolution = resolve_targets(
            decision.step.targets, now, config.schedules_by_name, overrides
        )
        page.fired = [
            *page.fired,
            {"loop": decision.step.loop, "level": decision.step.level, "fired_at": now.isoformat()},
        ]
        events = [
            TimelineEvent(now, BOT_ACTOR, NobodyOnCall(name)) for name in resolution.nobody_on_call
        ]
        urgency = Urgency(page.urgency)
        for user_ref in resolution.users:
            user = config.user(user_ref)
            # Someone not in users.yaml (paged by mention) has Slack only, and no rules.
            rules = user.rules if user else NotificationRules()
            contacts = user.contacts if user else (SLACK,)
            for step in notification_plan(rules, urgency, contacts, now):
                key = step.key(decision.key, user_ref)
                self._add_delivery(session, page, key, user_ref, step.contact, now, step.due)
        notified = Notified(
            tuple(resolution.users), decision.step.level, decision.step.loop, page.id
        )
        events.append(TimelineEvent(now, actor, notified))
        level = EscalationPolicy.from_dict(page.policy).levels[decision.step.level]
        events += invite_paged(session, page.incident_id, level, resolution.users, config, now)
        self._record(session, page.incident_id, events, now)

    def _add_delivery(
        self,
        session: Session,
        page: PageRow,
        key: str,
        user_ref: str,
        channel: str,
        now: datetime,
        due: datetime,
    ) -> None:
        if session.scalars(select(DeliveryRow.id).where(DeliveryRow.key == key)).first():
            return
        row = DeliveryRow(
            key=key, page_id=page.id, user_ref=user_ref, channel=channel, created_at=now
        )
        session.add(row)
        session.flush()
        payload = {"incident": page.incident_id, "delivery": row.id}
        timer_key = page_timers.delivery_key(row.id)
        timers.schedule(session, timer_key, page_timers.PAGE_DELIVER, due, payload, now)

    # -- deliveries ------------------------------------------------------------------------------

    def delivery(self, delivery_id: int) -> Delivery | None:
        with self._sessions() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is None:
                return None
            page = session.get(PageRow, row.page_id)
            assert page is not None
            return Delivery.of(row, page)

    def delivered(self, delivery_id: int, **fields: Any) -> None:
        with self._sessions.begin() as session:
            row = session.get(DeliveryRow, delivery_id)
            if row is not None:
                row.status, row.sent_at = DeliveryStatus.SENT, self._clock()
                for name, value in fields.items():
                    setattr(row, name, value)

    def delivery_failed(self, delivery_id: int, error: str) -> None:
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(DeliveryRow, delivery_id)
            page = session.get(PageRow, row.page_id) if row else None
            if row is None or page is None or row.status == DeliveryStatus.FAILED:
                return
            row.status, row.last_error = DeliveryStatus.FAILED, error[:1000]
            if self._failed_before(session, page.incident_id, row):
                return  # said once in this incident (a missing credential fails every page)
            failed = DeliveryFailed(row.user_ref, row.channel, error[:300])
            self._record(session, page.incident_id, [TimelineEvent(now, BOT_ACTOR, failed)], now)

    @staticmethod
    def _failed_before(session: Session, incident_id: int, row: DeliveryRow) -> bool:
        """Whether another delivery to this person over this channel in this incident failed
        the same way."""
        earlier = (
            select(DeliveryRow.id)
            .join(PageRow, PageRow.id == DeliveryRow.page_id)
            .where(
                PageRow.incident_id == incident_id,
                DeliveryRow.id != row.id,
                DeliveryRow.user_ref == row.user_ref,
                DeliveryRow.channel == row.channel,
                DeliveryRow.status == DeliveryStatus.FAILED,
                DeliveryRow.last_error == row.last_error,
            )
        )
        return session.scalars(earlier.limit(1)).first() is not None

    @staticmethod
    def summaries(session: Session, incident_id: int) -> list[PageSummary]:
        """Who was paged for what, for the card and ``/incident status``: one statement, built
        once (the card is read on every status and refresh)."""
        pages: dict[int, tuple[Any, list[str]]] = {}
        for row in read(session, _SUMMARIES, {"incident_id": incident_id}):
            _, notified = pages.setdefault(row.id, (row, []))
            if row.user_ref is not None and row.user_ref not in notified:
                notified.append(row.user_ref)  # everyone, whichever contact their rules start with
        return [
            PageSummary(page.target, page.status, tuple(notified), page.acknowledged_by)
            for page, notified in pages.values()
        ]

    # -- helpers ---------------------------------------------------------------------------------

    def refresh_dms(self, session: Session, incident_id: int, now: datetime) -> None:
        """The incident changed (its severity): the open pages' DMs say it again, current."""
        self._propagate(session, [p.id for p in self._open(session, incident_id)], REFRESH, now)

    def _propagate(self, session: Session, page_ids: list[int], action: str, now: datetime) -> None:
        """Acknowledge/resolve at the providers and update the page DMs, each as a durable timer."""
        if not page_ids:
            return
        rows = session.scalars(
            select(DeliveryRow).where(
                DeliveryRow.page_id.in_(page_ids), DeliveryRow.status == DeliveryStatus.SENT
            )
        )
        for row in rows:
            if action == REFRESH and row.channel != SLACK:
                continue  # providers keep their own copy of the alert
            payload = {"delivery": row.id, "action": action}
            key = f"delivery:{row.id}:{action}"
            timers.schedule(session, key, page_timers.PAGE_PROVIDER_UPDATE, now, payload, now)

    @staticmethod
    def _open(session: Session, incident_id: int) -> list[PageRow]:
        query = select(PageRow).where(PageRow.incident_id == incident_id, PageRow.status.in_(OPEN))
        return list(session.scalars(query))

    @staticmethod
    def _db_overrides(session: Session, schedule: str) -> tuple[Override, ...]:
        rows = session.scalars(
            select(OverrideRow).where(
                OverrideRow.schedule == schedule, OverrideRow.cancelled_at.is_(None)
            )
        )
        return tuple(Override(r.user_ref, r.starts_at, r.ends_at) for r in rows)

    @staticmethod
    def _record(
        session: Session, incident_id: int, events: list[TimelineEvent], now: datetime
    ) -> None:
        added = repo.append(session, incident_id, events, now)
        incident_timers.announce(session, incident_id, added, now)
        incident_timers.refresh_card(session, incident_id, now)


def _next_run(after: Decision, page: PageRow, fired: Notify, now: datetime) -> datetime | None:
    """When to decide again. After the last level, wait out its delay before calling the page
    unanswered, so the last person paged gets the same time to answer as everyone before."""
    if isinstance(after, Wait):
        return after.until
    if isinstance(after, Notify):
        return now
    if after.reason is StopReason.EXHAUSTED:
        return now + EscalationPolicy.from_dict(page.policy).levels[fired.step.level].delay
    return None


def _one_level(name: str, target: Target) -> EscalationPolicy:
    level = EscalationLevel((target,), DIRECT_PAGE_ANSWER_MINUTES)
    return EscalationPolicy(name=name, levels=(level,), repeat=0)


def _page_ref(page: PageRow) -> str:
    """Makes round keys unique per page: ``incident:42:page:3:escalation:1:loop:0``."""
    return f"{page.incident_id}:page:{page.id}"


def _state(page: PageRow) -> PagingState:
    fired = tuple(
        FiredStep(f["loop"], f["level"], datetime.fromisoformat(f["fired_at"])) for f in page.fired
    )
    return PagingState(
        page_ref=_page_ref(page),
        policy=EscalationPolicy.from_dict(page.policy),
        started_at=page.started_at,
        urgency=Urgency(page.urgency),
        acknowledged_at=page.acknowledged_at,
        fired=fired,
    )


_SUMMARIES = (
    select(
        PageRow.id, PageRow.target, PageRow.status, PageRow.acknowledged_by, DeliveryRow.user_ref
    )
    .outerjoin(DeliveryRow, DeliveryRow.page_id == PageRow.id)
    .where(PageRow.incident_id == bindparam("incident_id"))
    .order_by(PageRow.id, DeliveryRow.id)
)

"""Inbound alerts: store first, then process in a durable timer.

``receive`` is the webhook's hot path: the alerts are already parsed and authenticated; it checks
that every alert can be routed, then stores the raw body and its ``alerts.process`` timer (one
per payload) in one small transaction, shared with the bodies arriving at the same moment
(``GroupCommit``), on the intake sessions (on SQLite, first in line for the write lock), before
the sender gets its 200. Opening incidents, grouping and Slack come after, from that inbox.
Nothing is lost if processing fails or the process dies: the timer retries from the stored body
with backoff, and ``on_failure`` marks the payload failed (with the error, logged) after the
last attempt.

``process`` applies payloads with ``alert_apply.Drain``: its own, and in a storm the other
pending ones too, oldest first, each in a savepoint, so processing keeps up with arrivals; a
transaction takes no new payload after ``DRAIN_SECONDS``, so it never holds SQLite's write lock
for long. Everything is keyed by fingerprint and start, so the same payload, or
Alertmanager's re-sends, change nothing; nothing is ever resolved automatically.

The rest serves the Slack side (``bot.alerts.slack.handlers``): what a page-only or channel-only
group shows, and who a page-only route reaches.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.alerts import rows
from bot.alerts.apply import PAGE, POST, PROMPT, Drain, PermanentFailure
from bot.alerts.domain import (
    Action,
    AlertLine,
    AlertStatus,
    Batch,
    Routing,
    Source,
    Unroutable,
    decide,
)
from bot.alerts.intake.errors import invalid
from bot.alerts.rows import AlertGroupRow, AlertPayloadRow, AlertRow
from bot.config import Config
from bot.incidents.service import IncidentService
from bot.kernel.storage.db import urgent_writer_waiting
from bot.kernel.storage.group_commit import GroupCommit
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import Done, Handler, Outcome, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.oncall import maintenance
from bot.oncall.domain.maintenance import open_window
from bot.oncall.domain.schedule import Override
from bot.paging.domain.escalation import TargetKind
from bot.paging.domain.paging import resolve_targets

log = logging.getLogger(__name__)

__all__ = ["PAGE", "POST", "PROCESS", "PROMPT", "AlertService", "GroupNotice", "Receipt"]

PROCESS = "alerts.process"  # apply one stored payload (and the other pending ones with it)
DRAIN_BATCH = 25  # pending payloads applied by one processing timer, at most
# A processing transaction takes no new payload after this long: on SQLite it holds the one
# write lock, which the webhooks' inbox writes wait for.
DRAIN_SECONDS = 0.02
GROUP_ALERTS_SHOWN = 10

# Alerts counted by outcome for the metrics: ``opened`` an incident, ``recorded`` something new,
# ``unchanged`` (a re-send), ``ignored`` (a resolution with nothing open), ``failed``.
Observe = Callable[[Source, str, int], None]


def process_key(payload_id: int) -> str:
    return f"alerts:payload:{payload_id}:process"


@dataclass(frozen=True)
class Receipt:
    """What the webhook answers: the stored payload, or ``duplicate`` (stored before)."""

    payload_id: int | None
    alerts: int

    @property
    def duplicate(self) -> bool:
        return self.payload_id is None


@dataclass(frozen=True)
class GroupNotice:
    """A page-only or channel-only group, as its DM or message shows it."""

    id: int
    action: Action
    route: str
    service: str | None
    channel: str | None
    opened_at: datetime
    alerts: tuple[AlertLine, ...]


@dataclass(frozen=True)
class Recipients:
    """Who a page-only alert reaches: level 1 of the service's policy, now."""

    users: tuple[str, ...]
    nobody_on_call: tuple[str, ...]


@dataclass(frozen=True)
class _Received:
    """A webhook's body on its way into the database."""

    source: Source
    body: str
    alerts: int


class AlertService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        intake: sessionmaker[Session],  # short timeouts, first in line for SQLite's write lock
        clock: Callable[[], datetime],
        routing: Callable[[], Routing],
        config: Callable[[], Config],
        overrides: Callable[[str], Iterable[Override]],  # planned and Slack-made, per schedule
        incidents: IncidentService,
        window: timedelta,
        wake: Callable[[], None],
        observe: Observe = lambda source, outcome, count: None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._routing = routing
        self._config = config
        self._overrides = overrides
        self._incidents = incidents
        self._window = window
        self._wake = wake
        self._observe = observe
        self._intake = GroupCommit(intake, self._store)

    # -- the webhook ---------------------------------------------------------------------------

    def receive(self, batch: Batch, body: str) -> Receipt:
        """Store ``body`` (already parsed into ``batch``) and schedule its processing.

        Refuses (``Rejected`` 422, nothing stored) an alert that no route takes. Returns once
        the body is committed, written in one transaction with the others arriving meanwhile.
        """
        routing = self._routing()
        for index, alert in enumerate(batch.alerts):
            try:
                decide(routing, alert)
            except Unroutable as error:
                raise invalid(
                    f"alerts[{index}] ({alert.name}): {error}; add a route to alert_routes.yaml "
                    "or a default route (see docs/alerts.md)"
                ) from None
        payload_id = self._intake.submit(_Received(batch.source, body, len(batch.alerts)))
        if payload_id is not None:
            self._wake()
        return Receipt(payload_id, len(batch.alerts))

    def _store(self, session: Session, received: _Received) -> int | None:
        now = self._clock()
        payload_id = rows.insert_payload(
            session, received.source, received.body, received.alerts, now
        )
        if payload_id is not None:
            key = process_key(payload_id)
            timers.schedule(session, key, PROCESS, now, {"payload": payload_id}, now)
        return payload_id

    # -- processing ----------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {PROCESS: self.process}

    def process(self, timer: ClaimedTimer) -> Outcome:
        """The ``alerts.process`` timer: apply its payload, and the other pending ones with it.

        One firing applies up to ``DRAIN_BATCH`` pending payloads, oldest first, each in a
        savepoint of a short transaction, and cancels the timers of the others it applied
        (unless a runner is about to fire them: they find their payload applied). A payload
        that fails is left to its own timer; this timer's own failure is raised, for the runner
        to retry it with backoff.
        """
        own = int(timer.payload["payload"])
        own_error, outcomes = self._drain(own)
        for (source, outcome), count in outcomes.items():
            self._observe(source, outcome, count)
        self._wake()
        if own_error is not None:
            self._record_attempt(own, f"{type(own_error).__name__}: {own_error}")
            raise own_error
        return Done()

    def on_failure(self, failure: TimerFailure) -> None:
        """Processing gave up after its retries: the payload is marked failed, loudly."""
        if failure.timer.kind != PROCESS:
            return
        payload_id = int(failure.timer.payload["payload"])
        log.error("alert payload %s failed for good: %s", payload_id, failure.error)
        with self._sessions.begin() as session:
            self._mark_failed(session, payload_id, failure.error)

    def _drain(self, own: int) -> tuple[Exception | None, Counter[tuple[Source, str]]]:
        """Apply ``own`` and the oldest pending payloads, in transactions of ``DRAIN_SECONDS``.

        Short transactions, ended early when a webhook waits, keep SQLite's one write lock free
        often enough for the webhooks' inbox writes, which go first, to get in within a few
        milliseconds of arriving.
        """
        own_error: Exception | None = None
        outcomes: Counter[tuple[Source, str]] = Counter()
        todo: list[int] | None = None
        while todo is None or todo:
            with self._sessions.begin() as session:
                rows.serialize_processing(session)
                if todo is None:
                    todo = sorted({own, *rows.pending_payloads(session, DRAIN_BATCH)})
                error = self._drain_some(session, own, todo, outcomes)
                own_error = own_error or error
        return own_error, outcomes

    def _drain_some(
        self,
        session: Session,
        own: int,
        todo: list[int],
        outcomes: Counter[tuple[Source, str]],
    ) -> Exception | None:
        """Apply payloads off the front of ``todo`` until it is empty, the time is up or a
        webhook waits to store its body (at least one: ``todo`` shrinks each transaction)."""
        own_error: Exception | None = None
        now = self._clock()
        # Windows are read once per transaction: a storm should not query them per alert.
        held = maintenance.windows(session, self._config(), now)
        drain = Drain(
            session,
            now,
            self._routing(),
            self._incidents,
            self._window,
            maintenance=lambda service: open_window(held, service, now),
        )
        ends = time.monotonic() + DRAIN_SECONDS
        while todo:
            own_error = self._apply_one(session, drain, todo.pop(0), own, outcomes) or own_error
            if time.monotonic() > ends or urgent_writer_waiting(session):
                break
        drain.finish()
        return own_error

    def _apply_one(
        self,
        session: Session,
        drain: Drain,
        payload_id: int,
        own: int,
        outcomes: Counter[tuple[Source, str]],
    ) -> Exception | None:
        """Apply one payload in a savepoint; the error if it is ``own`` and failed."""
        try:
            with session.begin_nested():
                applied = drain.apply(payload_id)
        except PermanentFailure as error:
            drain.forget()
            log.error("alert payload %s cannot be applied: %s", payload_id, error)
            self._mark_failed(session, payload_id, str(error))
            return None
        except Exception as error:
            drain.forget()
            if payload_id == own:
                return error
            log.warning("alert payload %s left to its own timer: %s", payload_id, error)
            return None
        if payload_id != own:
            _cancel_unclaimed(session, process_key(payload_id), drain.now)
        if applied is not None:
            source, counts = applied
            outcomes.update({(source, name): n for name, n in counts.items()})
        return None

    def _record_attempt(self, payload_id: int, error: str) -> None:
        try:
            with self._sessions.begin() as session:
                payload = session.get(AlertPayloadRow, payload_id)
                if payload is not None and payload.status == rows.PENDING:
                    payload.attempts, payload.error = payload.attempts + 1, error[:4000]
        except Exception:
            log.exception("could not record the failed attempt of alert payload %s", payload_id)

    def _mark_failed(self, session: Session, payload_id: int, error: str) -> None:
        payload = session.get(AlertPayloadRow, payload_id)
        if payload is not None and payload.status == rows.PENDING:
            payload.status, payload.error = rows.FAILED, error[:4000]
            self._observe(Source(payload.source), "failed", payload.alert_count)

    # -- for the Slack side ------------------------------------------------------------------

    def group_notice(self, group_id: int) -> GroupNotice | None:
        with self._sessions() as session:
            group = session.get(AlertGroupRow, group_id)
            if group is None:
                return None
            alerts = rows.group_alerts(session, group_id, GROUP_ALERTS_SHOWN)
            return GroupNotice(
                id=group.id,
                action=Action(group.action),
                route=group.route,
                service=group.service,
                channel=group.channel,
                opened_at=group.opened_at,
                alerts=tuple(_line(a) for a in alerts),
            )

    def recipients(self, service: str) -> Recipients:
        """Who is on call now at the first level of ``service``'s escalation policy."""
        config = self._config()
        found = config.service(service)
        policy = config.escalation_policy(found.escalation_policy) if found else None
        if policy is None:
            return Recipients((), ())
        targets = policy.levels[0].targets
        schedules = {t.ref for t in targets if t.kind is TargetKind.SCHEDULE}
        overrides = {name: tuple(self._overrides(name)) for name in schedules}
        resolution = resolve_targets(targets, self._clock(), config.schedules_by_name, overrides)
        return Recipients(tuple(resolution.users), tuple(resolution.nobody_on_call))


def _line(row: AlertRow) -> AlertLine:
    return AlertLine(
        name=row.name,
        status=AlertStatus(row.status),
        labels=dict(row.labels or {}),
        summary=(row.annotations or {}).get("summary"),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        generator_url=row.generator_url,
    )


def _cancel_unclaimed(session: Session, key: str, now: datetime) -> None:
    """Cancel the timer of a payload another firing applied, unless a runner holds it already
    (it will find the payload applied; cancelling it under the runner would only make it warn).
    """
    waiting = timers.get(session, key)
    if waiting is not None and waiting.lease_owner is None:
        timers.cancel(session, key, now)

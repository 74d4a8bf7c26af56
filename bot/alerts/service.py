"""Inbound alerts: store first, then process in a durable timer.

``receive`` is the webhook's hot path: the alerts are already parsed and authenticated; it checks
that every alert can be routed, then stores the raw body and its ``alerts.process`` timer (one
per payload) in one small transaction, before the sender gets its 200. Nothing is lost if
processing fails or the process dies: the timer retries from the stored body with backoff, and
``on_failure`` marks the payload failed (with the error, logged) after the last attempt.

``process`` applies payloads with ``alert_apply.Drain``: its own, and in a storm the other
pending ones too, oldest first, each in a savepoint of one transaction, so processing keeps up
with arrivals. Everything is keyed by fingerprint and start, so the same payload, or
Alertmanager's re-sends, change nothing; nothing is ever resolved automatically.

The rest serves the Slack side (``bot.alerts.slack.handlers``): what a page-only or channel-only
group shows, and who a page-only route reaches.
"""

from __future__ import annotations

import logging
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


class AlertService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
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

    # -- the webhook ---------------------------------------------------------------------------

    def receive(self, batch: Batch, body: str) -> Receipt:
        """Store ``body`` (already parsed into ``batch``) and schedule its processing.

        Refuses (``Rejected`` 422, nothing stored) an alert that no route takes.
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
        now = self._clock()
        with self._sessions.begin() as session:
            payload_id = rows.insert_payload(session, batch.source, body, len(batch.alerts), now)
            if payload_id is not None:
                key = process_key(payload_id)
                timers.schedule(session, key, PROCESS, now, {"payload": payload_id}, now)
        if payload_id is not None:
            self._wake()
        return Receipt(payload_id, len(batch.alerts))

    # -- processing ----------------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {PROCESS: self.process}

    def process(self, timer: ClaimedTimer) -> Outcome:
        """The ``alerts.process`` timer: apply its payload, and the other pending ones with it.

        One firing applies up to ``DRAIN_BATCH`` pending payloads, oldest first, each in a
        savepoint, and cancels the timers of the others it applied (unless a runner is about to
        fire them: they find their payload applied). A payload that fails is left to its own
        timer; this timer's own failure is raised, for the runner to retry it with backoff.
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
        own_error: Exception | None = None
        outcomes: Counter[tuple[Source, str]] = Counter()
        now = self._clock()
        with self._sessions.begin() as session:
            rows.serialize_processing(session)
            # Windows are read once per drain: a storm should not query them per alert.
            held = maintenance.windows(session, self._config(), now)
            drain = Drain(
                session,
                now,
                self._routing(),
                self._incidents,
                self._window,
                maintenance=lambda service: open_window(held, service, now),
            )
            for payload_id in sorted({own, *rows.pending_payloads(session, DRAIN_BATCH)}):
                try:
                    with session.begin_nested():
                        applied = drain.apply(payload_id)
                except PermanentFailure as error:
                    drain.forget()
                    log.error("alert payload %s cannot be applied: %s", payload_id, error)
                    self._mark_failed(session, payload_id, str(error))
                    continue
                except Exception as error:
                    drain.forget()
                    if payload_id == own:
                        own_error = error
                    else:
                        log.warning("alert payload %s left to its own timer: %s", payload_id, error)
                    continue
                if payload_id != own:
                    _cancel_unclaimed(session, process_key(payload_id), now)
                if applied is not None:
                    source, counts = applied
                    outcomes.update({(source, name): n for name, n in counts.items()})
            drain.finish()
        return own_error, outcomes

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

"""Applying stored alert payloads, inside one processing transaction (see ``services.alerts``).

A ``Drain`` applies payloads one after the other in the caller's transaction. Per alert: the
routing decision; for an ``incident`` route, the incident it joins or opens
(``bot.alerts.domain.grouping``) and the timeline events it adds; for a ``page`` or ``channel``
route, the group it joins or starts (a new group schedules its DM or message). After each
payload: a notice of alerts dropped upstream, and the all-resolved prompt when the last firing
alert of an open incident resolved. After the drain: one card refresh per incident touched.

What is read is cached for the whole drain (open groups, open incidents' alerts, storm
candidates), since a storm repeats the same groups and services; ``forget`` empties the caches
when a payload's savepoint was rolled back.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.alerts import rows
from bot.alerts.domain import (
    Action,
    Alert,
    AlertStatus,
    Attach,
    Batch,
    Decision,
    Ignore,
    Known,
    Open,
    Routing,
    Source,
    StormCandidate,
    Unroutable,
    changes,
    decide,
    incident_description,
    incident_title,
    place,
    storm_target,
)
from bot.alerts.intake.errors import Rejected
from bot.alerts.intake.parse import parse_body
from bot.alerts.rows import AlertGroupRow, AlertPayloadRow, AlertRow
from bot.incidents import repo
from bot.incidents import timers as incident_timers
from bot.incidents.domain.events import AlertsNotice
from bot.incidents.domain.incident import InvalidChange
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.incidents.rows import IncidentRow
from bot.incidents.service import IncidentService
from bot.kernel.timers import store as timers
from bot.oncall.domain.maintenance import Window

log = logging.getLogger(__name__)

POST = "alerts.post"  # the message of a new channel-only group
PAGE = "alerts.page"  # the DMs of a new page-only group
PROMPT = "alerts.prompt"  # "all alerts resolved: mitigate or resolve?" in the incident channel
PREFETCH_CHUNK = 500  # fingerprints per lookup (SQLite bounds the parameters of a statement)


def notice_key(group_id: int, action: Action) -> str:
    return f"alerts:group:{group_id}:{action.value}"


def prompt_key(incident: int, episode: int) -> str:
    return f"incident:{incident}:alerts-resolved:{episode}"


class PermanentFailure(ValueError):
    """A stored payload that can never be applied (the config changed since it was accepted)."""


@dataclass
class _Payload:
    """What one payload touched, for its follow-ups."""

    row: AlertPayloadRow
    incidents: set[int] = field(default_factory=set)
    # Timeline events per incident, appended together once the payload's alerts are recorded.
    events: dict[int, list[TimelineEvent]] = field(default_factory=dict)
    resolved_in: set[int] = field(default_factory=set)
    notice_groups: set[int] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)


class Drain:
    def __init__(
        self,
        session: Session,
        now: datetime,
        routing: Routing,
        incidents: IncidentService,
        window: timedelta,
        maintenance: Callable[[str], Window | None] = lambda service: None,
    ) -> None:
        """``maintenance``: the maintenance window a service is in now, if any (read in this
        transaction); its alerts are then recorded without opening or paging anything."""
        self._session = session
        self._now = now
        self._routing = routing
        self._incidents = incidents
        self._window = window
        self._maintenance = maintenance
        self._cards: set[int] = set()
        self.forget()

    @property
    def now(self) -> datetime:
        """The time this drain records its changes at."""
        return self._now

    def forget(self) -> None:
        """Drop every cached read (after a rolled-back savepoint)."""
        self._groups: dict[tuple[str, str], AlertGroupRow | None] = {}
        self._alerts: dict[tuple[str, str], AlertRow | None] = {}
        self._storms: dict[tuple[str, str | None], list[StormCandidate]] = {}

    def apply(self, payload_id: int) -> tuple[Source, Counter[str]] | None:
        """Apply one pending payload; None when it is not pending (already applied)."""
        row = self._session.get(AlertPayloadRow, payload_id)
        if row is None or row.status != rows.PENDING:
            return None
        source = Source(row.source)
        try:
            batch = parse_body(source, row.body.encode("utf-8"))
        except Rejected as error:
            raise PermanentFailure(error.message) from error
        payload = _Payload(row)
        self._prefetch(batch)
        for index, alert in enumerate(batch.alerts):
            try:
                decision = decide(self._routing, alert)
            except Unroutable as error:
                raise PermanentFailure(f"alerts[{index}] ({alert.name}): {error}") from error
            if decision.action is Action.INCIDENT:
                self._to_incident(payload, alert, decision)
            else:
                self._to_notice_group(payload, alert, decision)
        self._follow_up(payload, batch)
        row.status, row.processed_at = rows.PROCESSED, self._now
        row.attempts, row.error = row.attempts + 1, None
        return source, payload.outcomes

    def finish(self) -> None:
        """Refresh the card of every incident the drain touched, once."""
        for number in sorted(self._cards):
            incident_timers.refresh_card(self._session, number, self._now)

    # -- incident routes ----------------------------------------------------------------------

    def _prefetch(self, batch: Batch) -> None:
        """Look the payload's fingerprints up in open incidents at once, in chunks."""
        source = batch.source.value
        wanted = list(
            dict.fromkeys(
                a.fingerprint for a in batch.alerts if (source, a.fingerprint) not in self._alerts
            )
        )
        for start in range(0, len(wanted), PREFETCH_CHUNK):
            chunk = wanted[start : start + PREFETCH_CHUNK]
            found = rows.alerts_in_open_incidents(self._session, source, chunk)
            for fingerprint in chunk:
                self._alerts[(source, fingerprint)] = found.get(fingerprint)

    def _to_incident(self, payload: _Payload, alert: Alert, decision: Decision) -> None:
        found = self._alerts.get((alert.source.value, alert.fingerprint))
        group = self._incident_group(alert)
        storm = None
        if found is None and group is None and alert.is_firing:
            storm = storm_target(
                self._storm_candidates(decision),
                decision.route,
                decision.service,
                self._now,
                self._window,
            )
        placement = place(
            alert,
            by_fingerprint=found.incident_id if found else None,
            by_group=group.incident_id if group else None,
            storm=storm,
        )
        match placement:
            case Ignore():
                payload.outcomes["ignored"] += 1
                return
            case Open():
                if self._held(payload, alert, decision):
                    return
                number = self._open_incident(alert, decision)
                payload.outcomes["opened"] += 1
            case Attach(incident=number):
                pass
        if group is None or group.incident_id != number:
            group = self._new_group(alert, decision, incident=number)
        # The fingerprint is in no open incident unless ``found`` holds it, and ``number`` is open.
        self._record(payload, alert, found, group, number)

    def _incident_group(self, alert: Alert) -> AlertGroupRow | None:
        key = (alert.source.value, alert.group_key)
        if key not in self._groups:
            self._groups[key] = rows.open_incident_group(
                self._session, alert.source, alert.group_key
            )
        return self._groups[key]

    def _storm_candidates(self, decision: Decision) -> list[StormCandidate]:
        key = (decision.route, decision.service)
        if key not in self._storms:
            since = self._now - self._window
            self._storms[key] = rows.storm_candidates(
                self._session, decision.route, decision.service, since
            )
        return self._storms[key]

    def _open_incident(self, alert: Alert, decision: Decision) -> int:
        try:
            number = self._incidents.declare_in(
                self._session,
                title=incident_title(alert, decision.service),
                severity=decision.severity,
                declarer=BOT_ACTOR,
                now=self._now,
                service=decision.service,
                description=incident_description(alert),
                detected_at=alert.starts_at,
            )
        except InvalidChange as error:
            raise PermanentFailure(f"cannot open an incident for {alert.name}: {error}") from error
        log.info("alert %s (%s) opened incident #%s", alert.name, alert.source, number)
        candidate = StormCandidate(number, decision.route, decision.service, self._now)
        self._storm_candidates(decision).append(candidate)
        return number

    def _new_group(self, alert: Alert, decision: Decision, incident: int | None) -> AlertGroupRow:
        group = AlertGroupRow(
            source=alert.source.value,
            group_key=alert.group_key,
            route=decision.route,
            action=decision.action.value,
            service=decision.service,
            channel=decision.channel,
            incident_id=incident,
            opened_at=self._now,
        )
        self._session.add(group)
        self._session.flush()
        if incident is not None:
            self._groups[(alert.source.value, alert.group_key)] = group
        return group

    # -- page-only and channel-only routes -----------------------------------------------------

    def _to_notice_group(self, payload: _Payload, alert: Alert, decision: Decision) -> None:
        """The first firing alert of a group is told once; its group closes when all resolve."""
        group = rows.open_notice_group(self._session, alert.source, alert.group_key)
        if group is None:
            if not alert.is_firing:
                payload.outcomes["ignored"] += 1
                return
            if self._held(payload, alert, decision):
                return
            group = self._new_group(alert, decision, incident=None)
            kind = PAGE if decision.action is Action.PAGE else POST
            payload_data = {"group": group.id}
            key = notice_key(group.id, decision.action)
            timers.schedule(self._session, key, kind, self._now, payload_data, self._now)
        found = rows.alert_in_group(self._session, group.id, alert.source, alert.fingerprint)
        if self._record(payload, alert, found, group, None):
            payload.notice_groups.add(group.id)

    # -- maintenance windows -------------------------------------------------------------------

    def _held(self, payload: _Payload, alert: Alert, decision: Decision) -> bool:
        """Record an alert that would open an incident or a page while its service is in
        maintenance, in a group closed when the window ends (so after it the same alert opens
        or pages as usual); True when it was held."""
        window = self._maintenance(decision.service) if decision.service else None
        if window is None:
            return False
        group = rows.maintenance_group(self._session, alert.source, alert.group_key, self._now)
        if group is None:
            group = AlertGroupRow(
                source=alert.source.value,
                group_key=alert.group_key,
                route=decision.route,
                action=rows.MAINTENANCE,
                service=decision.service,
                channel=decision.channel,
                incident_id=None,
                opened_at=self._now,
                closed_at=window.end,
            )
            self._session.add(group)
            self._session.flush()
        log.info(
            "alert %s (%s) suppressed by maintenance of %s until %s (%s): no %s",
            alert.name,
            alert.source,
            decision.service,
            window.end.isoformat(),
            window.reason or "no reason given",
            decision.action.value,
        )
        found = rows.alert_in_group(self._session, group.id, alert.source, alert.fingerprint)
        self._record(payload, alert, found, group, None)
        payload.outcomes["suppressed"] += 1
        return True

    # -- both --------------------------------------------------------------------------------

    def _record(
        self,
        payload: _Payload,
        alert: Alert,
        found: AlertRow | None,
        group: AlertGroupRow,
        incident: int | None,
    ) -> bool:
        """Store what this arrival changes of the alert; False when it changes nothing."""
        known = Known(AlertStatus(found.status), found.starts_at) if found else None
        events = changes(known, alert, self._now)
        if not events:
            payload.outcomes["unchanged"] += 1
            return False
        row = found or AlertRow(
            group_id=group.id,
            incident_id=incident,
            source=alert.source.value,
            fingerprint=alert.fingerprint,
        )
        row.name, row.status = alert.name, alert.status.value
        row.labels, row.annotations = dict(alert.labels), dict(alert.annotations)
        row.starts_at, row.ends_at = alert.starts_at, alert.ends_at
        row.generator_url, row.group_key = alert.generator_url, alert.group_key
        row.last_payload_id, row.updated_at = payload.row.id, self._now
        if found is None:
            self._session.add(row)
        if incident is not None:
            self._alerts[(alert.source.value, alert.fingerprint)] = row
            payload.events.setdefault(incident, []).extend(events)
            payload.incidents.add(incident)
            self._cards.add(incident)
            if not alert.is_firing:
                payload.resolved_in.add(incident)
        payload.outcomes["recorded"] += 1
        return True

    def _follow_up(self, payload: _Payload, batch: Batch) -> None:
        for number, events in sorted(payload.events.items()):
            repo.append(self._session, number, events, self._now)
        self._session.flush()
        for number in sorted(payload.incidents):
            if batch.truncated:
                self._truncated_notice(payload, number, batch)
            if number in payload.resolved_in:
                self._maybe_prompt(number)
        if batch.truncated and not payload.incidents:
            log.warning(
                "%s dropped %d alerts of payload %s upstream",
                batch.source,
                batch.truncated,
                payload.row.id,
            )
        for group_id in sorted(payload.notice_groups):
            if rows.firing_count(self._session, group_id=group_id) == 0:
                group = self._session.get(AlertGroupRow, group_id)
                if group is not None:
                    group.closed_at = self._now

    def _truncated_notice(self, payload: _Payload, number: int, batch: Batch) -> None:
        text = (
            f"{batch.source} dropped {batch.truncated} alert(s) of this group before sending "
            "(truncatedAlerts): the alerts listed here are incomplete; raise max_alerts "
            "in its webhook config"
        )
        event = TimelineEvent(
            self._now, BOT_ACTOR, AlertsNotice(text), dedup_key=f"alerts:truncated:{payload.row.id}"
        )
        added = repo.append(self._session, number, [event], self._now)
        incident_timers.announce(self._session, number, added, self._now)

    def _maybe_prompt(self, number: int) -> None:
        """Once per all-resolved episode (named by how many firings the timeline holds), while
        the incident is open: record it, and ask the channel."""
        incident = self._session.get(IncidentRow, number)
        if incident is None or incident.status == Status.RESOLVED:
            return
        if rows.firing_count(self._session, incident_id=number) > 0:
            return
        episode = rows.firing_episodes(self._session, number)
        event = TimelineEvent(
            self._now,
            BOT_ACTOR,
            AlertsNotice("Every alert of this incident has resolved"),
            dedup_key=f"alerts:all-resolved:{episode}",
        )
        if repo.append(self._session, number, [event], self._now):
            data = {"incident": number, "episode": episode}
            key = prompt_key(number, episode)
            timers.schedule(self._session, key, PROMPT, self._now, data, self._now)

"""Heartbeat use cases: record a beat (and re-plan the monitor's silence timer), declare an
incident when the timer fires, and note on that incident when the monitor beats again.

Exactly once across replicas rests on the durable timer (one claim per firing) and on the
monitor's row, re-read under a row lock in the firing's own transaction: a beat that commits
first re-plans the timer (the firing then only reschedules, and its result is refused as
superseded), a beat that commits after sees the declared incident and notes it. Each change is
one transaction with the timers it needs, so a 200 means the beat and its timer are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.heartbeats import timers as keys
from bot.heartbeats.domain import Monitor, Monitors
from bot.heartbeats.rows import HeartbeatRow
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR
from bot.incidents.service import IncidentService
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import Done, Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

SILENT_SEVERITY = Severity.SEV2
_INSERT_RACES = 3  # two first beats of one monitor at once: the loser re-reads the new row


@dataclass(frozen=True)
class Beat:
    """A recorded beat: when the monitor goes silent next, and whether it was silent."""

    monitor: str
    silent_at: datetime
    was_silent_in: int | None


class Heartbeats:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        monitors: Callable[[], Monitors],
        incidents: IncidentService,
        wake: Callable[[], None],
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.monitors = monitors
        self._incidents = incidents
        self._wake = wake

    def beat(self, monitor: Monitor) -> Beat:
        """Record a beat of ``monitor`` now and re-plan its silence timer."""
        for attempt in range(_INSERT_RACES):
            try:
                beat = self._beat_once(monitor)
                break
            except IntegrityError:
                if attempt == _INSERT_RACES - 1:
                    raise
        self._wake()
        return beat

    def _beat_once(self, monitor: Monitor) -> Beat:
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(HeartbeatRow, monitor.name, with_for_update=True)
            if row is None:
                row = HeartbeatRow(name=monitor.name, last_beat_at=now, beats=0)
                session.add(row)
            row.last_beat_at, row.beats = now, row.beats + 1
            silent_in = row.silent_incident
            if silent_in is not None:
                row.silent_incident = None
                payload = {"name": monitor.name, "incident": silent_in}
                key = keys.beats_again_key(monitor.name, silent_in)
                timers.schedule(session, key, keys.BEATS_AGAIN, now, payload, now)
            due = monitor.silent_at(now)
            payload = {"name": monitor.name}
            timers.schedule(
                session, keys.silence_key(monitor.name), keys.SILENCE, due, payload, now
            )
        return Beat(monitor.name, due, silent_in)

    # Timer handlers.

    def handlers(self) -> Mapping[str, Handler]:
        return {keys.SILENCE: self._silent, keys.BEATS_AGAIN: self._beats_again}

    def on_failure(self, failure: TimerFailure) -> None:
        if failure.timer.kind in (keys.SILENCE, keys.BEATS_AGAIN):
            log.error("heartbeat timer %s failed for good: %s", failure.timer.key, failure.error)

    def _silent(self, timer: ClaimedTimer) -> Outcome:
        name = str(timer.payload["name"])
        monitor = self.monitors().get(name)
        if monitor is None:
            log.info("heartbeat %s is no longer configured: not declaring", name)
            return Done()
        now = self._clock()
        with self._sessions.begin() as session:
            row = session.get(HeartbeatRow, name, with_for_update=True)
            if row is None or row.silent_incident is not None:
                return Done()  # never beat, or declared already
            if not monitor.is_silent(row.last_beat_at, now):
                return Reschedule(monitor.silent_at(row.last_beat_at))  # interval lengthened
            number = self._incidents.declare_in(
                session,
                title=monitor.silent_title,
                severity=SILENT_SEVERITY,
                declarer=BOT_ACTOR,
                now=now,
                service=monitor.service,
                description=monitor.silent_description(row.last_beat_at),
                detected_at=monitor.silent_at(row.last_beat_at),
            )
            row.silent_incident = number
        self._wake()
        log.warning("heartbeat %s is silent: declared incident %d", name, number)
        return Done()

    def _beats_again(self, timer: ClaimedTimer) -> Outcome:
        name, incident = str(timer.payload["name"]), int(timer.payload["incident"])
        monitor = self.monitors().get(name)
        text = monitor.beats_again_note if monitor else f"Heartbeat {name} beats again"
        self._incidents.bot_note(incident, text, dedup_key=timer.key)
        return Done()

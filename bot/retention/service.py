"""Retention: forget what is only useful for a while, in small batches, once per interval.

One durable timer (``retention:prune``) does it, so exactly one replica prunes per interval;
``seed`` plants it at start-up, and each firing reschedules it. A firing deletes in batches of
``batch_size`` rows, each batch in a transaction of its own (short locks on SQLite and
PostgreSQL), at most ``max_batches`` of them; when more is left it fires again right away
instead of after the interval, so one firing stays well within the timer's lease.

What goes:

* finished Slack requests (``slack_inbox``) older than ``slack_events``, with their finished
  recovery timers: Slack retries an event within minutes and a trigger id lives 30 minutes, so
  an older key can no longer drop a replay.
* alert payloads processed longer than ``alert_payloads`` ago (never pending or failed ones;
  see ``bot.retention.repo.prune_alert_payloads`` for the few processed ones kept), together
  with their finished ``alerts.process`` timer: its key names a payload id that never recurs.

What stays, deliberately: other ``timers`` rows and every ``effects`` row. ``schedule`` re-arms a
finished key (a card refresh, a retried export, a re-run provisioning) and its handler relies on
the effects recorded under that key's firings not to repeat a Slack post or a page, so an effect
is needed as long as its key can be scheduled again, which is the life of its incident or
schedule, not an age. And the existence of a finished timer row is itself state: the post-mortem
offer (``offer_key``) is made once per resolve because its done row is still there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.alerts.service import process_key
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import Handler, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.store import ClaimedTimer
from bot.retention import repo

log = logging.getLogger(__name__)

PRUNE = "retention.prune"
PRUNE_KEY = "retention:prune"
BATCH_SIZE = 1000
MAX_BATCHES = 50  # per firing: 50,000 rows at most, seconds of work against a 60 s lease


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of row is kept, and how often the pruning runs."""

    slack_events: timedelta
    alert_payloads: timedelta
    interval: timedelta


@dataclass(frozen=True)
class Pruned:
    """What one firing deleted; ``finished`` is False when rows past their age are left."""

    slack_events: int
    alert_payloads: int
    finished: bool


class Retention:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        policy: RetentionPolicy,
        wake: Callable[[], None],
        batch_size: int = BATCH_SIZE,
        max_batches: int = MAX_BATCHES,
    ) -> None:
        if batch_size <= 0 or max_batches <= 0:
            raise ValueError("batch_size and max_batches must be positive")
        self._sessions = sessions
        self._clock = clock
        self._policy = policy
        self._wake = wake
        self._batch_size = batch_size
        self._max_batches = max_batches

    def seed(self) -> None:
        """Plant the pruning timer (app start): due now, unless one is already pending.

        An upsert by key, so replicas and restarts keep one timer; a pending one due within the
        interval is left alone (it may be running on another replica right now). A timer that
        gave up is re-armed.
        """
        now = self._clock()
        with self._sessions.begin() as session:
            state = timers.get(session, PRUNE_KEY)
            latest = now + self._policy.interval
            if state is None or state.status != timers.PENDING or state.due_at > latest:
                timers.schedule(session, PRUNE_KEY, PRUNE, now, None, now)
        self._wake()

    def handlers(self) -> dict[str, Handler]:
        return {PRUNE: self.fire}

    def fire(self, timer: ClaimedTimer) -> Outcome:
        """The ``retention.prune`` timer: prune, then go again after the interval (or right away
        when rows past their age are left)."""
        pruned = self.prune()
        if pruned.slack_events or pruned.alert_payloads:
            log.info(
                "retention pruned %d Slack event ids and %d alert payloads",
                pruned.slack_events,
                pruned.alert_payloads,
            )
        now = self._clock()
        return Reschedule(now + self._policy.interval if pruned.finished else now)

    def on_failure(self, failure: TimerFailure) -> None:
        """Pruning gave up after its retries: say so, and try again after the interval."""
        if failure.timer.kind != PRUNE:
            return
        log.error("retention pruning failed, trying again later: %s", failure.error)
        now = self._clock()
        with self._sessions.begin() as session:
            timers.schedule(session, PRUNE_KEY, PRUNE, now + self._policy.interval, None, now)
        self._wake()

    def prune(self) -> Pruned:
        """Delete what is past its age, in batches, up to ``max_batches`` batches."""
        now = self._clock()
        events_before = now - self._policy.slack_events
        payloads_before = now - self._policy.alert_payloads
        budget = _Budget(self._max_batches)
        events = budget.drain(
            self._sessions,
            lambda session: repo.prune_slack_events(session, events_before, self._batch_size),
            self._batch_size,
        )
        payloads = budget.drain(
            self._sessions,
            lambda session: self._prune_payloads(session, payloads_before),
            self._batch_size,
        )
        return Pruned(events, payloads, finished=not budget.exhausted)

    def _prune_payloads(self, session: Session, before: datetime) -> int:
        ids = repo.prune_alert_payloads(session, before, self._batch_size)
        repo.delete_finished_timers(session, [process_key(i) for i in ids])
        return len(ids)


class _Budget:
    """Batches left in one firing, shared by the tables pruned in turn."""

    def __init__(self, batches: int) -> None:
        self._left = batches
        self.exhausted = False

    def drain(
        self, sessions: sessionmaker[Session], batch: Callable[[Session], int], size: int
    ) -> int:
        """Run ``batch`` (one transaction each) until it deletes fewer than ``size`` rows or the
        budget runs out; the rows deleted."""
        total = 0
        while self._left > 0:
            self._left -= 1
            with sessions.begin() as session:
                deleted = batch(session)
            total += deleted
            if deleted < size:
                return total
        self.exhausted = True
        return total

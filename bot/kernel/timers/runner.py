"""The runner: claims due timers, runs their handlers, stores the outcome under the lease check.

Each replica runs one ``TimerRunner``. Its APScheduler 3 ``BackgroundScheduler`` has two jobs that
both start a *pass* (claim a batch, fire it, repeat while batches come back full, then plan):

* the **sweep**, every ``sweep_seconds``: the guarantee. It picks up timers scheduled by other
  replicas and timers whose lease expired because their claimer died.
* the **wake**, one-shot, planned after every pass at the next claimable instant, and moved to
  "now" by ``wake()``, which app code calls after committing a timer that may be due soon. It
  makes timers fire on time rather than up to ``sweep_seconds`` late; it is best effort (a wake
  that lands while the previous one is still finishing is dropped), the sweep backs it up.

Passes never overlap within a runner (a wake during a pass makes that pass go round once more);
across replicas, ``store.claim_due`` makes each claim exclusive.

Within a pass, a claimed batch fires on up to ``concurrency`` threads: a handler spends most of
its time waiting on Slack's answers and the database's write lock, and one after another they
capped a replica near 30 incident set-ups per second whatever its CPU (bench/README.md, issue
#17). Timers whose keys share their scope (the first two parts, ``incident:42``) still fire one
after another in claim order, so an incident's set-up, card refresh and announcements keep
their order; the batch is done when every group is.

A firing is short transactions, so no row lock or connection is held while a handler talks to
Slack or PagerDuty: (1) claim and commit, (2) right before the handler, check that the lease is
still ours, renewing it (and committing) if less than ``FRESH_LEASE`` of it is left (so a
batch's earlier handlers do not eat the later ones' lease), (3) after the handler, store its
outcome if the lease is still ours, unless the handler did so itself in the transaction of its
last effect (``Completed``: one write fewer).

**Lease contract.** ``lease_seconds`` must exceed the longest run of any single handler (which
starts with at least ``FRESH_LEASE`` of its lease left); handlers bound their I/O with timeouts
well below it (a handler that may legitimately run longer calls ``store.extend_lease`` from its
own session as it goes). A handler that outlives its lease can be
fired a second time by another replica; its own result is then refused (logged as a warning and
observed as ``superseded``, never dropped silently), and its side effects must already be guarded
by ``store.record_effect_once``. Handlers are therefore written to be safe to run again: the
runner delivers each timer exactly once among replicas that keep their leases, and at least once
when one does not (a crash, a stall, a database outage between the handler and its outcome).

**Failures.** A handler that raises is retried after an exponential, fully jittered backoff until
``max_attempts`` attempts have failed; then the timer is marked failed and ``on_failure`` is
called once (after the failure is committed; only the lease holder can commit it). Claims that
expire without any result also count as attempts, so a handler that kills its process is given up
on too. An unknown kind fails at once. ``on_failure`` and ``observe`` are guarded: an exception in
them is logged and never stops the runner.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor as _Pool
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session

from bot.kernel.storage.types import NaiveDatetimeError
from bot.kernel.timers import store
from bot.kernel.timers.backoff import Backoff
from bot.kernel.timers.outcomes import (
    Completed,
    Done,
    Handler,
    Observation,
    Outcome,
    OutcomeName,
    Reschedule,
    TimerFailure,
)
from bot.kernel.timers.store import ClaimedTimer

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "warroom-timers-sweep"
WAKE_JOB_ID = "warroom-timers-wake"
# A pass drains full batches, but hands the thread back now and then so a handler that keeps
# rescheduling itself for "now" cannot monopolise it.
_MAX_BATCHES_PER_PASS = 20
# A timer reported claimable that we could not claim is locked by someone else's transaction
# (PostgreSQL SKIP LOCKED): look again shortly instead of spinning.
_LOCKED_RECHECK_SECONDS = 1.0
# A wake planned closer than this could fall due while this pass's job is still running, and
# APScheduler would drop it (max_instances=1); sleeping that long and going round is cheaper.
_MIN_WAKE_DELAY_SECONDS = 0.05
# A handler starts with at least this share of its lease left: a fresher claim is only checked
# before the handler runs, an older one renewed.
FRESH_LEASE = 0.9

Settle = Callable[[Session, datetime], bool]


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_owner() -> str:
    """A replica identity unique across hosts, processes and restarts: host, pid, random suffix."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class TimerRunner:
    """Fires due timers through ``handlers`` (by kind); see the module docstring for contracts.

    ``session_factory`` makes sessions on the shared database; ``owner`` identifies this replica
    (at most 100 characters, see ``default_owner``); ``clock`` returns aware UTC instants and is
    the only time source for timer rows (APScheduler's own real-time wake-ups are translated).
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        handlers: Mapping[str, Handler],
        owner: str,
        clock: Callable[[], datetime] = utc_now,
        *,
        lease_seconds: float = 60.0,
        batch: int = 20,
        max_attempts: int = 8,
        backoff: Backoff | None = None,
        on_failure: Callable[[TimerFailure], None] | None = None,
        observe: Callable[[Observation], None] | None = None,
        sweep_seconds: float = 5.0,
        rng: random.Random | None = None,
        concurrency: int = 4,
    ) -> None:
        if lease_seconds <= 0 or batch <= 0 or max_attempts <= 0 or sweep_seconds <= 0:
            raise ValueError("lease_seconds, batch, max_attempts and sweep_seconds must be > 0")
        if concurrency <= 0:
            raise ValueError("concurrency must be > 0")
        if not owner or len(owner) > store.MAX_OWNER_LENGTH:
            raise ValueError(f"owner must be 1 to {store.MAX_OWNER_LENGTH} characters")
        self._session_factory = session_factory
        self._handlers: dict[str, Handler] = {}
        self._on_failure: list[Callable[[TimerFailure], None]] = []
        self._owner = owner
        self._clock = clock
        self._lease_seconds = lease_seconds
        self._batch = batch
        self._max_attempts = max_attempts
        self._backoff = backoff or Backoff()
        self._observe = observe
        self._sweep_seconds = sweep_seconds
        self._concurrency = concurrency
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._passing = False
        self._again = False
        self._started = False
        self._stopped = False
        self.plug(handlers, on_failure)
        self._scheduler = _Scheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                # A pass is idempotent and late is better than never (a suspended laptop, a
                # long GC pause): run missed jobs however late.
                "misfire_grace_time": None,
            },
        )

    @property
    def owner(self) -> str:
        return self._owner

    def plug(
        self,
        handlers: Mapping[str, Handler],
        on_failure: Callable[[TimerFailure], None] | None = None,
    ) -> None:
        """Add a family of handlers and the reporter of its final failures. Each reporter hears
        about every failure and ignores the kinds that are not its own. Two handlers for one
        kind is a wiring bug (one would silently never run), refused."""
        with self._lock:
            if self._started:
                raise RuntimeError("plug the timer handlers in before start()")
            for kind in handlers:
                if kind in self._handlers:
                    raise ValueError(f"two timer handlers for the kind {kind!r}")
            self._handlers.update(handlers)
            if on_failure is not None:
                self._on_failure.append(on_failure)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sweep and run a first pass right away. A runner starts at most once."""
        with self._lock:
            if self._started:
                raise RuntimeError("TimerRunner.start() called twice")
            self._started = True
        self._scheduler.add_job(
            self._tick, "interval", seconds=self._sweep_seconds, id=SWEEP_JOB_ID
        )
        self._scheduler.start()
        self.wake()

    def shutdown(self, wait: bool = True) -> None:
        """Stop scheduling; with ``wait`` let a running pass finish and store its outcomes."""
        with self._lock:
            if not self._started or self._stopped:
                return
            self._stopped = True
        self._scheduler.shutdown(wait=wait)

    def wake(self) -> None:
        """Look for due timers now. Call it after committing a timer that may be due soon.

        Cheap and non-blocking (the pass runs on the scheduler's thread); repeated calls
        coalesce. A no-op before ``start()`` and after ``shutdown()``.
        """
        with self._lock:
            if not self._started or self._stopped:
                return
            if self._passing:
                self._again = True
                return
        self._scheduler.add_job(self._tick, "date", id=WAKE_JOB_ID, replace_existing=True)

    # -- one pass ----------------------------------------------------------------------------

    def run_due_once(self) -> int:
        """Claim one batch of due timers, fire each, store the outcomes; return how many.

        Synchronous and independent of the scheduler, for tests with an injected clock and for
        a one-off run. Database errors while claiming propagate; per-timer errors do not.
        """
        with self._transaction() as session:
            claimed = store.claim_due(
                session, self._owner, self._clock(), self._lease_seconds, self._batch
            )
        groups = _by_scope(claimed)
        if self._concurrency == 1 or len(groups) <= 1:
            for group in groups:
                self._fire_in_turn(group)
        else:
            # Threads live for one batch: starting a few costs far less than one Slack call,
            # and nothing is left running once the pass (or a test's run_due_once) returns.
            with _Pool(min(self._concurrency, len(groups)), "warroom-timer") as pool:
                for done in [pool.submit(self._fire_in_turn, group) for group in groups]:
                    done.result()
        return len(claimed)

    def _fire_in_turn(self, timers: Sequence[ClaimedTimer]) -> None:
        for timer in timers:
            self._fire(timer)

    def _fire(self, timer: ClaimedTimer) -> None:
        started = self._clock()
        lateness = (started - timer.due_at).total_seconds()
        try:
            held = self._still_held(timer, started)
        except Exception:
            log.exception("timer %s: could not renew its lease; not firing it now", timer.key)
            self._report(timer, lateness, "error")
            return
        if not held:
            self._say_superseded(timer)
            self._report(timer, lateness, "superseded")
            return
        self._report(timer, lateness, self._run_handler(timer, started))

    def _still_held(self, timer: ClaimedTimer, now: datetime) -> bool:
        """Renew the lease right before the handler, or only check that it is still ours while
        nearly all of it is left (most timers fire within milliseconds of their claim): on
        SQLite a renewal is a turn at the one write lock, a read is not."""
        if timer.lease_expires_at is not None:
            left = (timer.lease_expires_at - now).total_seconds()
            if left >= self._lease_seconds * FRESH_LEASE:
                with self._session_factory() as session:
                    return store.holds(session, timer)
        with self._transaction() as session:
            return store.extend_lease(session, timer, now, self._lease_seconds)

    def _say_superseded(self, timer: ClaimedTimer) -> None:
        """A claim that is no longer ours: usually its key was scheduled again after this batch
        claimed it (a card refresh asked for twice), which is normal and fires at the new due
        time; a lease another replica took after ours ran out is worth a warning."""
        holder = self._holder(timer)
        if holder is None:
            log.debug("timer %s: scheduled again since it was claimed; fires then", timer.key)
        else:
            log.warning(
                "timer %s: lease lost before its handler ran (now held by %s); skipped",
                timer.key,
                holder,
            )

    def _holder(self, timer: ClaimedTimer) -> str | None:
        """Who holds the timer's lease now (None: nobody, it was scheduled again or ended)."""
        with self._session_factory() as session:
            state = store.get(session, timer.key)
        return state.lease_owner if state is not None else None

    def _run_handler(self, timer: ClaimedTimer, started: datetime) -> OutcomeName:
        handler = self._handlers.get(timer.kind)
        if handler is None:
            known = ", ".join(sorted(self._handlers)) or "none"
            return self._give_up(
                timer, f"no handler for timer kind {timer.kind!r} (known kinds: {known})"
            )
        if timer.attempts > self._max_attempts:
            return self._give_up(
                timer,
                f"gave up after {timer.attempts - 1} attempts: the last claim(s) expired without "
                f"a result (handler slower than its {self._lease_seconds:g} s lease, or its "
                "process died)",
            )
        try:
            outcome = _checked(handler(timer))
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            log.warning(
                "timer %s (%s) attempt %d/%d failed: %s",
                timer.key,
                timer.kind,
                timer.attempts,
                self._max_attempts,
                error,
                exc_info=True,
            )
            if timer.attempts >= self._max_attempts:
                return self._give_up(timer, f"failed {timer.attempts} times; last error: {error}")
            retry_at = self._clock() + self._backoff.delay(timer.attempts, self._rng)
            return self._settle(
                timer, lambda s, now: store.retry_later(s, timer, error, retry_at, now), "retry"
            )
        self._warn_if_overran(timer, started)
        if isinstance(outcome, Completed):
            return "done" if outcome.stored else self._discarded(timer, "done")
        if isinstance(outcome, Reschedule):
            due_at, payload = outcome.due_at, outcome.payload
            return self._settle(
                timer,
                lambda s, now: store.reschedule(s, timer, due_at, payload, now),
                "rescheduled",
            )
        return self._settle(timer, lambda s, now: store.complete(s, timer, now), "done")

    def _give_up(self, timer: ClaimedTimer, error: str) -> OutcomeName:
        outcome = self._settle(timer, lambda s, now: store.fail(s, timer, error, now), "failed")
        if outcome == "failed":
            log.error("timer %s (%s) failed for good: %s", timer.key, timer.kind, error)
            for report in self._on_failure:
                try:
                    report(TimerFailure(timer=timer, error=error))
                except Exception:
                    log.exception("on_failure raised for timer %s", timer.key)
        return outcome

    def _settle(self, timer: ClaimedTimer, settle: Settle, success: OutcomeName) -> OutcomeName:
        try:
            with self._transaction() as session:
                stored = settle(session, self._clock())
        except Exception:
            log.exception(
                "timer %s: could not store its outcome (%s); it fires again when the lease expires",
                timer.key,
                success,
            )
            return "error"
        return success if stored else self._discarded(timer, success)

    def _discarded(self, timer: ClaimedTimer, outcome: OutcomeName) -> OutcomeName:
        holder = self._holder(timer)
        if holder is None:  # scheduled again or cancelled while it ran: normal
            log.debug("timer %s: scheduled again while it ran; %s not stored", timer.key, outcome)
        else:
            log.warning(
                "timer %s: outcome %s discarded: its lease ran out and %s holds it now",
                timer.key,
                outcome,
                holder,
            )
        return "superseded"

    def _warn_if_overran(self, timer: ClaimedTimer, started: datetime) -> None:
        took = (self._clock() - started).total_seconds()
        if took >= self._lease_seconds:
            log.warning(
                "timer %s (%s): handler took %.1f s, longer than its %g s lease",
                timer.key,
                timer.kind,
                took,
                self._lease_seconds,
            )

    def _report(self, timer: ClaimedTimer, lateness: float, outcome: OutcomeName) -> None:
        if self._observe is None:
            return
        try:
            self._observe(Observation(timer.kind, timer.key, timer.attempts, lateness, outcome))
        except Exception:
            log.exception("observe raised for timer %s", timer.key)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self._session_factory() as session, session.begin():
            yield session

    # -- scheduling --------------------------------------------------------------------------

    def _tick(self) -> None:
        with self._lock:
            if self._passing:
                self._again = True
                return
            self._passing = True
            self._again = False
        try:
            while True:
                self._pass()
                with self._lock:
                    if not self._again:
                        self._passing = False
                        return
                    self._again = False
        except BaseException:
            with self._lock:
                self._passing = False
            raise

    def _pass(self) -> None:
        try:
            fired = 0
            for _ in range(_MAX_BATCHES_PER_PASS):
                count = self.run_due_once()
                fired += count
                if count < self._batch:
                    break
            self._plan_wake(made_progress=fired > 0)
        except Exception:
            log.exception("timer pass failed; the sweep tries again in %g s", self._sweep_seconds)

    def _plan_wake(self, made_progress: bool) -> None:
        with self._session_factory() as session:  # a read: on SQLite, no turn at the write lock
            next_at = store.next_due_at(session)
        if next_at is None:
            return
        delay = (next_at - self._clock()).total_seconds()
        if delay <= 0:
            if made_progress:
                with self._lock:
                    self._again = True
                return
            delay = _LOCKED_RECHECK_SECONDS
        elif delay < _MIN_WAKE_DELAY_SECONDS:
            time.sleep(delay)
            with self._lock:
                self._again = True
            return
        if self._stopped:
            return
        self._scheduler.add_job(
            self._tick,
            "date",
            run_date=utc_now() + timedelta(seconds=delay),
            id=WAKE_JOB_ID,
            replace_existing=True,
        )


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """A scheduler whose thread survives a one-shot wake job that vanished before its removal.

    Seen in tests (rarely, when a runner is started and shut down within moments): APScheduler's
    loop removes a fired date job and raises ``JobLookupError`` if it is already gone, which
    kills the scheduler thread and, with it, every later timer pass of this replica.
    """

    def remove_job(self, job_id: str, jobstore: str | None = None) -> None:
        try:
            super().remove_job(job_id, jobstore)
        except JobLookupError:
            log.debug("timer job %s was already gone", job_id)


def _by_scope(claimed: Sequence[ClaimedTimer]) -> list[list[ClaimedTimer]]:
    """The batch split by key scope (``incident:42:card`` -> ``incident:42``), claim order kept."""
    groups: dict[str, list[ClaimedTimer]] = {}
    for timer in claimed:
        groups.setdefault(":".join(timer.key.split(":", 2)[:2]), []).append(timer)
    return list(groups.values())


def _checked(outcome: Outcome) -> Outcome:
    """Reject what the runner could not store, so it counts as a handler error (and retries)."""
    if isinstance(outcome, Reschedule):
        due_at = outcome.due_at
        if due_at.tzinfo is None or due_at.utcoffset() is None:
            raise NaiveDatetimeError(f"Reschedule.due_at={due_at!r} is naive")
        return outcome
    if isinstance(outcome, Done | Completed):
        return outcome
    raise TypeError(
        f"handler returned {outcome!r}, expected Done(), Completed(...) or Reschedule(...)"
    )

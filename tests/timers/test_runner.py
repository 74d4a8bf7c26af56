"""``TimerRunner.run_due_once`` with an injected clock: outcomes, retries, failures, leases."""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any, cast

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.types import NaiveDatetimeError
from bot.kernel.timers import store
from bot.kernel.timers.backoff import Backoff
from bot.kernel.timers.outcomes import (
    Completed,
    Done,
    Handler,
    Observation,
    Outcome,
    Reschedule,
    TimerFailure,
)
from bot.kernel.timers.runner import TimerRunner, default_owner
from bot.kernel.timers.store import ClaimedTimer
from tests.timers.conftest import T0, FakeClock

S = timedelta(seconds=1)


class Recorder:
    """Handlers that record their calls and return (or raise) what they are told to."""

    def __init__(self) -> None:
        self.calls: list[ClaimedTimer] = []
        self.failures: list[TimerFailure] = []
        self.observations: list[Observation] = []

    def done(self, timer: ClaimedTimer) -> Outcome:
        self.calls.append(timer)
        return Done()

    def broken(self, timer: ClaimedTimer) -> Outcome:
        self.calls.append(timer)
        raise ConnectionError("slack is down")

    def on_failure(self, failure: TimerFailure) -> None:
        self.failures.append(failure)


def _runner(
    sessions: sessionmaker[Session],
    clock: FakeClock,
    handlers: dict[str, Handler],
    recorder: Recorder | None = None,
    **options: Any,
) -> TimerRunner:
    recorder = recorder or Recorder()
    return TimerRunner(
        sessions,
        handlers,
        owner=str(options.pop("owner", "replica-1")),
        clock=clock,
        on_failure=recorder.on_failure,
        observe=recorder.observations.append,
        rng=random.Random(7),
        **options,
    )


def _schedule(
    sessions: sessionmaker[Session],
    key: str,
    due_at: datetime,
    kind: str = "reminder",
    payload: dict[str, object] | None = None,
) -> None:
    with sessions.begin() as session:
        store.schedule(session, key, kind, due_at, payload, T0)


def _state(sessions: sessionmaker[Session], key: str) -> store.TimerState:
    with sessions() as session:
        state = store.get(session, key)
    assert state is not None
    return state


def test_fires_due_timers_once_and_marks_them_done(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    rec = Recorder()
    runner = _runner(sessions, clock, {"reminder": rec.done}, rec)
    _schedule(sessions, "a", T0 - 5 * S, payload={"incident_id": 7})
    _schedule(sessions, "b", T0 + 60 * S)

    assert runner.run_due_once() == 1
    assert runner.run_due_once() == 0

    assert [(c.key, c.payload, c.attempts) for c in rec.calls] == [("a", {"incident_id": 7}, 1)]
    state = _state(sessions, "a")
    assert (state.status, state.fired_at) == ("done", T0)
    assert rec.observations == [Observation("reminder", "a", 1, 5.0, "done")]

    clock.advance(60)
    assert runner.run_due_once() == 1
    assert [c.key for c in rec.calls] == ["a", "b"]


def test_reschedule_outcome_makes_a_recurring_reminder(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    seen: list[int] = []

    def remind(timer: ClaimedTimer) -> Outcome:
        n = int(timer.payload["n"])
        seen.append(n)
        if n == 3:
            return Done()
        return Reschedule(timer.due_at + timedelta(minutes=30), {"n": n + 1})

    runner = _runner(sessions, clock, {"reminder": remind})
    _schedule(sessions, "incident:1:status-reminder", T0, payload={"n": 1})

    for _ in range(5):
        runner.run_due_once()
        clock.advance(30 * 60)

    assert seen == [1, 2, 3]
    state = _state(sessions, "incident:1:status-reminder")
    assert (state.status, state.payload) == ("done", {"n": 3})


def test_reschedule_without_payload_keeps_it(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    runner = _runner(sessions, clock, {"reminder": lambda t: Reschedule(T0 + 60 * S)})
    _schedule(sessions, "k", T0, payload={"keep": "me"})
    runner.run_due_once()
    state = _state(sessions, "k")
    assert (state.due_at, state.payload, state.status) == (T0 + 60 * S, {"keep": "me"}, "pending")


def test_a_raising_handler_is_retried_with_backoff_then_fails_once(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    rec = Recorder()
    backoff = Backoff(base_seconds=2, cap_seconds=10)
    runner = _runner(sessions, clock, {"page": rec.broken}, rec, max_attempts=4, backoff=backoff)
    _schedule(sessions, "incident:9:escalation:1", T0, kind="page")

    for attempt in range(1, 4):
        assert runner.run_due_once() == 1
        state = _state(sessions, "incident:9:escalation:1")
        assert (state.status, state.attempts) == ("pending", attempt)
        assert state.last_error == "ConnectionError: slack is down"
        delay = (state.due_at - clock()).total_seconds()
        assert 0 <= delay <= backoff.ceiling(attempt)
        assert rec.failures == []
        clock.advance(backoff.ceiling(attempt))

    assert runner.run_due_once() == 1
    clock.advance(3600)
    assert runner.run_due_once() == 0

    assert len(rec.calls) == 4
    state = _state(sessions, "incident:9:escalation:1")
    assert state.status == "failed"
    assert state.last_error == "failed 4 times; last error: ConnectionError: slack is down"
    assert len(rec.failures) == 1
    assert rec.failures[0].timer.key == "incident:9:escalation:1"
    assert rec.failures[0].error == state.last_error
    assert [o.outcome for o in rec.observations] == ["retry", "retry", "retry", "failed"]


def test_a_raising_on_failure_does_not_crash_the_runner(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    calls: list[str] = []

    def ok(timer: ClaimedTimer) -> Outcome:
        calls.append(timer.key)
        return Done()

    def on_failure(failure: TimerFailure) -> None:
        raise RuntimeError("chat is down too")

    def observe(observation: Observation) -> None:
        raise RuntimeError("metrics broke")

    runner = TimerRunner(
        sessions,
        {"ok": ok},
        owner="r",
        clock=clock,
        on_failure=on_failure,
        observe=observe,
    )
    _schedule(sessions, "bad", T0 - S, kind="nobody-handles-this")
    _schedule(sessions, "good", T0, kind="ok")

    assert runner.run_due_once() == 2
    assert calls == ["good"]
    assert _state(sessions, "bad").status == "failed"
    assert _state(sessions, "good").status == "done"


def test_unknown_kind_fails_at_once_with_a_clear_error(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    rec = Recorder()
    runner = _runner(sessions, clock, {"reminder": rec.done, "page": rec.done}, rec)
    _schedule(sessions, "k", T0, kind="handoff")

    runner.run_due_once()

    state = _state(sessions, "k")
    assert state.status == "failed"
    assert state.last_error == "no handler for timer kind 'handoff' (known kinds: page, reminder)"
    assert [f.timer.key for f in rec.failures] == ["k"]
    assert rec.calls == []


def test_families_plugged_in_each_fire_their_kinds_and_hear_their_failures(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    first, second = Recorder(), Recorder()
    runner = _runner(sessions, clock, {"a.one": first.done}, first)
    runner.plug({"b.one": second.done, "b.two": second.broken}, second.on_failure)
    for key, kind in [("1", "a.one"), ("2", "b.one"), ("3", "b.two")]:
        _schedule(sessions, key, T0, kind=kind)

    runner.run_due_once()

    assert [t.key for t in first.calls] == ["1"]
    assert sorted(t.key for t in second.calls) == ["2", "3"]
    assert _state(sessions, "2").status == "done"


def test_two_families_claiming_one_kind_are_refused(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    rec = Recorder()
    runner = _runner(sessions, clock, {"card.refresh": rec.done}, rec)
    with pytest.raises(ValueError, match=r"'card\.refresh'"):
        runner.plug({"card.refresh": rec.done})


def test_every_failure_reporter_hears_a_final_failure(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    first, second = Recorder(), Recorder()
    runner = _runner(sessions, clock, {"a.one": first.done}, first, max_attempts=1)
    runner.plug({"b.one": second.broken}, second.on_failure)
    _schedule(sessions, "k", T0, kind="b.one")

    runner.run_due_once()

    assert [f.timer.key for f in first.failures] == ["k"]
    assert [f.timer.key for f in second.failures] == ["k"]


@pytest.mark.parametrize(
    "bad_outcome",
    [None, "done", Reschedule(datetime(2030, 1, 1))],  # noqa: DTZ001  (naive on purpose)
)
def test_an_invalid_outcome_counts_as_a_handler_error(
    sessions: sessionmaker[Session], clock: FakeClock, bad_outcome: object
) -> None:
    runner = _runner(sessions, clock, {"reminder": lambda t: cast(Outcome, bad_outcome)})
    _schedule(sessions, "k", T0)
    runner.run_due_once()
    state = _state(sessions, "k")
    assert (state.status, state.attempts) == ("pending", 1)
    assert state.last_error is not None
    assert state.last_error.startswith(("TypeError", NaiveDatetimeError.__name__))


def test_lease_expiry_refires_on_another_replica_and_discards_the_stale_result(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """Replica 1 stalls inside its handler past the lease; replica 2 fires the timer again."""
    calls: Counter[str] = Counter()
    rec2 = Recorder()
    replica2 = _runner(
        sessions, clock, {"page": rec2.done}, rec2, owner="replica-2", lease_seconds=30
    )

    def stalls(timer: ClaimedTimer) -> Outcome:
        calls[timer.key] += 1
        clock.advance(31)
        assert replica2.run_due_once() == 1
        return Done()

    rec1 = Recorder()
    replica1 = _runner(sessions, clock, {"page": stalls}, rec1, owner="replica-1", lease_seconds=30)
    _schedule(sessions, "k", T0, kind="page")

    assert replica1.run_due_once() == 1

    assert calls["k"] == 1
    assert [c.attempts for c in rec2.calls] == [2]
    assert [o.outcome for o in rec1.observations] == ["superseded"]
    assert [o.outcome for o in rec2.observations] == ["done"]
    assert _state(sessions, "k").status == "done"


def test_rescheduling_the_key_during_its_handler_wins(
    sessions: sessionmaker[Session], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """``/incident update`` resets the reminder while the old reminder is being posted."""
    rec = Recorder()

    def remind(timer: ClaimedTimer) -> Outcome:
        with sessions.begin() as session:
            store.schedule(session, timer.key, "reminder", T0 + 1800 * S, {"v": 2}, clock())
        return Reschedule(T0 + 60 * S, {"v": "stale"})

    runner = _runner(sessions, clock, {"reminder": remind}, rec)
    _schedule(sessions, "incident:1:status-reminder", T0, payload={"v": 1})

    with caplog.at_level(logging.WARNING, logger="bot.kernel.timers.runner"):
        runner.run_due_once()

    state = _state(sessions, "incident:1:status-reminder")
    assert (state.due_at, state.payload, state.status) == (T0 + 1800 * S, {"v": 2}, "pending")
    assert [o.outcome for o in rec.observations] == ["superseded"]
    assert caplog.records == []  # normal, not a warning


def test_a_claimed_timer_scheduled_again_before_it_fires_waits_quietly_for_its_new_time(
    sessions: sessionmaker[Session], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """One batch claims the provisioning and a card refresh; provisioning asks for the card
    again: the claimed refresh is superseded (no warning in one replica) and fires later."""
    rec = Recorder()

    def provision(timer: ClaimedTimer) -> Outcome:
        with sessions.begin() as session:
            store.schedule(session, "incident:1:card", "card", T0 + 5 * S, None, clock())
        return Done()

    runner = _runner(sessions, clock, {"provision": provision, "card": rec.done}, rec)
    _schedule(sessions, "incident:1:provision", T0, kind="provision")
    _schedule(sessions, "incident:1:card", T0, kind="card")

    with caplog.at_level(logging.DEBUG, logger="bot.kernel.timers.runner"):
        assert runner.run_due_once() == 2
    assert rec.calls == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "scheduled again since it was claimed" in caplog.text
    clock.advance(5)
    assert runner.run_due_once() == 1
    assert [t.key for t in rec.calls] == ["incident:1:card"]


def test_a_lease_another_replica_took_is_warned_about(
    sessions: sessionmaker[Session], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    def slow(timer: ClaimedTimer) -> Outcome:
        clock.advance(61)  # past replica 1's lease on the next timer of its batch
        with sessions.begin() as session:
            store.claim_due(session, "replica-2", clock(), 60, 10)
        return Done()

    replica1 = _runner(sessions, clock, {"page": slow}, Recorder(), owner="replica-1")
    # One scope: the batch fires them one after another, so b waits behind a's slow handler.
    _schedule(sessions, "incident:1:a", T0, kind="page")
    _schedule(sessions, "incident:1:b", T0, kind="page")
    with caplog.at_level(logging.WARNING, logger="bot.kernel.timers.runner"):
        replica1.run_due_once()
    assert "timer incident:1:b: lease lost before its handler ran (now held by replica-2#" in (
        caplog.text
    )


def test_claims_that_keep_expiring_are_given_up(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    """A handler that kills its process never reports; expired claims still count as attempts."""
    rec = Recorder()
    runner = _runner(sessions, clock, {"page": rec.done}, rec, max_attempts=3, lease_seconds=10)
    _schedule(sessions, "k", T0, kind="page")
    for _ in range(3):
        with sessions.begin() as session:
            assert len(store.claim_due(session, "crashing-replica", clock(), 10, 10)) == 1
        clock.advance(11)

    assert runner.run_due_once() == 1

    assert rec.calls == []
    state = _state(sessions, "k")
    assert state.status == "failed"
    assert state.last_error is not None
    assert "gave up after 3 attempts" in state.last_error
    assert len(rec.failures) == 1


def test_batch_limits_one_pass(sessions: sessionmaker[Session], clock: FakeClock) -> None:
    rec = Recorder()
    runner = _runner(sessions, clock, {"reminder": rec.done}, rec, batch=3)
    for i in range(7):
        _schedule(sessions, f"k{i}", T0 - i * S)
    assert [runner.run_due_once() for _ in range(4)] == [3, 3, 1, 0]
    assert sorted(c.key for c in rec.calls) == [f"k{i}" for i in range(7)]


def test_constructor_validates(sessions: sessionmaker[Session], clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="owner"):
        TimerRunner(sessions, {}, owner="", clock=clock)
    with pytest.raises(ValueError, match="lease_seconds"):
        TimerRunner(sessions, {}, owner="r", clock=clock, lease_seconds=0)
    owner = default_owner()
    assert 0 < len(owner) <= store.MAX_OWNER_LENGTH
    assert owner != default_owner()


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    backoff = Backoff()
    assert [backoff.ceiling(n) for n in range(1, 10)] == [2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert backoff.ceiling(10_000) == 300
    rng = random.Random(1)
    delays = [backoff.delay(5, rng).total_seconds() for _ in range(200)]
    assert all(0 <= d <= 32 for d in delays)
    assert min(delays) < 8 < 24 < max(delays)
    with pytest.raises(ValueError, match="base_seconds"):
        Backoff(base_seconds=10, cap_seconds=1)


def test_a_batch_fires_other_scopes_side_by_side_and_one_scope_in_claim_order(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    # Two incidents' timers wait for each other: only a runner firing them side by side gets
    # both through the barrier (a serial one would break it and record the error).
    both_started = threading.Barrier(2, timeout=30)
    order: list[str] = []
    lock = threading.Lock()

    def meet(timer: ClaimedTimer) -> Outcome:
        both_started.wait()
        with lock:
            order.append(timer.key)
        return Done()

    def note(timer: ClaimedTimer) -> Outcome:
        with lock:
            order.append(timer.key)
        return Done()

    _schedule(sessions, "incident:1:provision", T0, kind="meet")
    _schedule(sessions, "incident:2:provision", T0, kind="meet")
    for n in range(3):
        _schedule(sessions, f"incident:1:announce:{n}", T0 + n * S / 10, kind="note")
    clock.advance(1)
    recorder = Recorder()
    runner = _runner(sessions, clock, {"meet": meet, "note": note}, recorder, concurrency=4)

    assert runner.run_due_once() == 5
    assert {o.outcome for o in recorder.observations} == {"done"}
    incident_1 = [key for key in order if key.startswith("incident:1:")]
    assert incident_1 == [
        "incident:1:provision",
        "incident:1:announce:0",
        "incident:1:announce:1",
        "incident:1:announce:2",
    ]


@pytest.mark.parametrize(
    ("first_handler_seconds", "lease_at_second_handler"),
    [(1, T0 + 60 * S), (10, T0 + 70 * S)],
    ids=["fresh claim: checked, not written", "a sixth of it used: renewed"],
)
def test_a_handler_starts_with_nearly_all_of_its_lease(
    sessions: sessionmaker[Session],
    clock: FakeClock,
    first_handler_seconds: int,
    lease_at_second_handler: datetime,
) -> None:
    """Renewing the lease before every handler was a write (on SQLite, a turn at its one write
    lock) even for a claim made a millisecond earlier; now only a claim with less than 90% of
    its lease left is renewed."""
    leases: dict[str, datetime | None] = {}

    def page(timer: ClaimedTimer) -> Outcome:
        leases[timer.key] = _state(sessions, timer.key).lease_expires_at
        clock.advance(first_handler_seconds)
        return Done()

    runner = _runner(sessions, clock, {"page": page}, lease_seconds=60)
    # One scope: b fires after a's handler, with what is left of the batch's lease.
    _schedule(sessions, "incident:1:a", T0, kind="page")
    _schedule(sessions, "incident:1:b", T0, kind="page")
    assert runner.run_due_once() == 2
    assert leases == {"incident:1:a": T0 + 60 * S, "incident:1:b": lease_at_second_handler}
    assert _state(sessions, "incident:1:b").status == store.DONE


@pytest.mark.parametrize("lease_kept", [True, False], ids=["lease kept", "lease lost"])
def test_a_handler_can_complete_its_timer_in_its_own_transaction(
    sessions: sessionmaker[Session], clock: FakeClock, lease_kept: bool
) -> None:
    """One write instead of two: the handler's last effect and the timer's end commit together;
    what ``store.complete`` said there is what the runner reports."""
    rec = Recorder()

    def provision(timer: ClaimedTimer) -> Outcome:
        if not lease_kept:  # meanwhile the key was scheduled again: this claim no longer holds
            _schedule(sessions, timer.key, T0 + 5 * S, kind="provision")
        with sessions.begin() as session:
            store.record_effect_once(session, f"{timer.key}:ready", None, clock())
            return Completed(store.complete(session, timer, clock()))

    runner = _runner(sessions, clock, {"provision": provision}, rec)
    _schedule(sessions, "incident:1:provision", T0, kind="provision")
    assert runner.run_due_once() == 1
    state = _state(sessions, "incident:1:provision")
    if lease_kept:
        assert (state.status, state.fired_at) == ("done", T0)
        assert rec.observations[-1].outcome == "done"
    else:
        assert (state.status, state.due_at) == ("pending", T0 + 5 * S)
        assert rec.observations[-1].outcome == "superseded"

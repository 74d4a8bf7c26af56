"""Several claimers racing on one database: every timer fires exactly once, none is lost.

Each thread has its own engine (its own connections and, on SQLite, its own file handles), as
separate replicas or processes would.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.timers import store
from bot.kernel.timers.outcomes import Done, Outcome
from bot.kernel.timers.rows import Effect, Timer
from bot.kernel.timers.runner import TimerRunner
from bot.kernel.timers.store import ClaimedTimer
from tests.timers.conftest import FakeClock

TIMERS = 500


@contextmanager
def _replica_sessions(database_url: str, count: int) -> Iterator[list[sessionmaker[Session]]]:
    engines = [make_engine(database_url) for _ in range(count)]
    try:
        yield [make_session_factory(e) for e in engines]
    finally:
        for e in engines:
            e.dispose()


def _run_together(count: int, work: Callable[[int, threading.Barrier], None]) -> None:
    """Run ``work(i, barrier)`` on ``count`` threads; re-raise the first exception here."""
    barrier = threading.Barrier(count)
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(work, i, barrier) for i in range(count)]
        for future in futures:
            future.result(timeout=120)


def _seed(sessions: sessionmaker[Session], now: datetime, count: int = TIMERS) -> list[str]:
    keys = [f"incident:{i // 5}:escalation:{i % 5}" for i in range(count)]
    with sessions.begin() as session:
        for i, key in enumerate(keys):
            store.schedule(session, key, "page", now - timedelta(seconds=i % 17), {"i": i}, now)
    return keys


def _statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(Timer.status, func.count()).group_by(Timer.status)).all()
    return Counter({str(status): int(n) for status, n in rows})


@pytest.mark.parametrize("claimers", [2, 4, 8])
def test_racing_claimers_fire_every_timer_exactly_once(
    engine: Engine, sessions: sessionmaker[Session], database_url: str, claimers: int
) -> None:
    now = datetime.now(UTC)
    keys = _seed(sessions, now)
    fired: Counter[str] = Counter()
    refused: list[str] = []
    lock = threading.Lock()

    with _replica_sessions(database_url, claimers) as replicas:

        def claim_and_complete(i: int, barrier: threading.Barrier) -> None:
            replica = replicas[i]
            barrier.wait()
            while True:
                with replica.begin() as session:
                    batch = store.claim_due(session, f"replica-{i}", now, 60, 7)
                if not batch:
                    return
                for timer in batch:
                    with lock:
                        fired[timer.key] += 1
                    with replica.begin() as session:
                        if not store.complete(session, timer, now):
                            refused.append(timer.key)

        _run_together(claimers, claim_and_complete)

    assert refused == []
    assert fired == Counter(dict.fromkeys(keys, 1))
    assert _statuses(engine) == Counter(done=TIMERS)


@pytest.mark.parametrize("replicas", [2, 5])
def test_racing_runners_run_each_handler_exactly_once(
    engine: Engine, sessions: sessionmaker[Session], database_url: str, replicas: int
) -> None:
    keys = _seed(sessions, datetime.now(UTC))
    invocations: Counter[str] = Counter()
    lock = threading.Lock()

    def page(timer: ClaimedTimer) -> Outcome:
        with lock:
            invocations[timer.key] += 1
        return Done()

    with _replica_sessions(database_url, replicas) as factories:
        runners = [
            TimerRunner(factories[i], {"page": page}, owner=f"replica-{i}", batch=5)
            for i in range(replicas)
        ]

        def drain(i: int, barrier: threading.Barrier) -> None:
            barrier.wait()
            while runners[i].run_due_once():
                pass

        _run_together(replicas, drain)

    assert invocations == Counter(dict.fromkeys(keys, 1))
    assert _statuses(engine) == Counter(done=TIMERS)


def test_timers_abandoned_by_crashed_claimers_are_fired_by_the_others(
    engine: Engine, sessions: sessionmaker[Session], database_url: str
) -> None:
    """Claimers drop some claims on the floor (a crash); after the lease, survivors finish them."""
    clock = FakeClock(datetime.now(UTC))
    keys = _seed(sessions, clock())
    completed: Counter[str] = Counter()
    lock = threading.Lock()

    with _replica_sessions(database_url, 4) as replicas:

        def flaky_claimer(i: int, barrier: threading.Barrier) -> None:
            rng = random.Random(i)
            replica = replicas[i]
            barrier.wait()
            while True:
                with replica.begin() as session:
                    batch = store.claim_due(session, f"replica-{i}", clock(), 30, 9)
                if not batch:
                    return
                for timer in batch:
                    if rng.random() < 0.1:
                        continue
                    with replica.begin() as session:
                        if store.complete(session, timer, clock()):
                            with lock:
                                completed[timer.key] += 1

        _run_together(4, flaky_claimer)
        abandoned = _statuses(engine)["pending"]
        assert abandoned > 0

        clock.advance(31)
        _run_together(4, flaky_claimer)
        clock.advance(31)
        _run_together(4, flaky_claimer)
        clock.advance(31)
        while True:
            with sessions.begin() as session:
                batch = store.claim_due(session, "survivor", clock(), 30, 50)
                for timer in batch:
                    assert store.complete(session, timer, clock())
                    completed[timer.key] += 1
            if not batch:
                break

    assert completed == Counter(dict.fromkeys(keys, 1))
    assert _statuses(engine) == Counter(done=TIMERS)


def test_concurrent_schedules_of_one_key_never_conflict(engine: Engine, database_url: str) -> None:
    now = datetime.now(UTC)
    writers, rounds = 6, 20

    with _replica_sessions(database_url, writers) as replicas:

        def upsert(i: int, barrier: threading.Barrier) -> None:
            for r in range(rounds):
                barrier.wait()
                with replicas[i].begin() as session:
                    store.schedule(
                        session, f"k{r}", "reminder", now + timedelta(seconds=i), {"by": i}, now
                    )

        _run_together(writers, upsert)

        with replicas[0]() as session:
            for r in range(rounds):
                state = store.get(session, f"k{r}")
                assert state is not None
                assert state.due_at == now + timedelta(seconds=state.payload["by"])
    assert _statuses(engine) == Counter(pending=rounds)


def test_concurrent_record_effect_once_lets_exactly_one_through(
    engine: Engine, database_url: str
) -> None:
    now = datetime.now(UTC)
    recorders, rounds = 6, 20
    winners: Counter[str] = Counter()
    lock = threading.Lock()

    with _replica_sessions(database_url, recorders) as replicas:

        def record(i: int, barrier: threading.Barrier) -> None:
            for r in range(rounds):
                key = f"incident:42:escalation:{r}:loop:0"
                barrier.wait()
                with replicas[i].begin() as session:
                    if store.record_effect_once(session, key, {"by": i}, now):
                        with lock:
                            winners[key] += 1

        _run_together(recorders, record)

    assert winners == Counter({f"incident:42:escalation:{r}:loop:0": 1 for r in range(rounds)})
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Effect)).scalar_one() == rounds

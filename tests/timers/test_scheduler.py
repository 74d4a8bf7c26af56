"""The real ``start()``ed runner on APScheduler: waits poll with generous deadlines, never time."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.timers import store
from bot.kernel.timers.outcomes import Done, Outcome
from bot.kernel.timers.runner import TimerRunner
from bot.kernel.timers.store import ClaimedTimer

DEADLINE_SECONDS = 30.0


def _eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {DEADLINE_SECONDS:g} s: {what}")
        time.sleep(0.05)


class Counting:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, timer: ClaimedTimer) -> Outcome:
        with self._lock:
            self.calls[timer.key] += 1
        return Done()


def _status(sessions: sessionmaker[Session], key: str) -> str | None:
    with sessions() as session:
        state = store.get(session, key)
    return None if state is None else state.status


@pytest.fixture
def runners() -> Iterator[list[TimerRunner]]:
    """Runners to shut down after the test, whatever happens."""
    started: list[TimerRunner] = []
    yield started
    for runner in started:
        runner.shutdown(wait=True)


def test_wake_fires_a_new_timer_without_waiting_for_the_sweep(
    sessions: sessionmaker[Session], runners: list[TimerRunner]
) -> None:
    handler = Counting()
    # An hour-long sweep: only the wake-up path can fire the timer within the deadline.
    runner = TimerRunner(sessions, {"reminder": handler}, owner="replica-1", sweep_seconds=3600)
    runner.start()
    runners.append(runner)

    now = datetime.now(UTC)
    with sessions.begin() as session:
        store.schedule(
            session, "incident:1:status-reminder", "reminder", now + timedelta(seconds=1), {}, now
        )
    runner.wake()

    _eventually(lambda: _status(sessions, "incident:1:status-reminder") == "done", "timer done")
    runner.shutdown(wait=True)
    assert handler.calls == Counter({"incident:1:status-reminder": 1})


def test_two_started_replicas_fire_each_timer_once(
    sessions: sessionmaker[Session], database_url: str, runners: list[TimerRunner]
) -> None:
    handler = Counting()
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        for i, engine in enumerate(engines):
            runner = TimerRunner(
                make_session_factory(engine),
                {"page": handler},
                owner=f"replica-{i}",
                sweep_seconds=0.2,
                batch=4,
            )
            runner.start()
            runners.append(runner)

        now = datetime.now(UTC)
        keys = [f"incident:{i}:escalation:1" for i in range(40)]
        with sessions.begin() as session:
            for i, key in enumerate(keys):
                store.schedule(session, key, "page", now + timedelta(milliseconds=25 * i), {}, now)
        for runner in runners:
            runner.wake()

        _eventually(lambda: sum(handler.calls.values()) >= len(keys), "every timer fired")
        _eventually(
            lambda: all(_status(sessions, key) == "done" for key in keys), "every timer done"
        )
        for runner in runners:
            runner.shutdown(wait=True)
    finally:
        for engine in engines:
            engine.dispose()

    assert handler.calls == Counter(dict.fromkeys(keys, 1))


def test_lifecycle_guards(sessions: sessionmaker[Session]) -> None:
    runner = TimerRunner(sessions, {}, owner="r")
    runner.wake()  # before start: a no-op
    runner.shutdown()  # before start: a no-op
    runner.start()
    try:
        with pytest.raises(RuntimeError, match="twice"):
            runner.start()
    finally:
        runner.shutdown(wait=True)
    runner.wake()  # after shutdown: a no-op
    runner.shutdown()

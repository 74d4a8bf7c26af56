"""Retention against the real test database: what is pruned, what is kept, and the timer."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.alerts.rows import FAILED, PENDING, PROCESSED, AlertGroupRow, AlertPayloadRow, AlertRow
from bot.alerts.service import PROCESS, process_key
from bot.kernel.slack import inbox_store as inbox
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_session_factory
from bot.kernel.timers import store as timers
from bot.kernel.timers.outcomes import TimerFailure
from bot.kernel.timers.rows import Timer
from bot.kernel.timers.runner import TimerRunner
from bot.retention import repo
from bot.retention.service import PRUNE, PRUNE_KEY, Retention, RetentionPolicy
from tests.timers.conftest import T0, FakeClock

POLICY = RetentionPolicy(
    slack_events=timedelta(hours=24), alert_payloads=timedelta(days=30), interval=timedelta(hours=1)
)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def retention(
    sessions: sessionmaker[Session], clock: FakeClock, batch_size: int = 1000, max_batches: int = 50
) -> Retention:
    return Retention(sessions, clock, POLICY, lambda: None, batch_size, max_batches)


def add_events(
    sessions: sessionmaker[Session],
    prefix: str,
    received_at: datetime,
    n: int,
    status: str = inbox.APPLIED,
) -> None:
    """``n`` stored Slack requests, keyed ``<prefix><i>``."""
    with sessions.begin() as session:
        session.add_all(
            SlackInboxRow(
                key=f"{prefix}{i}",
                content_type="application/json",
                body="{}",
                status=status,
                received_at=received_at,
            )
            for i in range(n)
        )


def event_ids(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(SlackInboxRow.key)))


def add_payload(
    sessions: sessionmaker[Session], status: str, received_at: datetime, timer: str = timers.DONE
) -> int:
    """A stored payload in ``status`` (processed an hour after arrival) and its process timer."""
    unique = uuid.uuid4().hex
    with sessions.begin() as session:
        row = AlertPayloadRow(
            source="generic",
            received_at=received_at,
            body=f"body {unique}",
            body_sha256=unique,
            alert_count=1,
            status=status,
            processed_at=received_at + HOUR if status == PROCESSED else None,
        )
        session.add(row)
        session.flush()
        key = process_key(row.id)
        timers.schedule(session, key, PROCESS, received_at, {"payload": row.id}, received_at)
        session.execute(update(Timer).where(Timer.key == key).values(status=timer))
        return row.id


def payload_ids(sessions: sessionmaker[Session]) -> set[int]:
    with sessions() as session:
        return set(session.scalars(select(AlertPayloadRow.id)))


def timer_keys(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Timer.key)))


def fire_alert(sessions: sessionmaker[Session], payload_id: int, status: str) -> None:
    """An alert whose latest payload is ``payload_id``."""
    with sessions.begin() as session:
        group = AlertGroupRow(
            source="generic", group_key="g", route="r", action="channel", opened_at=T0
        )
        session.add(group)
        session.flush()
        session.add(
            AlertRow(
                group_id=group.id,
                source="generic",
                fingerprint=f"fp{payload_id}",
                name="HighLatency",
                status=status,
                starts_at=T0,
                group_key="g",
                last_payload_id=payload_id,
                updated_at=T0,
            )
        )


def test_slack_event_ids_older_than_the_window_are_forgotten(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    add_events(sessions, "old", T0 - 25 * HOUR, 3)
    add_events(sessions, "recent", T0 - 23 * HOUR, 2)

    pruned = retention(sessions, clock).prune()

    assert event_ids(sessions) == {"recent0", "recent1"}
    assert (pruned.slack_events, pruned.finished) == (3, True)


def test_a_slack_request_not_applied_yet_is_kept_however_old(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    add_events(sessions, "waiting", T0 - 90 * DAY, 2, status=inbox.PENDING)

    retention(sessions, clock).prune()

    assert event_ids(sessions) == {"waiting0", "waiting1"}


def test_processed_payloads_past_their_age_go_with_their_finished_timers(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    old = add_payload(sessions, PROCESSED, T0 - 40 * DAY)
    old_cancelled = add_payload(sessions, PROCESSED, T0 - 35 * DAY, timer=timers.CANCELLED)
    recent = add_payload(sessions, PROCESSED, T0 - 10 * DAY)
    failed = add_payload(sessions, FAILED, T0 - 90 * DAY, timer=timers.FAILED)
    pending = add_payload(sessions, PENDING, T0 - 90 * DAY, timer=timers.PENDING)
    newest = add_payload(sessions, PROCESSED, T0 - 5 * DAY)

    pruned = retention(sessions, clock).prune()

    assert payload_ids(sessions) == {recent, failed, pending, newest}
    assert timer_keys(sessions) == {process_key(i) for i in (recent, failed, pending, newest)}
    assert pruned.alert_payloads == 2
    assert {old, old_cancelled}.isdisjoint(payload_ids(sessions))


def test_the_latest_payload_of_a_firing_alert_is_kept_so_its_resend_stays_a_duplicate(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    still_firing = add_payload(sessions, PROCESSED, T0 - 60 * DAY)
    resolved = add_payload(sessions, PROCESSED, T0 - 60 * DAY)
    add_payload(sessions, PROCESSED, T0 - 1 * DAY)
    fire_alert(sessions, still_firing, "firing")
    fire_alert(sessions, resolved, "resolved")

    retention(sessions, clock).prune()

    assert still_firing in payload_ids(sessions)
    assert resolved not in payload_ids(sessions)


def test_the_newest_payload_is_kept_however_old_so_sqlite_never_reuses_its_id(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    ids = [add_payload(sessions, PROCESSED, T0 - (60 - i) * DAY) for i in range(3)]

    retention(sessions, clock).prune()

    assert payload_ids(sessions) == {ids[-1]}


def test_one_batch_deletes_at_most_its_limit_oldest_first(
    sessions: sessionmaker[Session],
) -> None:
    add_events(sessions, "older", T0 - 50 * HOUR, 2)
    add_events(sessions, "old", T0 - 30 * HOUR, 5)
    ids = [add_payload(sessions, PROCESSED, T0 - (60 - i) * DAY) for i in range(6)]

    with sessions.begin() as session:
        assert repo.prune_slack_events(session, T0 - DAY, limit=3) == 3
        assert repo.prune_alert_payloads(session, T0 - 30 * DAY, limit=2) == ids[:2]

    remaining = event_ids(sessions)
    assert len(remaining) == 4
    assert not any(e.startswith("older") for e in remaining)
    assert payload_ids(sessions) == set(ids[2:])


def test_a_firing_stops_after_its_batches_and_comes_back_at_once_for_the_rest(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    add_events(sessions, "old", T0 - 2 * DAY, 7)
    add_payload(sessions, PROCESSED, T0 - 40 * DAY)
    add_payload(sessions, PROCESSED, T0)
    with sessions.begin() as session:
        timers.schedule(session, PRUNE_KEY, PRUNE, T0, None, T0)
    runner = TimerRunner(sessions, retention(sessions, clock, 2, 3).handlers(), "r1", clock)

    assert runner.run_due_once() == 1
    assert len(event_ids(sessions)) == 1  # 3 batches of 2
    assert due(sessions) == T0  # more to do: due again right away

    assert runner.run_due_once() == 1
    assert event_ids(sessions) == set()
    assert len(payload_ids(sessions)) == 1
    assert due(sessions) == T0 + POLICY.interval

    assert runner.run_due_once() == 0  # nothing until the interval has passed
    add_events(sessions, "new", T0, 1)
    clock.advance(POLICY.interval.total_seconds())
    assert runner.run_due_once() == 1
    assert event_ids(sessions) == {"new0"}
    assert due(sessions) == T0 + 2 * POLICY.interval


def due(sessions: sessionmaker[Session]) -> datetime:
    with sessions() as session:
        state = timers.get(session, PRUNE_KEY)
    assert state is not None
    assert state.status == timers.PENDING
    return state.due_at


def prune_timers(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).where(Timer.kind == PRUNE)) or 0)


def test_seeding_twice_keeps_one_timer_and_its_due_time(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    first, second = retention(sessions, clock), retention(sessions, clock)

    first.seed()
    clock.advance(600)
    second.seed()

    assert prune_timers(sessions) == 1
    assert due(sessions) == T0


def test_seeding_rearms_a_timer_that_gave_up(
    sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    service = retention(sessions, clock)
    with sessions.begin() as session:
        timers.schedule(session, PRUNE_KEY, PRUNE, T0 - DAY, None, T0 - DAY)
        session.execute(update(Timer).values(status=timers.FAILED))

    service.seed()

    assert prune_timers(sessions) == 1
    assert due(sessions) == T0


def test_a_failed_firing_is_reported_and_planned_for_the_next_interval(
    sessions: sessionmaker[Session], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    service = retention(sessions, clock)
    with sessions.begin() as session:
        timers.schedule(session, PRUNE_KEY, PRUNE, T0, None, T0)
        claimed = timers.claim_due(session, "r1", T0, 60, 1)[0]
        timers.fail(session, claimed, "database is locked", T0)

    service.on_failure(TimerFailure(claimed, "database is locked"))

    assert due(sessions) == T0 + POLICY.interval
    assert "retention pruning failed" in caplog.text
    assert "database is locked" in caplog.text

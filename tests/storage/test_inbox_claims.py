"""The first transaction that writes while a stored Slack request is applied marks it applied, in
the same commit, savepoints or not: a request left pending after its effect was committed would
be applied again by its recovery replay, and one marked applied by a savepoint whose transaction
rolled back would never be applied. Replays racing each other: one effect, whatever the timing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.slack.inbox import AlreadyApplied, Entry, Inbox
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_session_factory

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def inbox(sessions: sessionmaker[Session]) -> Inbox:
    return Inbox(sessions, sessions, lambda: NOW, timedelta(seconds=30))


def _stored(inbox: Inbox, key: str) -> Entry:
    inbox_id = inbox.record(key, "application/x-www-form-urlencoded", "text=declare")
    assert inbox_id is not None
    return Entry(inbox_id)


def _effect(session: Session, key: str) -> None:
    """A listener's write that the ORM does not track (a Core statement)."""
    values = {"key": key, "content_type": "", "body": "", "status": "x", "received_at": NOW}
    session.execute(insert(SlackInboxRow), values)


def _fails_in_a_savepoint(session: Session) -> None:
    with session.begin_nested():
        _effect(session, "effect-3")
        raise RuntimeError("one item of a group failed")


def _fails_after_a_savepoint(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        with session.begin_nested():
            _effect(session, "effect-4")
        raise RuntimeError("the listener failed after its savepoint")


def _status(sessions: sessionmaker[Session], entry: Entry) -> str:
    with sessions() as session:
        return session.scalars(select(SlackInboxRow.status).filter_by(id=entry.id)).one()


@pytest.mark.parametrize(
    "savepoint_first", [False, True], ids=["write-then-savepoint", "savepoint-then-write"]
)
def test_the_write_outside_a_savepoint_that_rolled_back_is_the_claim(
    inbox: Inbox, sessions: sessionmaker[Session], savepoint_first: bool
) -> None:
    """Before or after it: a claim made in the savepoint is undone with it, and made again."""
    entry = _stored(inbox, f"savepoint-rolled-back-{savepoint_first}")
    with inbox.applying(entry), sessions.begin() as session:
        if not savepoint_first:
            _effect(session, "effect-2")
        with pytest.raises(RuntimeError):
            _fails_in_a_savepoint(session)
        if savepoint_first:
            _effect(session, "effect-6")

    assert _status(sessions, entry) == "applied"


def test_a_savepoint_committed_in_a_transaction_rolled_back_is_not_the_claim(
    inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    entry = _stored(inbox, "outer-rolled-back")
    with inbox.applying(entry):
        with pytest.raises(RuntimeError):
            _fails_after_a_savepoint(sessions)
        assert _status(sessions, entry) == "pending"
        with sessions.begin() as session:  # the listener's next attempt at writing
            _effect(session, "effect-5")

    assert _status(sessions, entry) == "applied"


def test_a_replay_of_an_applied_request_is_stopped_before_its_first_write(
    inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    entry = _stored(inbox, "applied-once")
    with inbox.applying(entry), sessions.begin() as session:
        _effect(session, "effect-7")
    replay = Entry(entry.id, recovering=True)
    with inbox.applying(replay), pytest.raises(AlreadyApplied), sessions.begin() as session:
        _effect(session, "effect-8")

    assert _effects(sessions, "effect-%") == 1


def test_replays_racing_each_other_write_one_effect(
    inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    """Many rounds of four replays of one request at once, each in its own transaction."""
    for round_ in range(25):
        entry = _stored(inbox, f"raced-{round_}")
        failures = _race(inbox, sessions, entry, replays=4)
        assert not failures, f"round {round_}: {failures}"
        assert _effects(sessions, f"race-{entry.id}-%") == 1, f"round {round_}"
        assert _status(sessions, entry) == "applied"


def _race(
    inbox: Inbox, sessions: sessionmaker[Session], entry: Entry, replays: int
) -> list[BaseException]:
    """Replay ``entry`` on ``replays`` threads at once; what they raised besides the expected
    ``AlreadyApplied``."""
    start = threading.Barrier(replays)
    failures: list[BaseException] = []

    def replay(n: int) -> None:
        start.wait()
        try:
            with (
                inbox.applying(Entry(entry.id, recovering=True)),
                sessions.begin() as session,
            ):
                _effect(session, f"race-{entry.id}-{n}")
        except AlreadyApplied:
            pass
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=replay, args=(n,)) for n in range(replays)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return failures


def _effects(sessions: sessionmaker[Session], pattern: str) -> int:
    with sessions() as session:
        count = select(func.count()).where(SlackInboxRow.key.like(pattern))
        return session.scalars(count).one()

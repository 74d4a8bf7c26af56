"""Writes that arrive while another is being committed are stored together in the next
transaction; every caller gets its own result only once it is committed, and one write that fails
fails alone (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_session_factory
from bot.kernel.storage.group_commit import GroupCommit
from bot.kernel.storage.migrate import upgrade_to_head

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WAITING = 6


class _Writes:
    """Stores one inbox row per key; the key ``first`` waits until it is let go."""

    def __init__(self) -> None:
        self.let_go = threading.Event()

    def __call__(self, session: Session, key: str) -> int:
        if key == "first":
            assert self.let_go.wait(30)
        row = SlackInboxRow(key=key, content_type="", body="", received_at=NOW)
        session.add(row)
        session.flush()  # a key stored before fails here, in its own savepoint
        return row.id


def _stored(engine: Engine) -> list[str]:
    with make_session_factory(engine)() as session:
        return sorted(session.scalars(select(SlackInboxRow.key)))


def _wait_for(what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.005)


def _writing(group: GroupCommit[str, int]) -> None:
    _wait_for("the first write", lambda: group._writing)


def _queued(group: GroupCommit[str, int], count: int) -> None:
    _wait_for(f"{count} callers waiting", lambda: len(group._queue) == count)


def test_writes_arriving_during_a_commit_are_stored_together_each_answered(
    engine: Engine,
) -> None:
    upgrade_to_head(engine)
    writes = _Writes()
    group = GroupCommit(make_session_factory(engine), writes)
    with ThreadPoolExecutor(WAITING + 1) as pool:
        first = pool.submit(group.submit, "first")
        _writing(group)  # the first caller writes alone, and waits in its write
        others = {f"key-{i}": pool.submit(group.submit, f"key-{i}") for i in range(WAITING)}
        _queued(group, WAITING)
        assert not any(f.done() for f in others.values()), "answered before being stored"
        writes.let_go.set()
        ids = {key: future.result(30) for key, future in others.items()}
        first.result(30)
    assert len(set(ids.values())) == WAITING
    assert _stored(engine) == sorted(["first", *others])


def test_a_write_that_fails_fails_alone(engine: Engine) -> None:
    upgrade_to_head(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        session.add(SlackInboxRow(key="taken", content_type="", body="", received_at=NOW))
    writes = _Writes()
    group = GroupCommit(sessions, writes)
    with ThreadPoolExecutor(4) as pool:
        first = pool.submit(group.submit, "first")
        _writing(group)
        futures: dict[str, Future[int]] = {
            key: pool.submit(group.submit, key) for key in ("before", "taken", "after")
        }
        _queued(group, 3)
        writes.let_go.set()
        first.result(30)
        with pytest.raises(IntegrityError):
            futures["taken"].result(30)
        assert futures["before"].result(30) != futures["after"].result(30)
    assert _stored(engine) == ["after", "before", "first", "taken"]

"""Processes on one SQLite file (``warroom serve --workers N``) take turns at its write lock: a
writer waits for another process's transaction to end, committed or rolled back, and one whose
budget runs out first is told so and leaves the line as it found it."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head

NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Another process writing to the same file. Orders, one per line on stdin: "begin" opens a write
# transaction (and says "holding" once it holds the lock), "commit" and "rollback" end it (and
# say "ended"), "next" commits and at once begins the next one, "exit" stops.
HOLDER = """
import sys
from datetime import UTC, datetime
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_engine, make_session_factory
sessions = make_session_factory(make_engine(sys.argv[1]))
session, number = None, 0
def begin():
    global session, number
    session = sessions()
    session.begin()
    session.add(SlackInboxRow(key=f"holder-{number}", content_type="", body="",
                              received_at=datetime.now(UTC)))
    session.flush()
    number += 1
    print("holding", flush=True)
for order in sys.stdin:
    order = order.strip()
    if order in ("commit", "next"):
        session.commit()
    elif order == "rollback":
        session.rollback()
    if order in ("begin", "next"):
        begin()
    elif order in ("commit", "rollback"):
        print("ended", flush=True)
    elif order == "exit":
        break
"""


class Holder:
    def __init__(self, url: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def order(self, order: str) -> None:
        """Send ``order`` and wait for its answer."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(order + "\n")
        self._process.stdin.flush()
        said = self._process.stdout.readline().strip()
        expected = "ended" if order in ("commit", "rollback") else "holding"
        assert said == expected, f"the holder process said {said!r} to {order!r}"

    def stop(self) -> None:
        self._process.communicate("exit\n", timeout=10)


@pytest.fixture
def url(tmp_path: Path, database_url: str) -> str:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's one write lock; PostgreSQL locks rows")
    url = f"sqlite:///{tmp_path / 'turns.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    engine.dispose()
    return url


@pytest.fixture
def holder(url: str) -> Iterator[Holder]:
    holding = Holder(url)
    holding.order("begin")
    yield holding
    holding.stop()


def _write(sessions: sessionmaker[Session], key: str) -> None:
    with sessions.begin() as session:
        session.add(SlackInboxRow(key=key, content_type="", body="", received_at=NOW))


def _keys(url: str) -> list[str]:
    with make_session_factory(make_engine(url))() as session:
        return sorted(session.scalars(select(SlackInboxRow.key)))


def _waiting_writer(url: str) -> threading.Thread:
    sessions = make_session_factory(make_engine(url))
    writer = threading.Thread(target=_write, args=(sessions, "mine"))
    writer.start()
    writer.join(timeout=0.3)
    assert writer.is_alive(), "wrote while another process held the write lock"
    return writer


def test_a_writer_waits_for_another_processs_transaction_then_writes(
    url: str, holder: Holder
) -> None:
    writer = _waiting_writer(url)
    holder.order("commit")
    writer.join(timeout=10)
    assert not writer.is_alive()
    assert _keys(url) == ["holder-0", "mine"]


def test_a_process_writing_back_to_back_lets_a_waiting_writer_in_between(
    url: str, holder: Holder
) -> None:
    writer = _waiting_writer(url)
    holder.order("next")  # commits and wants the lock again at once: it has to wait its turn
    writer.join(timeout=10)
    assert not writer.is_alive(), "starved by a process that kept taking the lock back"
    holder.order("commit")
    assert _keys(url) == ["holder-0", "holder-1", "mine"]


def test_a_rolled_back_transaction_in_another_process_leaves_the_turn_free(
    url: str, holder: Holder
) -> None:
    holder.order("rollback")  # the holder process lives on, holding nothing
    _write(make_session_factory(make_engine(url, busy_timeout_ms=200)), "after the rollback")
    assert _keys(url) == ["after the rollback"]


def test_a_writer_out_of_budget_is_told_so_and_the_next_one_gets_in(
    url: str, holder: Holder
) -> None:
    hasty = make_session_factory(make_engine(url, busy_timeout_ms=50))
    with pytest.raises(OperationalError, match="locked"):
        _write(hasty, "too late")
    holder.order("commit")
    _write(hasty, "next")  # the failed wait left neither this process's line nor the turn held
    assert _keys(url) == ["holder-0", "next"]

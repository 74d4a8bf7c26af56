"""Reads never wait for writers: a session that only reads takes no write lock (SQLite WAL), and
one that tries to write without asking for a write transaction is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.storage.migrate import upgrade_to_head

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _row(key: str) -> SlackInboxRow:
    return SlackInboxRow(key=key, content_type="", body="", received_at=NOW)


def test_a_read_goes_ahead_while_a_write_is_open(engine: Engine) -> None:
    upgrade_to_head(engine)
    sessions = make_session_factory(engine)
    with sessions.begin() as writer:
        writer.add(_row("pending"))
        writer.flush()
        with sessions() as reader:  # would wait out the busy timeout if it took the write lock
            keys = reader.scalars(select(SlackInboxRow.key)).all()
        assert "pending" not in keys
    with sessions() as reader:
        assert "pending" in reader.scalars(select(SlackInboxRow.key)).all()


def test_a_read_session_cannot_write_on_sqlite(engine: Engine, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's query_only; PostgreSQL sessions are plain")
    upgrade_to_head(engine)
    sessions = make_session_factory(engine)
    with sessions() as reader:
        reader.add(_row("sneaky"))
        with pytest.raises(OperationalError, match="readonly"):
            reader.flush()
    with sessions.begin() as writer:  # the same pooled connection writes again when asked
        writer.add(_row("asked"))
    with sessions() as reader:
        assert reader.scalars(select(SlackInboxRow.key)).all() == ["asked"]


def test_a_writer_that_cannot_get_the_lock_in_time_is_told_so(tmp_path: Path) -> None:
    """Two engines on one file (the app's and the intake's): the short-budget one gives up with
    SQLAlchemy's ``OperationalError`` (what the intake answers 503 for), not a bare sqlite3 one."""
    url = f"sqlite:///{tmp_path / 'gate.db'}"
    patient = make_engine(url)
    upgrade_to_head(patient)
    hasty = make_session_factory(make_engine(url, busy_timeout_ms=50))
    with make_session_factory(patient).begin() as holder:
        holder.add(_row("first"))
        holder.flush()
        with pytest.raises(OperationalError, match="locked"), hasty.begin() as late:
            late.add(_row("second"))
    with hasty.begin() as now_free:
        now_free.add(_row("second"))

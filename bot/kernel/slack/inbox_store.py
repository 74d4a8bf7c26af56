"""The Slack inbox table: statements over the caller's session (nothing here commits).

See ``bot.kernel.slack.inbox`` for how a stored request is applied exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable

from bot.kernel.slack.inbox_rows import SlackInboxRow

PENDING = "pending"
APPLIED = "applied"
FAILED = "failed"


def recovery_key(inbox_id: int) -> str:
    """The key of the timer that replays a stored request its first attempt did not finish."""
    return f"slack:inbox:{inbox_id}"


@dataclass(frozen=True)
class StoredRequest:
    id: int
    key: str
    content_type: str
    body: str
    status: str
    received_at: datetime


def record(session: Session, key: str, content_type: str, body: str, now: datetime) -> int | None:
    """Store a request; its id, or ``None`` when a request with ``key`` was stored before."""
    values = {
        "key": key,
        "content_type": content_type,
        "body": body,
        "status": PENDING,
        "received_at": now,
    }
    conn = session.connection()
    return conn.execute(_insert(conn.dialect.name), values).scalar_one_or_none()


# One statement per dialect, its values bound at execution (cheaper than building it per call).
_INSERTS: dict[str, Executable] = {}


def _insert(dialect: str) -> Executable:
    statement = _INSERTS.get(dialect)
    if statement is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(SlackInboxRow)
            .on_conflict_do_nothing(index_elements=[SlackInboxRow.key])
            .returning(SlackInboxRow.id)
        )
        _INSERTS[dialect] = statement
    return statement


def finish(conn: Connection, inbox_id: int, status: str, now: datetime) -> bool:
    """Move a pending request to ``status``; ``False`` if it was no longer pending."""
    params = {"inbox_id": inbox_id, "status": status, "finished_at": now}
    return conn.execute(_FINISH, params).rowcount == 1


# Built once: every request applied runs it inside its write transaction.
_FINISH = update(SlackInboxRow).where(
    SlackInboxRow.id == bindparam("inbox_id"), SlackInboxRow.status == PENDING
)


def load(session: Session, inbox_id: int) -> StoredRequest | None:
    row = session.get(SlackInboxRow, inbox_id)
    if row is None:
        return None
    return StoredRequest(row.id, row.key, row.content_type, row.body, row.status, row.received_at)

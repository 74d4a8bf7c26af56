"""Slack requests that change something are stored before their 200 and applied exactly once.

The edge (``bot.kernel.slack.edge``) stores such a request, with a recovery timer due one lease
later, in one small transaction on the *intake* sessions (short database timeouts, so a database
that is down or locked is reported within Slack's 3 s instead of acking a request it lost). Then it
dispatches the request to its listener in-process, inside ``applying(entry)``.

Exactly once rests on one rule: the first transaction that writes anything while a stored
request is being applied also marks that request applied and cancels its recovery timer, in the
same commit (a ``before_commit`` hook on the app's sessions). If the request was applied already
(a crash after the commit, then the recovery replay; or two replicas replaying at once), the
mark fails, the hook raises ``AlreadyApplied`` and the whole transaction rolls back. A listener
that wrote nothing (a refusal, a read) marks the request applied when it returns. If the
process dies before any of that, the recovery timer fires a lease later on any replica and
replays the stored request through the same listener.

A listener that writes in two separate transactions is covered up to its first commit: a crash
between the two loses the second. Listeners keep one write transaction per request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from bot.kernel.slack import inbox_store as rows
from bot.kernel.timers import store as timers

RECOVER = "slack.inbox"  # the recovery timer's kind
_EXECUTED = "after_cursor_execute"


class AlreadyApplied(RuntimeError):
    """This stored request's effect was committed before: the current attempt is discarded."""


@dataclass
class Entry:
    """A stored request while it is being applied on this thread."""

    id: int
    recovering: bool = False  # replayed by its recovery timer, which the runner completes
    claimed: bool = False  # a committed transaction marked it applied


# Kept on the transaction's own connection and session, not on the thread's ``Entry``: another
# session opened and closed on the same thread (its rollback), or a savepoint, must not make a
# writing transaction look clean, nor a savepoint's commit look like the claim.
_WROTE = "inbox.wrote"  # in the DBAPI connection's info: its transaction executed a write
_CONNECTION = "inbox.connection"  # in the session's info: the connection of its transaction
_CLAIMING = "inbox.claiming"  # in the session's info: the Entry its commit marks applied


_current: contextvars.ContextVar[Entry | None] = contextvars.ContextVar("inbox", default=None)


class Inbox:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        intake: sessionmaker[Session],
        clock: Callable[[], datetime],
        recover_after: timedelta,
    ) -> None:
        self._sessions = sessions
        self._intake = intake
        self._clock = clock
        self._recover_after = recover_after
        _install(sessions, clock)

    def record(self, key: str, content_type: str, body: str) -> int | None:
        """Store a request with its recovery timer; its id, or ``None`` for a replay.

        Raises ``SQLAlchemyError`` when the database cannot store it within the intake budget.
        """
        now = self._clock()
        with self._intake.begin() as session:
            inbox_id = rows.record(session, key, content_type, body, now)
            if inbox_id is not None:
                due = now + self._recover_after
                key = rows.recovery_key(inbox_id)
                timers.schedule(session, key, RECOVER, due, {"id": inbox_id}, now)
        return inbox_id

    def load(self, inbox_id: int) -> rows.StoredRequest | None:
        with self._sessions.begin() as session:
            return rows.load(session, inbox_id)

    def settle(self, entry: Entry) -> None:
        """After a listener returned without writing: the request is applied (it had no effect)."""
        if entry.claimed:
            return
        with self._sessions.begin() as session:
            _claim(session, entry, self._clock())

    def give_up(self, inbox_id: int) -> None:
        with self._sessions.begin() as session:
            rows.finish(session, inbox_id, rows.FAILED, self._clock())


@contextmanager
def applying(entry: Entry | None) -> Iterator[None]:
    """Run a listener for ``entry``: its first writing commit marks the request applied."""
    token = _current.set(entry)
    try:
        yield
    finally:
        _current.reset(token)


def _claim(session: Session, entry: Entry, now: datetime) -> None:
    if not rows.finish(session, entry.id, rows.APPLIED, now):
        raise AlreadyApplied(f"Slack request {entry.id} was applied before")
    if not entry.recovering:
        timers.cancel(session, rows.recovery_key(entry.id), now)


def _install(sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
    """Hook the inbox into ``sessions`` and their engine, once each."""
    engine = sessions.kw.get("bind")
    hooked = isinstance(engine, Engine) and event.contains(engine, _EXECUTED, _note_write)
    if isinstance(engine, Engine) and not hooked:
        event.listen(engine, _EXECUTED, _note_write)
    if event.contains(sessions, "after_commit", _after_commit):
        return
    event.listen(sessions, "after_begin", _after_begin)
    event.listen(sessions, "before_commit", lambda session: _before_commit(session, clock))
    event.listen(sessions, "after_commit", _after_commit)
    event.listen(sessions, "after_rollback", _after_rollback)


def _note_write(
    conn: Connection, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if context.isinsert or context.isupdate or context.isdelete:
        conn.info[_WROTE] = True


def _after_begin(session: Session, transaction: SessionTransaction, conn: Connection) -> None:
    if not transaction.nested:
        conn.info[_WROTE] = False
        session.info[_CONNECTION] = conn


def _before_commit(session: Session, clock: Callable[[], datetime]) -> None:
    entry = _current.get()
    if entry is None or entry.claimed or session.in_nested_transaction():
        return  # a savepoint's commit is not the transaction's: it may still roll back
    conn: Connection | None = session.info.get(_CONNECTION)
    wrote = conn is not None and conn.info.get(_WROTE, False)
    if wrote or session.new or session.dirty or session.deleted:
        _claim(session, entry, clock())
        session.info[_CLAIMING] = entry


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_CONNECTION, None)
    entry: Entry | None = session.info.pop(_CLAIMING, None)
    if entry is not None:
        entry.claimed = True


def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_CONNECTION, None)
        session.info.pop(_CLAIMING, None)

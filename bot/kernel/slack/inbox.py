"""Slack requests that change something are stored before their 200 and applied exactly once.

The edge (``bot.kernel.slack.edge``) stores such a request, with a recovery timer due one lease
later, in one small transaction on the *intake* sessions (short database timeouts, so a database
that is down or locked is reported within Slack's 3 s instead of acking a request it lost). Then it
dispatches the request to its listener in-process, inside ``Inbox.applying(entry)``.

Exactly once rests on one rule: the first write statement of a transaction run while a stored
request is being applied is preceded, in that transaction, by marking the request applied and
cancelling its recovery timer (hooks on the engine's connections). If the request was applied
already (a crash after the commit, then the recovery replay; or two replicas replaying at once),
the mark fails, ``AlreadyApplied`` is raised before anything is written and the transaction rolls
back. A listener that wrote nothing (a refusal, a read) marks the request applied when it
returns. If the process dies before any of that, the recovery timer fires a lease later on any
replica and replays the stored request through the same listener.

The claim lives with the connection that executes the write, from its ``BEGIN`` to its
``COMMIT`` or ``ROLLBACK`` (or the rollback of the savepoint it was made in, which undoes it):
nothing has to find that connection again from the session at commit time.

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
from sqlalchemy.orm import Session, sessionmaker

from bot.kernel.slack import inbox_store as rows
from bot.kernel.timers import store as timers

RECOVER = "slack.inbox"  # the recovery timer's kind


class AlreadyApplied(RuntimeError):
    """This stored request's effect was committed before: the current attempt is discarded."""


@dataclass
class Entry:
    """A stored request while it is being applied on this thread."""

    id: int
    recovering: bool = False  # replayed by its recovery timer, which the runner completes
    claimed: bool = False  # a committed transaction marked it applied


# In the DBAPI connection's ``info``, for its current transaction only.
_CLAIMED = "inbox.claimed"  # (the Entry its commit marks applied, the savepoint depth of the claim)
_DEPTH = "inbox.savepoints"  # savepoints open in the transaction
_CLAIMING = "inbox.claiming"  # the claim's own statements are running: not writes to claim for


# The request being applied on this thread, with the clock its claim is stamped by.
_Applying = tuple["Entry", Callable[[], datetime]]
_current: contextvars.ContextVar[_Applying | None] = contextvars.ContextVar("inbox", default=None)


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
        _install(sessions)

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
            _claim(session.connection(), entry, self._clock())

    @contextmanager
    def applying(self, entry: Entry | None) -> Iterator[None]:
        """Run a listener for ``entry``: its first write claims the request (module docstring)."""
        token = _current.set(None if entry is None else (entry, self._clock))
        try:
            yield
        finally:
            _current.reset(token)

    def give_up(self, inbox_id: int) -> None:
        with self._sessions.begin() as session:
            rows.finish(session.connection(), inbox_id, rows.FAILED, self._clock())


def _claim(conn: Connection, entry: Entry, now: datetime) -> None:
    if not rows.finish(conn, entry.id, rows.APPLIED, now):
        raise AlreadyApplied(f"Slack request {entry.id} was applied before")
    if not entry.recovering:
        timers.cancel(conn, rows.recovery_key(entry.id), now)


def _install(sessions: sessionmaker[Session]) -> None:
    """Hook the inbox into the connections of ``sessions``'s engine, once."""
    engine = sessions.kw.get("bind")
    if not isinstance(engine, Engine) or event.contains(engine, "commit", _on_commit):
        return
    event.listen(engine, "before_cursor_execute", _claim_before_write)
    event.listen(engine, "begin", _on_begin)
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)
    event.listen(engine, "savepoint", _on_savepoint)
    event.listen(engine, "release_savepoint", _on_release_savepoint)
    event.listen(engine, "rollback_savepoint", _on_rollback_savepoint)


def _claim_before_write(
    conn: Connection, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if not (context.isinsert or context.isupdate or context.isdelete):
        return
    applying = _current.get()
    info = conn.info
    if applying is None or _CLAIMED in info or info.get(_CLAIMING):
        return
    entry, clock = applying
    if entry.claimed:
        return
    info[_CLAIMING] = True
    try:
        _claim(conn, entry, clock())
    finally:
        info[_CLAIMING] = False
    info[_CLAIMED] = (entry, info.get(_DEPTH, 0))


def _on_begin(conn: Connection) -> None:
    conn.info[_DEPTH] = 0
    conn.info.pop(_CLAIMED, None)  # a transaction starts with no claim, whatever the last one left


def _on_commit(conn: Connection) -> None:
    # Runs just before the driver's COMMIT. Should that fail, the listener raises and the
    # request stays pending for its recovery timer: ``claimed`` only spares it a ``settle``.
    claimed: tuple[Entry, int] | None = conn.info.pop(_CLAIMED, None)
    if claimed is not None:
        claimed[0].claimed = True


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_CLAIMED, None)


def _on_savepoint(conn: Connection, _name: str) -> None:
    conn.info[_DEPTH] = conn.info.get(_DEPTH, 0) + 1


def _on_release_savepoint(conn: Connection, _name: str, _context: Any) -> None:
    conn.info[_DEPTH] = max(0, conn.info.get(_DEPTH, 0) - 1)


def _on_rollback_savepoint(conn: Connection, _name: str, _context: Any) -> None:
    depth = max(0, conn.info.get(_DEPTH, 0) - 1)
    conn.info[_DEPTH] = depth
    claimed: tuple[Entry, int] | None = conn.info.get(_CLAIMED)
    if claimed is not None and claimed[1] > depth:
        del conn.info[_CLAIMED]  # the claim was made in the savepoint: rolled back with it

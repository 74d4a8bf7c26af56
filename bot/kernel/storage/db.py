"""Engine and session factory for SQLite (default) and PostgreSQL (production, scale-out)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Engine, Executable, Result, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, SessionTransaction, SessionTransactionOrigin, sessionmaker

from bot.kernel.storage import writer_gate

SQLITE_BUSY_TIMEOUT_MS = 15_000
INTAKE_BUDGET_MS = 1_500
SQLITE_CACHE_KIB = 512
SQLITE_POOL_SIZE = 20  # connections kept open per engine (the rest are opened and closed)
# Execution option marking an engine whose transactions the ORM session begins itself (SQLite):
# the session knows whether it was asked to write (``sessions.begin()``) or only to read.
_SESSION_BEGINS = "warroom_session_begins"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(
    url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, urgent: bool = False, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection.

    ``urgent``: on SQLite, this engine's writers go before the process's other writers (what
    is stored before Slack gets its answer should not queue behind work done after it).
    """
    if is_sqlite(url):
        # Enough pooled connections for the requests in flight and the timer runner's threads:
        # a connection past the pool is opened (five PRAGMAs) and closed for every use, which
        # cost a burst of /incident status a sixth of its CPU.
        kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )
        _configure_sqlite(engine, busy_timeout_ms, urgent)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def make_intake_engine(url: str, budget_ms: int = INTAKE_BUDGET_MS) -> Engine:
    """An engine for storing what was just received: it gives up within ``budget_ms``.

    A request is stored before it is answered, and Slack waits 3 s at most: a database that is
    down, locked or unreachable must be reported within that, not waited for.
    """
    if is_sqlite(url):
        return make_engine(url, busy_timeout_ms=budget_ms, urgent=True)
    seconds = max(1, budget_ms // 1000)
    return make_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_timeout=seconds,
        connect_args={
            "connect_timeout": seconds,
            "options": f"-c lock_timeout={budget_ms} -c statement_timeout={budget_ms}",
        },
    )


def _configure_sqlite(engine: Engine, busy_timeout_ms: int, urgent: bool) -> None:
    gate = writer_gate.gate_for(engine.url.database, busy_timeout_ms, urgent)

    # pysqlite's own transaction handling defers BEGIN; taking over makes BEGIN IMMEDIATE possible
    # and keeps writers from deadlocking on lock upgrades.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info["gate"] = gate
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Each pooled connection keeps its own page cache (2 MB by default); the OS caches the
        # file for all of them, so a small one per connection keeps the process small.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(_SESSION_BEGINS):
            _begin_sqlite(conn, read_only=False)

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        writer_gate.leave(record.info)
        if record.info.pop("busy_shortened", False) and dbapi_connection is not None:
            with contextlib.suppress(sqlite3.Error):  # a broken connection is discarded anyway
                dbapi_connection.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")


# PostgreSQL's SQLSTATEs for a transaction it aborted so that another could go on (a deadlock
# between row locks, a serialization failure): running it again is the documented remedy.
_TRY_AGAIN = frozenset({"40P01", "40001"})


def aborted_for_another(error: BaseException) -> bool:
    """Whether the database aborted this transaction in favour of a concurrent one: it may
    simply be run again (PostgreSQL; SQLite's one writer never deadlocks)."""
    return isinstance(error, DBAPIError) and getattr(error.orig, "sqlstate", None) in _TRY_AGAIN


def urgent_writer_waiting(session: Session) -> bool:
    """Whether, on SQLite, an urgent writer (storing what was just received) waits for the
    write lock this session's transaction holds: a long job commits and lets it in first."""
    if not session.in_transaction():
        return False
    gate: writer_gate.WriterGate | None = session.connection().connection.info.get("gate")
    return gate is not None and gate.lock.urgent_waiting()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose transactions, on SQLite, take the write lock only when asked to write.

    ``with sessions.begin() as s:`` (or ``session.begin()``) is a write: ``BEGIN IMMEDIATE``
    takes SQLite's one write lock at once, so two writers never deadlock upgrading a read lock.
    ``with sessions() as s:`` (autobegin, never committed) is a read: a deferred ``BEGIN`` on a
    ``query_only`` connection, which in WAL mode never waits for writers nor holds them up, and
    fails loudly if it tries to write. PostgreSQL needs neither: its sessions are plain.
    """
    if engine.dialect.name != "sqlite":
        return sessionmaker(engine, expire_on_commit=False)
    bind = engine.execution_options(**{_SESSION_BEGINS: True})
    factory = sessionmaker(bind, expire_on_commit=False)
    event.listen(factory, "after_begin", _on_session_begin)
    return factory


def _on_session_begin(
    _session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    if transaction.nested:
        return  # a SAVEPOINT inside the transaction begun below
    _begin_sqlite(connection, read_only=transaction.origin is SessionTransactionOrigin.AUTOBEGIN)


def _begin_sqlite(conn: Connection, *, read_only: bool) -> None:
    # Straight to the driver: SQLAlchemy's statement machinery would cost more than BEGIN does.
    raw = conn.connection.driver_connection
    assert raw is not None
    info = conn.connection.info
    statement = "BEGIN" if read_only else "BEGIN IMMEDIATE"
    try:
        if info.get("query_only") is not read_only:
            raw.execute(f"PRAGMA query_only={int(read_only)}")
            info["query_only"] = read_only
        if not read_only:
            writer_gate.enter(info, raw)
        raw.execute(statement)
    except sqlite3.Error as error:
        writer_gate.leave(info)
        raise OperationalError(statement, None, error) from error


def read(session: Session, statement: Executable, params: Mapping[str, Any]) -> Result[Any]:
    """Run a read statement built once on the session's connection, skipping the ORM's execution
    layer (for a plain select it cost more CPU than SQLite did: the card and ``/incident
    status`` read five of them). What the session holds unflushed is flushed first, as
    ``session.execute`` would."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, params)

"""Engine and session factory for SQLite (default) and PostgreSQL (production, scale-out)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 15_000
INTAKE_BUDGET_MS = 1_500
SQLITE_CACHE_KIB = 512


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
            **kwargs,
        )
        _configure_sqlite(engine, busy_timeout_ms)
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
        return make_engine(url, busy_timeout_ms=budget_ms)
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


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    # pysqlite's own transaction handling defers BEGIN; taking over makes BEGIN IMMEDIATE possible
    # and keeps writers from deadlocking on lock upgrades.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
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
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)

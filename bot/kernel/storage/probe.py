"""An engine for health checks and gauges: it gives up quickly, and does not write.

The app's engine waits as long as writing needs: on SQLite every transaction begins IMMEDIATE
(it takes the write lock) with a 15 s busy timeout. ``/readyz`` and ``/metrics`` must answer
within a second whatever the database is doing, so they use an engine of their own: on SQLite
plain connections in autocommit (a read in WAL mode never waits for a writer) with a busy
timeout of ``seconds``, which is also how long ``sqlite_write_check`` waits for the write lock;
on PostgreSQL short connect, lock and statement timeouts, in read-only transactions. Probes are
seldom (every few seconds): each opens a connection of its own and closes it, so a dead server
leaves no broken connection behind and the engine needs no disposing.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import NullPool

# libpq counts a connect timeout in whole seconds and treats anything under 2 as 2.
_PG_MIN_CONNECT_SECONDS = 2


def make_probe_engine(engine: Engine, seconds: float) -> Engine:
    """A read-only engine on ``engine``'s database that waits ``seconds`` or so at most."""
    url = engine.url
    millis = max(1, int(seconds * 1000))
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return engine  # a private in-memory database: only its own engine sees it
        probe = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": seconds}, poolclass=NullPool
        )

        @event.listens_for(probe, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # no implicit BEGIN: reads take no lock
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={millis}")
            cursor.close()

        return probe
    return create_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "connect_timeout": max(_PG_MIN_CONNECT_SECONDS, math.ceil(seconds)),
            "options": (
                f"-c statement_timeout={millis} -c lock_timeout={millis} "
                "-c default_transaction_read_only=on"
            ),
        },
    )


def sqlite_write_check(connection: Connection) -> None:
    """Raises unless the write lock can be had within the busy timeout (SQLite's readers never
    notice a writer that holds it for long: this does). Takes it and lets it go at once."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")
    connection.exec_driver_sql("ROLLBACK")

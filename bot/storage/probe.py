"""An engine for health checks and gauges: it only reads, and gives up quickly.

The app's engine waits as long as writing needs: on SQLite every transaction begins IMMEDIATE
(it takes the write lock) with a 15 s busy timeout. ``/readyz`` and ``/metrics`` must answer
within a second whatever the database is doing, so they read through an engine of their own:
on SQLite a plain reader, which in WAL mode never waits for a writer and otherwise waits
``seconds`` at most; on PostgreSQL a small pool with short connect, lock and statement timeouts,
in read-only transactions.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Engine, create_engine, event

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
            url, connect_args={"check_same_thread": False, "timeout": seconds}, pool_size=2
        )

        @event.listens_for(probe, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={millis}")
            cursor.execute("PRAGMA query_only=ON")
            cursor.close()

        return probe
    return create_engine(
        url,
        pool_size=2,
        max_overflow=2,
        pool_timeout=seconds,
        pool_pre_ping=True,
        connect_args={
            "connect_timeout": max(_PG_MIN_CONNECT_SECONDS, math.ceil(seconds)),
            "options": (
                f"-c statement_timeout={millis} -c lock_timeout={millis} "
                "-c default_transaction_read_only=on"
            ),
        },
    )

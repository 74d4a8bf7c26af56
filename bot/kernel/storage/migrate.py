"""Alembic, run from code: ``warroom migrate`` and the automatic upgrade at ``serve`` start.

Each migration runs in a transaction of its own. On PostgreSQL the upgrade holds an advisory
lock, so replicas starting together migrate once, and an index on a table the running replicas
write to is built and dropped ``CONCURRENTLY`` (``create_index_online``, ``drop_index_online``):
a plain build or drop blocks every write to the table until its transaction ends, a rolling
upgrade's running replicas included.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

import bot

# Any constant works; it only has to be the same for every replica of this app.
MIGRATION_LOCK_ID = 0x7761_7272_6F6F_6D  # "warroom"


def migrations_dir() -> Path:
    """The Alembic script folder: beside the package in a checkout, or in the working folder."""
    candidates = [
        Path(bot.__file__).resolve().parent.parent / "migrations",
        Path.cwd() / "migrations",
    ]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise FileNotFoundError(
        "Alembic migrations not found; looked in " + ", ".join(str(c) for c in candidates)
    )


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


LOCK_POLL_SECONDS = 0.5  # how often a replica tries the lock while another one migrates


def upgrade_to_head(engine: Engine) -> None:
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            command.upgrade(alembic_config(connection), "head")
            return
        _lock(connection)
        try:
            command.upgrade(alembic_config(connection), "head")
        finally:
            _unlock(connection)


def _lock(connection: Connection) -> None:
    """Take the session's migration lock, held across the migrations' transactions.

    Tried, not waited for: a replica blocked in ``pg_advisory_lock`` holds a snapshot, which an
    index build ``CONCURRENTLY`` in the migrating replica waits out, while that replica holds
    the lock the first waits for: a deadlock PostgreSQL breaks by cancelling one of them.
    """
    while True:
        taken = connection.execute(
            text("SELECT pg_try_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID}
        ).scalar()
        connection.commit()
        if taken:
            return
        time.sleep(LOCK_POLL_SECONDS)


def _unlock(connection: Connection) -> None:
    try:
        connection.rollback()  # whatever a failed migration left open
        connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()
    except SQLAlchemyError:
        # Closed, not put back in the pool: its session, and the lock with it, end.
        connection.invalidate()


def create_index_online(name: str, table: str, columns: list[str], **kw: Any) -> None:
    """``op.create_index`` in a migration, for a table the running replicas write to.

    On PostgreSQL the index is built ``CONCURRENTLY``, outside the migration's transaction,
    after dropping any index of that name: a build cut short (a crash, a cancel) leaves an
    invalid one behind, and the migration runs again. Elsewhere a plain build (SQLite has one
    writer at a time anyway).
    """
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, columns, **kw)
        return
    with op.get_context().autocommit_block():
        _drop_concurrently(name)
        op.create_index(name, table, columns, postgresql_concurrently=True, **kw)


def drop_index_online(name: str, table: str) -> None:
    """``op.drop_index`` in a migration, for a table the running replicas write to: on
    PostgreSQL ``CONCURRENTLY`` (a plain drop locks the table until the migration commits)."""
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        _drop_concurrently(name)


def _drop_concurrently(name: str) -> None:
    op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_at_head(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()

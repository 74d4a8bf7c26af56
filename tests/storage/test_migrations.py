"""The schema comes from Alembic alone, and the models never drift from it."""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import StatementError

from bot.insights.queries import TITLE_SEARCH
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.base import Base
from bot.kernel.storage.db import make_engine, make_session_factory
from bot.kernel.storage.migrate import (
    MIGRATION_LOCK_ID,
    alembic_config,
    current_revision,
    head_revision,
    is_at_head,
    upgrade_to_head,
)
from bot.kernel.storage.types import NaiveDatetimeError


def test_upgrade_reaches_head_and_is_idempotent(engine: Engine) -> None:
    upgrade_to_head(engine)
    assert current_revision(engine) == head_revision()
    assert is_at_head(engine)


def test_models_match_the_migrations(engine: Engine) -> None:
    with engine.connect() as connection:
        dialect = connection.dialect.name

        def on_this_database(item: Any, name: str | None, *_: Any) -> bool:
            """Objects made for another database only (``.ddl_if(dialect=...)``, e.g. the
            PostgreSQL trigram index on incident titles) are not expected here."""
            if name and name.startswith(TITLE_SEARCH):
                return False  # SQLite's FTS5 index of titles and its shadow tables: no model
            only = getattr(item, "_ddl_if", None)
            return only is None or only.dialect in (None, dialect)

        opts = {"compare_type": True, "include_object": on_this_database}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with make_session_factory(engine).begin() as session:
        naive = datetime(2026, 1, 1)  # noqa: DTZ001
        session.add(SlackInboxRow(key="k", content_type="", body="", received_at=naive))
        with pytest.raises(StatementError, match="naive datetime") as raised:
            session.flush()
        assert isinstance(raised.value.orig, NaiveDatetimeError)
        session.rollback()


def test_sqlite_runs_in_wal_with_foreign_keys(engine: Engine, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


# --- PostgreSQL: upgrading under running replicas ---------------------------------------------


def test_replicas_upgrading_a_new_database_at_once_both_reach_head(postgres_url: str) -> None:
    # One migrates while the other waits for the lock; a waiter blocked in pg_advisory_lock
    # would hold a snapshot that the first one's CONCURRENTLY builds wait out: a deadlock.
    engines = [make_engine(postgres_url) for _ in range(2)]
    try:
        with ThreadPoolExecutor(2) as pool:
            for upgraded in [pool.submit(upgrade_to_head, engine) for engine in engines]:
                upgraded.result(timeout=120)
        assert all(is_at_head(engine) for engine in engines)
        assert _index(engines[0], "ix_timeline_events_incident_kind") == (
            "(incident_id, kind, at)",
            True,
        )
    finally:
        for engine in engines:
            engine.dispose()


def test_the_migration_lock_is_free_once_an_upgrade_is_over(postgres_url: str) -> None:
    engines = [make_engine(postgres_url) for _ in range(2)]
    try:
        upgrade_to_head(engines[0])  # its connection goes back to the pool: not with the lock
        with engines[1].connect() as connection:
            lock = text("SELECT pg_try_advisory_lock(:id)")
            assert connection.execute(lock, {"id": MIGRATION_LOCK_ID}).scalar() is True
    finally:
        for engine in engines:
            engine.dispose()


def test_an_index_left_behind_by_a_build_cut_short_is_built_again(postgres_url: str) -> None:
    engine = _at_revision(postgres_url, "0021")
    try:
        with engine.begin() as connection:  # what a crash between the build and the stamp left
            connection.execute(
                text("CREATE INDEX ix_timeline_events_incident_kind ON timeline_events (actor)")
            )
        statements = _upgrade_recording(engine)
        assert current_revision(engine) == head_revision()
        assert _index(engine, "ix_timeline_events_incident_kind") == (
            "(incident_id, kind, at)",
            True,
        )
        assert any(
            s.startswith("CREATE INDEX CONCURRENTLY ix_timeline_events_incident_kind")
            for s in statements
        ), statements
    finally:
        engine.dispose()


def test_an_index_replaced_on_a_table_in_use_is_dropped_concurrently(postgres_url: str) -> None:
    engine = _at_revision(postgres_url, "0018")
    try:
        statements = _upgrade_recording(engine)
        assert 'DROP INDEX CONCURRENTLY IF EXISTS "ix_alerts_starts_at"' in statements
        with engine.connect() as connection:
            gone = text("SELECT to_regclass('ix_alerts_starts_at') IS NULL")
            assert connection.execute(gone).scalar() is True
    finally:
        engine.dispose()


def _at_revision(url: str, revision: str) -> Engine:
    engine = make_engine(url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), revision)
    return engine


def _upgrade_recording(engine: Engine) -> list[str]:
    """Upgrade to head; the statements it ran."""
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    upgrade_to_head(engine)
    return statements


def _index(engine: Engine, name: str) -> tuple[str, bool]:
    """The index's columns as its definition lists them, and whether it is valid (usable)."""
    with engine.connect() as connection:
        definition, valid = connection.execute(
            text(
                "SELECT pg_get_indexdef(i.indexrelid), i.indisvalid FROM pg_index i "
                "WHERE i.indexrelid = to_regclass(:name)"
            ),
            {"name": name},
        ).one()
    return definition[definition.index("(") :], valid

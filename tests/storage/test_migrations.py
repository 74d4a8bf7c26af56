"""The schema comes from Alembic alone, and the models never drift from it."""

from datetime import datetime
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import StatementError

from bot.insights.queries import TITLE_SEARCH
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.storage.base import Base
from bot.kernel.storage.db import make_session_factory
from bot.kernel.storage.migrate import current_revision, head_revision, is_at_head, upgrade_to_head
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

"""Shared fixtures.

The database is SQLite in a temporary folder unless ``WARROOM_TEST_DATABASE_URL`` names another
(CI sets a fresh PostgreSQL database). It is migrated once per run with ``alembic upgrade head``;
every test that asks for ``engine`` starts with empty tables.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

import bot.tables  # noqa: F401  (registers every table on the metadata)
from bot.kernel.storage.base import Base
from bot.kernel.storage.db import make_engine
from bot.kernel.storage.migrate import upgrade_to_head
from bot.kernel.storage.scratch import scratch_database
from tests.browser import browser  # the session's one Chromium, for every folder
from tests.ci import IN_CI

__all__ = ["IN_CI", "browser"]
pytest_plugins = ["tests.hangs"]

# `warroom serve` started by a test (tests/replicas, tests/durability, tests/e2e) is one process,
# as the tests that kill and restart it assume; tests of --workers ask for more explicitly.
os.environ.setdefault("WEB_CONCURRENCY", "1")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("WARROOM_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'warroom.db'}"


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    if migrated_engine.dialect.name == "postgresql":
        _truncate(migrated_engine)
    else:
        with migrated_engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
    return migrated_engine


# A connection an earlier test left open in a transaction would hold its locks for the rest of the
# run, and every later test would wait on TRUNCATE until its timeout: the run would outlive CI's
# bound. It is ended instead, and named in the run's summary.
_LEFT_OPEN: list[str] = []
_ENDED = text(
    "SELECT pg_terminate_backend(pid), coalesce(application_name, ''), left(query, 200) "
    "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND state LIKE 'idle in transaction%'"
)


def _truncate(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    for attempt in range(2):
        try:
            with engine.begin() as connection:
                connection.execute(text("SET LOCAL lock_timeout = '10s'"))
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt:
                raise
            with engine.connect() as connection:
                ended = connection.execute(_ENDED).all()
            _LEFT_OPEN.extend(f"{app or '?'}: {query}" for _, app, query in ended)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _LEFT_OPEN:
        terminalreporter.section("connections left open in a transaction, ended by the tests")
        for line in _LEFT_OPEN:
            terminalreporter.line(line)


@pytest.fixture
def on_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


# --- a database of a test's own, for real `warroom serve` processes -------------------------------
# Never the suite's shared database: the rows other tests leave there would be seen by the servers.


@pytest.fixture
def postgres_url(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set WARROOM_TEST_DATABASE_URL (CI's PostgreSQL run does)")
    try:
        with scratch_database(database_url, "warroom_test") as url:
            yield url
    except (OperationalError, ProgrammingError) as error:
        if IN_CI:
            raise
        pytest.skip(f"cannot create a database on {database_url}: {error}")


@pytest.fixture
def sqlite_url(database_url: str, tmp_path: Path) -> str:
    """A SQLite file of the test's own; only in the SQLite run of the suite."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite file run is in the SQLite run of the suite")
    return f"sqlite:///{tmp_path / 'own.db'}"


@pytest.fixture
def own_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database on whichever backend this run of the suite uses."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'own.db'}"
        return
    with scratch_database(database_url, "warroom_test") as url:
        yield url

"""Databases for the replica tests: each test gets one of its own, never the suite's shared one
(whose rows other tests leave behind and which the replicas would see)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from tests.conftest import IN_CI
from tests.replicas.harness import fresh_postgres_database


@pytest.fixture
def postgres_url(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the test server, dropped afterwards."""
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL: set WARROOM_TEST_DATABASE_URL (CI's PostgreSQL run does)")
    try:
        with fresh_postgres_database(database_url) as url:
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
    return f"sqlite:///{tmp_path / 'replicas.db'}"


@pytest.fixture
def storm_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database on whichever backend this run of the suite uses."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'replicas.db'}"
        return
    with fresh_postgres_database(database_url) as url:
        yield url

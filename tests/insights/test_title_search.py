"""The incident list's title filter: a case-insensitive substring of the title, the same on
SQLite (read through its trigram FTS5 index, migration 0021) and PostgreSQL (pg_trgm), whatever
the text holds: LIKE wildcards, quotes, FTS5 query syntax, letters beyond ASCII."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, delete, insert, text, update

from bot.incidents.rows import IncidentRow
from bot.insights.domain.filters import ListQuery
from bot.insights.queries import TITLE_SEARCH, incident_list
from bot.kernel.storage.db import make_session_factory

TITLES = [
    "Checkout latency high",
    "checkout LATENCY on eu-west",
    "Search down: 100% errors",
    "Disk 50% full on db_1",
    "dbx1 replica lag",
    'Quoted "primary" failover',
    "NEAR(latency checkout) is not a query",
    "title:login * OR ^ broken (again)",
    "Zürich office VPN",
    "ZÜRICH office Wi-Fi",
    "Café menu bot 500s",
    "back\\slash in path",
    "ab",
    "",
]
SEARCHES = [
    "latency",
    "LATENCY",
    "Checkout latency",
    "out lat",
    "100%",
    "%",
    "50% full",
    "db_1",
    "_",
    "b_1",
    '"primary"',
    '"',
    'd "p',
    "NEAR(latency",
    "NEAR(latency checkout)",
    "title:login",
    "* OR ^",
    "(again)",
    "AND",
    "zürich",
    "ZÜRICH",
    "Zürich office",
    "café",
    "CAFÉ",
    "\\slash",
    "ab",
    "a",
    "xyz",
    "latency checkout",
]
BASE = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _store(engine: Engine, titles: list[str]) -> list[int]:
    """The new incidents' numbers, in the order of ``titles``."""
    with engine.connect() as connection:
        before = connection.scalar(text("SELECT count(*) FROM incidents")) or 0
    rows: list[dict[str, Any]] = [
        {
            "title": title,
            "description": "",
            "severity": "SEV3",
            "status": "investigating",
            "service": "checkout",
            "declarer_id": "U1",
            "lead_id": "U1",
            "provision_state": "done",
            "channel_name": f"inc-t{before + n}",
            "declared_at": BASE + timedelta(hours=before + n),
            "roles": {},
            "version": 1,
        }
        for n, title in enumerate(titles)
    ]
    with engine.begin() as connection:
        connection.execute(insert(IncidentRow), rows)
        numbers = text("SELECT id FROM incidents ORDER BY declared_at")
        return list(connection.scalars(numbers))[before:]


def _fold(value: str, on_postgres: bool) -> str:
    """How each database compares letters: PostgreSQL's ILIKE folds every letter, SQLite's
    LIKE only ASCII ones (as it always has)."""
    if on_postgres:
        return value.lower()
    return value.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


def _listed(engine: Engine, search: str) -> list[int]:
    with make_session_factory(engine)() as session:
        found = incident_list(session, ListQuery(text=search, sort="number", descending=False))
        assert found.total == len(found.rows)
        return [row.id for row in found.rows]


def test_the_filter_finds_the_titles_that_hold_the_text(engine: Engine, on_postgres: bool) -> None:
    numbers = dict(zip(_store(engine, TITLES), TITLES, strict=True))
    for search in SEARCHES:
        wanted = [
            n
            for n, title in numbers.items()
            if _fold(search, on_postgres) in _fold(title, on_postgres)
        ]
        assert _listed(engine, search) == wanted, search
    stored = list(numbers)
    assert _listed(engine, "LATENCY") == [stored[0], stored[1], stored[6]]  # folded case


def test_the_index_follows_new_changed_and_deleted_titles(
    engine: Engine, on_postgres: bool
) -> None:
    first, second = _store(engine, ["Checkout latency high", "Search is slow"])
    with engine.begin() as connection:
        connection.execute(
            update(IncidentRow).where(IncidentRow.id == first).values(title="Login broken")
        )
    assert _listed(engine, "latency") == []
    assert _listed(engine, "login bro") == [first]
    (third,) = _store(engine, ["Search latency again"])
    assert _listed(engine, "latency") == [third]
    with engine.begin() as connection:
        connection.execute(delete(IncidentRow).where(IncidentRow.id == second))
    assert _listed(engine, "search") == [third]
    if on_postgres:
        return
    with engine.connect() as connection:  # the index holds exactly the titles there are
        indexed = connection.scalar(
            text(f"SELECT count(*) FROM {TITLE_SEARCH} WHERE {TITLE_SEARCH} MATCH '\"sea\"'")
        )
        assert indexed == 1
        check = f"INSERT INTO {TITLE_SEARCH}({TITLE_SEARCH}, rank) VALUES ('integrity-check', 1)"
        connection.execute(text(check))  # raises if the index and the titles disagree


@pytest.mark.parametrize("search", ['"', '""', "'", "NEAR(", "a:b", "-x", "*", "^"])
def test_fts_syntax_is_text(engine: Engine, search: str) -> None:
    (number,) = _store(engine, [f"odd {search}{search}{search} title"])
    assert _listed(engine, f"{search}{search}{search}") == [number]
    assert _listed(engine, f"d {search}") == [number]

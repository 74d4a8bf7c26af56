"""incident title search on SQLite: a trigram FTS5 index of the titles, kept in sync by triggers

The list filters titles with a case-insensitive substring match, which no b-tree helps: SQLite
read every title (about 190 ms over 100,000 incidents). An FTS5 table with the trigram tokenizer
(SQLite 3.34 and later) finds the titles that hold every trigram of the text, in order, in a few
milliseconds; the list then checks those few with the same LIKE as before, so the results do not
change (``bot/insights/queries.py``). It is an external-content table over ``incidents``: it
keeps only the index, and the triggers below update it on every insert, title change and delete.
PostgreSQL keeps its pg_trgm index (0020). Where SQLite lacks FTS5 or the trigram tokenizer, the
table is left out and the filter still works, only slower. A later migration that rebuilds
``incidents`` in batch mode (copy, drop, rename) drops these triggers with the old table: it must
create them again and rebuild the index (``INSERT INTO incident_title_search(incident_title_search)
VALUES ('rebuild')``).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "incident_title_search"  # bot.insights.queries.TITLE_SEARCH


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    try:
        op.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5("
            "title, content='incidents', content_rowid='id', tokenize='trigram')"
        )
    except sa.exc.OperationalError:  # no FTS5, or SQLite before 3.34 (no trigram tokenizer)
        return
    op.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('rebuild')")
    op.execute(
        f"CREATE TRIGGER {TABLE}_insert AFTER INSERT ON incidents BEGIN "
        f"INSERT INTO {TABLE}(rowid, title) VALUES (new.id, new.title); END"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_delete AFTER DELETE ON incidents BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, title) VALUES ('delete', old.id, old.title); END"
    )
    op.execute(
        f"CREATE TRIGGER {TABLE}_update AFTER UPDATE OF title ON incidents BEGIN "
        f"INSERT INTO {TABLE}({TABLE}, rowid, title) VALUES ('delete', old.id, old.title); "
        f"INSERT INTO {TABLE}(rowid, title) VALUES (new.id, new.title); END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_{trigger}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")

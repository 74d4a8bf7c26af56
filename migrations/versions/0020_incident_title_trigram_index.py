"""incident title trigram index: the incident list's text filter reads an index on PostgreSQL

The list filters titles with ILIKE '%text%', which no b-tree helps; on PostgreSQL a GIN index of
the titles' trigrams (pg_trgm, a trusted extension since PostgreSQL 13) answers it. SQLite gets
nothing (its LIKE keeps reading every title). Where pg_trgm is not installed on the server, the
index is left out and the filter still works, only slower.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 05:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.kernel.storage.migrate import create_index_online

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    available = bind.execute(
        sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
    ).scalar()
    if not available:
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    create_index_online(
        "ix_incidents_title_trgm",
        "incidents",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_incidents_title_trgm")

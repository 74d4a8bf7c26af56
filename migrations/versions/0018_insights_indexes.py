"""insights indexes: /insights reads alerts and pages by when they started

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 04:00:00
"""

from collections.abc import Sequence

from alembic import op

from bot.kernel.storage.migrate import create_index_online

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_index_online("ix_alerts_starts_at", "alerts", ["starts_at"])
    create_index_online("ix_pages_started_at", "pages", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_pages_started_at", table_name="pages")
    op.drop_index("ix_alerts_starts_at", table_name="alerts")

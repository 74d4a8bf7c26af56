"""insights covering index: /insights counts alerts per rule and finds flapping ones from the index

alerts(starts_at) becomes alerts(starts_at, group_id, name, fingerprint, ends_at, incident_id):
the same range reads (it starts with starts_at), and the page's GROUP BY and window functions
read the index alone instead of every wide alert row (SQLite: COVERING INDEX; PostgreSQL: Index
Only Scan for a range shorter than the whole table).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 04:45:00
"""

from collections.abc import Sequence

from alembic import op

from bot.kernel.storage.migrate import create_index_online, drop_index_online

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["starts_at", "group_id", "name", "fingerprint", "ends_at", "incident_id"]


def upgrade() -> None:
    create_index_online("ix_alerts_starts_at_covering", "alerts", COLUMNS)
    drop_index_online("ix_alerts_starts_at", "alerts")


def downgrade() -> None:
    op.create_index("ix_alerts_starts_at", "alerts", ["starts_at"])
    op.drop_index("ix_alerts_starts_at_covering", table_name="alerts")

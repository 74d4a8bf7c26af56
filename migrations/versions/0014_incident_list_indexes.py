"""incident list indexes: the web app's /incidents filters and newest-first order

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = {
    "ix_incidents_declared_at": ["declared_at"],
    "ix_incidents_status_declared_at": ["status", "declared_at"],
    "ix_incidents_severity_declared_at": ["severity", "declared_at"],
    "ix_incidents_service_declared_at": ["service", "declared_at"],
}


def upgrade() -> None:
    for name, columns in _INDEXES.items():
        op.create_index(name, "incidents", columns)


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="incidents")

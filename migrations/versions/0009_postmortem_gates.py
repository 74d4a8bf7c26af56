"""post-mortem review gates: waived sections and approvals given despite findings

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waivers", sa.JSON(), nullable=True))
    with op.batch_alter_table("postmortem_reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("overrode", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("postmortem_reviews", schema=None) as batch_op:
        batch_op.drop_column("overrode")
    with op.batch_alter_table("postmortems", schema=None) as batch_op:
        batch_op.drop_column("waivers")

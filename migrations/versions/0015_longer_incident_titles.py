"""longer incident titles: a title is kept whole (up to 1000 characters), cut only where Slack shows it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column(
            "title", existing_type=sa.String(200), type_=sa.String(1000), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.alter_column(
            "title", existing_type=sa.String(1000), type_=sa.String(200), existing_nullable=False
        )

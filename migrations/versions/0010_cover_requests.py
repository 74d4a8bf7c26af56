"""cover requests made with /oncall cover

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 22:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.kernel.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_cover_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("schedule", sa.String(length=100), nullable=False),
        sa.Column("requester", sa.String(length=64), nullable=False),
        sa.Column("starts_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("post_to", sa.String(length=255), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("message_ts", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("taken_by", sa.String(length=64), nullable=True),
        sa.Column("override_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("closed_at", bot.kernel.storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncall_cover_requests")),
    )
    with op.batch_alter_table("oncall_cover_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_oncall_cover_requests_schedule_end", ["schedule", "ends_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("oncall_cover_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_oncall_cover_requests_schedule_end")
    op.drop_table("oncall_cover_requests")

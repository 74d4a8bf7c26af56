"""slack inbox: Slack requests stored before their 200, replacing slack_events_seen

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.kernel.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_inbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", bot.kernel.storage.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_inbox")),
        sa.UniqueConstraint("key", name=op.f("uq_slack_inbox_key")),
    )
    with op.batch_alter_table("slack_inbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slack_inbox_received_at"), ["received_at"], unique=False
        )
    with op.batch_alter_table("slack_events_seen", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_events_seen_received_at"))
    op.drop_table("slack_events_seen")


def downgrade() -> None:
    op.create_table(
        "slack_events_seen",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_slack_events_seen")),
    )
    with op.batch_alter_table("slack_events_seen", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_slack_events_seen_received_at"), ["received_at"], unique=False
        )
    with op.batch_alter_table("slack_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_inbox_received_at"))
    op.drop_table("slack_inbox")

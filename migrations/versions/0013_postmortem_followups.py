"""postmortem_followups: action items exported to an issue tracker

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.kernel.storage.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postmortem_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_item_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("tracker", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("issue", sa.String(length=200), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_item_id"],
            ["action_items.id"],
            name=op.f("fk_postmortem_followups_action_item_id_action_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_postmortem_followups_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem_followups")),
        sa.UniqueConstraint("action_item_id", name=op.f("uq_postmortem_followups_action_item_id")),
    )
    op.create_index(
        op.f("ix_postmortem_followups_incident_id"),
        "postmortem_followups",
        ["incident_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_postmortem_followups_issue"), "postmortem_followups", ["issue"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_postmortem_followups_issue"), table_name="postmortem_followups")
    op.drop_index(op.f("ix_postmortem_followups_incident_id"), table_name="postmortem_followups")
    op.drop_table("postmortem_followups")

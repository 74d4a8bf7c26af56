"""announcements: each incident's announcement posts, one per announcement channel

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.kernel.storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=100), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("posted", sa.Integer(), nullable=True),
        sa.Column("tried", sa.Integer(), nullable=True),
        sa.Column("headline", sa.String(length=100), nullable=True),
        sa.Column("planned_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("refused", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_announcements_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("incident_id", "channel", name=op.f("uq_announcements_incident_id")),
    )
    op.create_index(
        op.f("ix_announcements_incident_id"), "announcements", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_announcements_incident_id"), table_name="announcements")
    op.drop_table("announcements")

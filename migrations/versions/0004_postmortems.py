"""postmortems

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import bot.kernel.storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "postmortems",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("template", sa.String(length=100), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=False),
        sa.Column("summary_ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_postmortems_incident_id_incidents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortems")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_postmortems_incident_id")),
    )
    op.create_table(
        "postmortem_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=300), nullable=False),
        sa.Column("created_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("based_on", sa.Integer(), nullable=True),
        sa.Column("merge_base", sa.Integer(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["postmortem_id"],
            ["postmortems.id"],
            name=op.f("fk_postmortem_versions_postmortem_id_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem_versions")),
        sa.UniqueConstraint("postmortem_id", "number", name="uq_postmortem_versions_number"),
    )
    with op.batch_alter_table("postmortem_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postmortem_versions_postmortem_id"), ["postmortem_id"], unique=False
        )

    op.create_table(
        "postmortem_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=False),
        sa.Column("verdict", sa.String(length=24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("approval_key", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["postmortem_id"],
            ["postmortems.id"],
            name=op.f("fk_postmortem_reviews_postmortem_id_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem_reviews")),
        sa.UniqueConstraint("approval_key", name=op.f("uq_postmortem_reviews_approval_key")),
    )
    with op.batch_alter_table("postmortem_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postmortem_reviews_postmortem_id"), ["postmortem_id"], unique=False
        )

    op.create_table(
        "postmortem_exports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("postmortem_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.Text(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", bot.kernel.storage.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", bot.kernel.storage.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["postmortem_id"],
            ["postmortems.id"],
            name=op.f("fk_postmortem_exports_postmortem_id_postmortems"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem_exports")),
        sa.UniqueConstraint(
            "postmortem_id", "version", "target", name="uq_postmortem_exports_version_target"
        ),
    )
    with op.batch_alter_table("postmortem_exports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_postmortem_exports_postmortem_id"), ["postmortem_id"], unique=False
        )


def downgrade() -> None:
    for table in ("postmortem_exports", "postmortem_reviews", "postmortem_versions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_postmortem_id"))
        op.drop_table(table)
    op.drop_table("postmortems")

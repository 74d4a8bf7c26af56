"""incident clock buckets: the time-to-acknowledge/mitigate/resolve histograms on /metrics

Filled from the incidents already there, with their present service and severity (a private
incident, like one without a service, under "none"), each clock measured from the declaration
as the /insights page measures it. The bounds are those of bot/insights/domain/clocks.py then.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLOCKS = (
    ("acknowledge", "acknowledged_at"),
    ("mitigate", "mitigated_at"),
    ("resolve", "resolved_at"),
)
BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800,
           345600, 604800)


def upgrade() -> None:
    buckets = op.create_table(
        "incident_clock_buckets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("clock", sa.String(length=20), nullable=False),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("le", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_clock_buckets")),
        sa.UniqueConstraint(
            "clock", "service", "severity", "le", name="uq_incident_clock_buckets_series"
        ),
    )
    incidents = sa.table(
        "incidents",
        sa.column("service", sa.String()),
        sa.column("severity", sa.String()),
        sa.column("private", sa.Boolean()),
        sa.column("declared_at", sa.DateTime()),
        sa.column("acknowledged_at", sa.DateTime()),
        sa.column("mitigated_at", sa.DateTime()),
        sa.column("resolved_at", sa.DateTime()),
    )
    counted: dict[tuple[str, str, str, str], list[float]] = {}
    for incident in op.get_bind().execute(sa.select(incidents)).mappings():
        service = "none" if incident["private"] or not incident["service"] else incident["service"]
        for clock, column in CLOCKS:
            instant = incident[column]
            if instant is None:
                continue
            seconds = max(0.0, (instant - incident["declared_at"]).total_seconds())
            le = next((str(float(b)) for b in BUCKETS if seconds <= b), "+Inf")
            tally = counted.setdefault((clock, service, incident["severity"], le), [0, 0.0])
            tally[0] += 1
            tally[1] += seconds
    rows = [
        {"clock": c, "service": s, "severity": v, "le": le, "count": int(n), "seconds": total}
        for (c, s, v, le), (n, total) in counted.items()
    ]
    if rows:
        op.bulk_insert(buckets, rows)


def downgrade() -> None:
    op.drop_table("incident_clock_buckets")

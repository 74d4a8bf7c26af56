"""The clock histograms as the database keeps them: one row per (clock, service, severity,
bucket) with its count and the sum of its seconds.

A row is bumped in the transaction that sets the clock, so it counts exactly once whichever replica
applied the change (a change retried after a conflict was rolled back first), and a scrape reads a
few hundred rows however long the history. ``service`` is :data:`NO_SERVICE` for a private
incident, as for one without a service. ``le`` is the bucket's bound as Prometheus writes it."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.kernel.storage.base import Base


class ClockBucketRow(Base):
    __tablename__ = "incident_clock_buckets"
    __table_args__ = (
        UniqueConstraint(
            "clock", "service", "severity", "le", name="uq_incident_clock_buckets_series"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clock: Mapped[str] = mapped_column(String(20))  # acknowledge, mitigate, resolve
    service: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(8))
    le: Mapped[str] = mapped_column(String(16))  # "300.0", "+Inf": this bucket alone
    count: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)

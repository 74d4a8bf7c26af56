"""The system clock, in UTC. The core never calls it: it is handed ``now`` instead."""

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)

"""Instants in the on-call core are timezone-aware UTC; this is the one gate they pass through.

Naive datetimes are refused rather than guessed at: a naive value reaching the core is a bug at an
edge (a parser or a database column that dropped the offset), and guessing would page the wrong
person an hour early or late.
"""

from __future__ import annotations

from datetime import UTC, datetime


def require_utc(value: datetime, name: str) -> datetime:
    """``value`` converted to UTC; ``ValueError`` naming ``name`` when it is naive."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value.astimezone(UTC)

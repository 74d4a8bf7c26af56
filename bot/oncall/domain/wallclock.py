"""Local wall-clock time <-> UTC instants, with one deterministic rule for DST edges.

Rotations and restriction windows are defined in a schedule's local wall-clock time (a 09:00 handoff
stays at 09:00 across DST), so local times must become instants. Two local times have no single
instant, and both are resolved so that the mapping local -> UTC never goes backwards (which is what
keeps shifts from overlapping):

- **nonexistent** (spring-forward gap, e.g. 02:30 on the last Sunday of March in Europe/Berlin):
  the instant the gap ends, i.e. when clocks show 03:00. Every time inside the gap maps to that
  instant, so a shift that starts and ends inside the gap is empty. (RFC 5545's "use the offset
  before the gap" would give 03:30 for 02:30 but 03:00 for 03:00: later local times would map to
  earlier instants and a 30-minute rotation would overlap itself.)
- **ambiguous** (fall-back overlap, e.g. 02:30 on the last Sunday of October): the first occurrence
  (``fold=0``, also RFC 5545's rule). A shift spanning the repeated hour is an hour longer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_SECOND = timedelta(seconds=1)


def to_local(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock time ``instant`` shows in ``zone``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of naive wall-clock time ``local`` in ``zone`` (DST rule: module doc)."""
    if local.tzinfo is not None:
        raise ValueError(f"expected a naive wall-clock time, got {local.isoformat()}")
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if to_local(first, zone) == local:
        return first
    # In a gap fold=0 applies the offset from before the jump and fold=1 the one after, so the
    # jump itself lies between the two readings; find it to the second (offsets change on whole
    # seconds in every tz database zone).
    other = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    before, after = min(first, other), max(first, other)
    offset_after = after.astimezone(zone).utcoffset()
    while after - before > _SECOND:
        middle = before + max(1, (after - before) // _SECOND // 2) * _SECOND
        if middle.astimezone(zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)

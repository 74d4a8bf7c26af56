"""Rotation arithmetic: where shift ``k`` of a layer starts, and which shift holds an instant.

PagerDuty's rule: shift ``k`` starts at ``rotation start + k x turn length`` and belongs to user
``k mod len(users)``. The addition happens on the schedule's local wall clock, so a daily 09:00
Europe/Berlin handoff stays at 09:00 when DST starts or ends; ``wallclock`` turns the local result
into an instant. For turns shorter than a day this means the DST hour is absorbed by the shift that
straddles it (in a 1-hour rotation one shift is empty in spring and two hours long in autumn).
``k`` may be negative: the rotation extends backwards from its virtual start.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.domain.wallclock import to_instant, to_local

NAMED_TURNS: dict[str, timedelta] = {
    "hourly": timedelta(hours=1),
    "daily": timedelta(days=1),
    "weekly": timedelta(weeks=1),
}
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_CUSTOM = re.compile(r"^\s*(-?\d+)\s*([hdw])\s*$")


def parse_turn_length(text: str) -> timedelta:
    """``hourly``/``daily``/``weekly`` or a count and unit (``12h``, ``3d``, ``2w``).

    ``ValueError`` for anything else, including zero and negative lengths (a rotation that never
    advances would keep one person on call forever).
    """
    named = NAMED_TURNS.get(text.strip().lower())
    if named is not None:
        return named
    match = _CUSTOM.match(text.lower())
    if match is None:
        raise ValueError(f"unknown turn length {text!r}")
    count = int(match.group(1))
    if count <= 0:
        raise ValueError(f"turn length must be positive, got {text!r}")
    return count * _UNITS[match.group(2)]


def format_turn_length(turn: timedelta) -> str:
    """The shortest text ``parse_turn_length`` reads back as ``turn``."""
    for name, length in NAMED_TURNS.items():
        if turn == length:
            return name
    for unit, length in reversed(_UNITS.items()):
        if turn % length == timedelta(0):
            return f"{turn // length}{unit}"
    raise ValueError(f"{turn} is not a whole number of hours")


class Rotation:
    """Shift boundaries of one layer in one zone (a small helper object, not a domain value)."""

    def __init__(self, virtual_start: datetime, turn: timedelta, zone: ZoneInfo) -> None:
        self._origin = to_local(virtual_start, zone)
        self._turn = turn
        self._zone = zone

    def start_of(self, k: int) -> datetime:
        """The instant shift ``k`` starts (non-decreasing in ``k``; equal starts = empty shift)."""
        return to_instant(self._origin + k * self._turn, self._zone)

    def index_at(self, instant: datetime) -> int:
        """The ``k`` with ``start_of(k) <= instant < start_of(k + 1)``."""
        # The local-time estimate is off by at most one shift around a DST change.
        k = (to_local(instant, self._zone) - self._origin) // self._turn
        while self.start_of(k) > instant:
            k -= 1
        while self.start_of(k + 1) <= instant:
            k += 1
        return k

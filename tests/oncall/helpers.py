"""Small builders shared by the on-call tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.domain.restrictions import Restriction
from bot.oncall.domain.rotation import parse_turn_length
from bot.oncall.domain.schedule import Layer, Schedule


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware local time (fold=0) converted to UTC, for readable expectations."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def layer(
    users: str,
    start: datetime,
    turn: str | timedelta = "daily",
    *,
    name: str = "layer",
    restrictions: tuple[Restriction, ...] = (),
    begins: datetime | None = None,
    ends: datetime | None = None,
) -> Layer:
    length = parse_turn_length(turn) if isinstance(turn, str) else turn
    return Layer(name, tuple(users.split()), start, length, restrictions, begins, ends)


def schedule(zone: str, *layers: Layer) -> Schedule:
    return Schedule("test", zone, layers)

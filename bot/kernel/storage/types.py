"""Column types that keep instants honest.

SQLite stores datetimes as text and silently drops offsets, so every instant is stored as naive UTC
and handed back timezone-aware. A naive value is refused loudly instead of being guessed at, and
so is one whose UTC time falls outside what ``datetime`` holds (year 1 with a positive offset,
year 9999 with a negative one), with a message that says so instead of an ``OverflowError``.
"""

from datetime import UTC, datetime

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A datetime without tzinfo reached the database layer."""


class OutOfRangeDatetimeError(ValueError):
    """An aware datetime whose UTC time is before year 1 or after year 9999."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC instant; rejects naive datetimes on the way in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {value!r}: pass a timezone-aware instant")
        try:
            return value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            raise OutOfRangeDatetimeError(
                f"{value.isoformat()} has no UTC time between years 1 and 9999"
            ) from None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

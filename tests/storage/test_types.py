"""The UTC column type: an instant goes in aware and comes back aware, in UTC; one that has no
UTC time ``datetime`` can hold is refused with a message that says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import StatementError

from bot.kernel.storage.types import OutOfRangeDatetimeError, UTCDateTime


def round_trip(engine: Engine, value: datetime) -> datetime | None:
    with engine.connect() as connection:
        found: datetime | None = connection.execute(
            select(bindparam("at", value, type_=UTCDateTime()))
        ).scalar()
        return found


def test_an_offset_instant_comes_back_in_utc(engine: Engine) -> None:
    paris = datetime(2026, 11, 20, 15, 2, 11, tzinfo=timezone(timedelta(hours=1)))
    assert round_trip(engine, paris) == datetime(2026, 11, 20, 14, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
            "0001-01-01T00:00:00+05:00 has no UTC time between years 1 and 9999",
        ),
        (
            datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
            "9999-12-31T23:00:00-05:00 has no UTC time between years 1 and 9999",
        ),
    ],
)
def test_an_instant_without_a_utc_time_is_refused_clearly(
    engine: Engine, value: datetime, message: str
) -> None:
    with pytest.raises(StatementError) as raised:
        round_trip(engine, value)
    assert isinstance(raised.value.orig, OutOfRangeDatetimeError)
    assert str(raised.value.orig) == message

"""Local wall-clock time -> instant, including the two DST edge rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.domain.instants import require_utc
from bot.oncall.domain.wallclock import to_instant, to_local
from tests.oncall.helpers import utc

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def wall(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A deliberately naive wall-clock time (ruff's DTZ rules flag accidental ones)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC).replace(tzinfo=None)


def test_an_ordinary_local_time_is_its_instant() -> None:
    assert to_instant(wall(2024, 7, 1, 9, 0), BERLIN) == utc(2024, 7, 1, 7)
    assert to_instant(wall(2024, 1, 1, 9, 0), NEW_YORK) == utc(2024, 1, 1, 14)


@pytest.mark.parametrize("minute", [0, 1, 30, 59])
def test_a_nonexistent_time_means_the_moment_the_clocks_jump(minute: int) -> None:
    # 2024-03-31 02:00 CET -> 03:00 CEST, at 01:00 UTC.
    assert to_instant(wall(2024, 3, 31, 2, minute), BERLIN) == utc(2024, 3, 31, 1)
    # 2024-03-10 02:00 EST -> 03:00 EDT, at 07:00 UTC.
    assert to_instant(wall(2024, 3, 10, 2, minute), NEW_YORK) == utc(2024, 3, 10, 7)


def test_an_ambiguous_time_means_its_first_occurrence() -> None:
    # 02:30 happens twice on 2024-10-27 in Berlin: first at 00:30 UTC (CEST), again at 01:30.
    assert to_instant(wall(2024, 10, 27, 2, 30), BERLIN) == utc(2024, 10, 27, 0, 30)
    # 01:30 happens twice on 2024-11-03 in New York: first at 05:30 UTC (EDT).
    assert to_instant(wall(2024, 11, 3, 1, 30), NEW_YORK) == utc(2024, 11, 3, 5, 30)


def test_local_to_instant_never_goes_backwards_across_a_gap() -> None:
    minutes = [wall(2024, 3, 31, 1, 0) + timedelta(minutes=m) for m in range(180)]
    instants = [to_instant(m, BERLIN) for m in minutes]
    assert instants == sorted(instants)


def test_a_skipped_calendar_day_maps_to_the_jump() -> None:
    # Samoa skipped 2011-12-30 entirely (UTC-10 -> UTC+14 at midnight).
    apia = ZoneInfo("Pacific/Apia")
    assert to_instant(wall(2011, 12, 30, 12, 0), apia) == utc(2011, 12, 30, 10)


def test_to_local_is_the_wall_clock() -> None:
    assert to_local(utc(2024, 7, 1, 7), BERLIN) == wall(2024, 7, 1, 9, 0)


def test_naive_values_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        require_utc(wall(2024, 1, 1), "at")
    with pytest.raises(ValueError, match="naive"):
        to_instant(utc(2024, 1, 1), BERLIN)

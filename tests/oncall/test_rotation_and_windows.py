"""Parsing turn lengths and restriction windows (the texts people write in schedules.yaml)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from bot.oncall.domain.restrictions import (
    DailyWindow,
    WeeklyWindow,
    parse_daily_window,
    parse_weekly_window,
)
from bot.oncall.domain.rotation import format_turn_length, parse_turn_length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hourly", timedelta(hours=1)),
        ("daily", timedelta(days=1)),
        ("Weekly", timedelta(weeks=1)),
        ("12h", timedelta(hours=12)),
        ("3d", timedelta(days=3)),
        ("2w", timedelta(weeks=2)),
        (" 8 h ", timedelta(hours=8)),
    ],
)
def test_turn_lengths(text: str, length: timedelta) -> None:
    assert parse_turn_length(text) == length
    assert parse_turn_length(format_turn_length(length)) == length


@pytest.mark.parametrize(
    ("text", "reason"),
    [("0h", "positive"), ("-3d", "positive"), ("3 days", "unknown"), ("fortnightly", "unknown")],
)
def test_bad_turn_lengths(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_turn_length(text)


def test_daily_windows() -> None:
    assert parse_daily_window("09:00-17:00") == DailyWindow(time(9), timedelta(hours=8))
    assert parse_daily_window("22:00 - 06:00") == DailyWindow(time(22), timedelta(hours=8))
    assert parse_daily_window("17:00-24:00") == DailyWindow(time(17), timedelta(hours=7))
    assert parse_daily_window("00:00-24:00") == DailyWindow(time(0), timedelta(days=1))
    assert str(parse_daily_window("22:00-06:00")) == "22:00-06:00"
    assert str(parse_daily_window("00:00-24:00")) == "00:00-24:00"


def test_weekly_windows() -> None:
    assert parse_weekly_window("mon 09:00 - fri 17:00") == WeeklyWindow(
        0, time(9), timedelta(days=4, hours=8)
    )
    assert parse_weekly_window("Friday 18:00 - Monday 09:00") == WeeklyWindow(
        4, time(18), timedelta(days=2, hours=15)
    )
    assert str(parse_weekly_window("fri 18:00 - mon 09:00")) == "fri 18:00 - mon 09:00"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9-17", "expected HH:MM-HH:MM"),
        ("09:00-09:00", "same time"),
        ("25:00-26:00", "not a time of day"),
        ("09:60-10:00", "not a time of day"),
    ],
)
def test_bad_daily_windows(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_daily_window(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("mon 09:00", "expected"),
        ("mon 09:00 - mon 09:00", "same moment"),
        ("funday 09:00 - fri 17:00", "not a weekday"),
        ("mo 09:00 - fri 17:00", "not a weekday"),
    ],
)
def test_bad_weekly_windows(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_weekly_window(text)

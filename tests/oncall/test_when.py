"""Natural times for /oncall override: examples people type, and properties over any instant."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.oncall.domain.wallclock import to_instant, to_local
from bot.oncall.domain.when import WEEKDAYS, WhenError, parse_when, time_length
from tests.oncall.helpers import local, utc

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
# Tuesday 2026-11-24 10:30 in Berlin (CET, UTC+1).
NOW = local("Europe/Berlin", 2026, 11, 24, 10, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("NOW", NOW),
        ("+4h", NOW + timedelta(hours=4)),
        ("+90m", NOW + timedelta(minutes=90)),
        ("+2d", NOW + timedelta(days=2)),
        ("+1w", NOW + timedelta(weeks=1)),
        ("+1h30m", NOW + timedelta(hours=1, minutes=30)),
        ("today 18:00", local("Europe/Berlin", 2026, 11, 24, 18)),
        ("today 9:05", local("Europe/Berlin", 2026, 11, 24, 9, 5)),
        ("tomorrow 09:00", local("Europe/Berlin", 2026, 11, 25, 9)),
        ("Tomorrow 23:59", local("Europe/Berlin", 2026, 11, 25, 23, 59)),
        ("wed 09:00", local("Europe/Berlin", 2026, 11, 25, 9)),
        ("monday 09:00", local("Europe/Berlin", 2026, 11, 30, 9)),
        ("tue 11:00", local("Europe/Berlin", 2026, 11, 24, 11)),  # today, still ahead
        ("tue 10:00", local("Europe/Berlin", 2026, 12, 1, 10)),  # today's has passed
        ("18:00", local("Europe/Berlin", 2026, 11, 24, 18)),
        ("08:00", local("Europe/Berlin", 2026, 11, 25, 8)),
        ("2026-11-24T09:00", local("Europe/Berlin", 2026, 11, 24, 9)),
        ("2026-11-24 09:00", local("Europe/Berlin", 2026, 11, 24, 9)),
        ("2026-12-01", local("Europe/Berlin", 2026, 12, 1)),
        ("2026-11-24T09:00+01:00", utc(2026, 11, 24, 8)),
        ("2026-11-24T09:00Z", utc(2026, 11, 24, 9)),
        ("2026-11-24 09:00-0500", utc(2026, 11, 24, 14)),
        ("2026-11-24T09:00:30+05:30", datetime(2026, 11, 24, 3, 30, 30, tzinfo=UTC)),
    ],
)
def test_examples_in_berlin(text: str, expected: datetime) -> None:
    assert parse_when(text, NOW, BERLIN) == expected


def test_local_forms_follow_the_persons_zone() -> None:
    assert parse_when("tomorrow 09:00", NOW, NEW_YORK) == local("America/New_York", 2026, 11, 25, 9)
    assert parse_when("2026-11-24 09:00", NOW, NEW_YORK) == utc(2026, 11, 24, 14)


def test_relative_counts_from_the_base() -> None:
    start = local("Europe/Berlin", 2026, 11, 25, 9)
    assert parse_when("+4h", NOW, BERLIN, base=start) == start + timedelta(hours=4)
    assert parse_when("tomorrow 18:00", NOW, BERLIN, base=start) == local(
        "Europe/Berlin", 2026, 11, 25, 18
    )


def test_dst_gap_and_fold_use_the_cores_rule() -> None:
    spring = local("Europe/Berlin", 2026, 3, 28, 12)
    # 02:30 does not exist on 2026-03-29 in Berlin: it means the moment clocks jump (03:00 CEST).
    assert parse_when("tomorrow 02:30", spring, BERLIN) == utc(2026, 3, 29, 1)
    autumn = local("Europe/Berlin", 2026, 10, 24, 12)
    # 02:30 happens twice on 2026-10-25: the first one (CEST, UTC+2).
    assert parse_when("tomorrow 02:30", autumn, BERLIN) == utc(2026, 10, 25, 0, 30)


@pytest.mark.parametrize(
    "text",
    ["", "soon", "4h", "+4", "+h", "tomorrow", "mon", "25:00", "today 24:00", "2026-13-01",
     "2026-02-30 09:00", "2026-11-24T9", "now now", "+4h extra", "yesterday 09:00"],
)  # fmt: skip
def test_unreadable_times_say_which_forms_work(text: str) -> None:
    with pytest.raises(WhenError) as error:
        parse_when(text, NOW, BERLIN)
    message = str(error.value)
    assert "now, +4h" in message or "not a calendar date" in message


def test_absurdly_far_is_refused() -> None:
    with pytest.raises(WhenError, match="too far ahead"):
        parse_when("+9999999d", NOW, BERLIN)


@pytest.mark.parametrize(
    ("words", "length"),
    [
        ("now +4h primary", 1),
        ("tomorrow 09:00 +4h", 2),
        ("mon 09:00 tue 09:00", 2),
        ("2026-11-24 09:00 2026-11-25", 2),
        ("2026-11-24 primary", 1),
        ("2026-11-24T09:00+01:00 x", 1),
        ("18:00 primary", 1),
        ("tomorrow primary", 0),
        ("primary now", 0),
        ("", 0),
    ],
)
def test_time_length_splits_by_syntax(words: str, length: int) -> None:
    assert time_length(words.split()) == length


ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
# Hypothesis wants naive bounds; the wall-clock values are made aware below.
WALL_CLOCK = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2090, 1, 1),  # noqa: DTZ001
)
INSTANTS = WALL_CLOCK.map(lambda wall: wall.replace(tzinfo=UTC))
CLOCKS = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(INSTANTS, ZONES, st.integers(0, 100_000), st.sampled_from(["m", "h", "d", "w"]))
def test_relative_is_exact_elapsed_time(now: datetime, zone: str, count: int, unit: str) -> None:
    step = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}.get(
        unit, timedelta(weeks=1)
    )
    if count * step > timedelta(days=3660):
        return
    assert parse_when(f"+{count}{unit}", now, ZoneInfo(zone)) == now + count * step


@given(INSTANTS, ZONES, CLOCKS, st.sampled_from(["today", "tomorrow"]))
def test_day_words_are_that_wall_clock_time(
    now: datetime, zone_name: str, clock: time, word: str
) -> None:
    zone = ZoneInfo(zone_name)
    day = to_local(now, zone).date() + timedelta(days=1 if word == "tomorrow" else 0)
    result = parse_when(f"{word} {clock:%H:%M}", now, zone)
    assert result == to_instant(datetime.combine(day, clock), zone)
    assert result.tzinfo is UTC


@given(INSTANTS, ZONES, CLOCKS, st.sampled_from(sorted(WEEKDAYS)))
def test_weekday_is_the_next_such_time(
    now: datetime, zone_name: str, clock: time, weekday: str
) -> None:
    zone = ZoneInfo(zone_name)
    result = parse_when(f"{weekday} {clock:%H:%M}", now, zone)
    assert now < result <= now + timedelta(days=8)
    day = to_local(result, zone).date()
    assert result == to_instant(datetime.combine(day, clock), zone)
    assert day.weekday() == WEEKDAYS[weekday] or to_local(result, zone).time() != clock
    # Nothing earlier qualifies: a week earlier is already past.
    earlier = to_instant(datetime.combine(day - timedelta(days=7), clock), zone)
    assert earlier <= now


@given(INSTANTS, ZONES, WALL_CLOCK, st.integers(-14 * 60, 14 * 60))
def test_iso_with_offset_is_the_exact_instant(
    now: datetime, zone: str, wall: datetime, offset_minutes: int
) -> None:
    offset = timezone(timedelta(minutes=offset_minutes))
    instant = wall.replace(second=0, microsecond=0, tzinfo=offset)
    assert parse_when(instant.isoformat(), now, ZoneInfo(zone)) == instant


@given(st.text(max_size=40), INSTANTS, ZONES)
def test_anything_else_is_a_time_or_a_when_error(text: str, now: datetime, zone: str) -> None:
    try:
        result = parse_when(text, now, ZoneInfo(zone))
    except WhenError:
        return
    assert result.tzinfo is UTC

"""Restriction windows: when a layer may have someone on call, in the schedule's local time.

PagerDuty models a restriction as a start (time of day, plus a weekday for weekly ones) and a
duration; we do the same, and parse the friendlier texts ``09:00-17:00`` (daily) and
``mon 09:00 - fri 17:00`` (weekly). A window whose end is not after its start wraps into the next
day or week (``22:00-06:00``, ``fri 18:00 - mon 09:00``). Restrictions clip shifts; they never move
the rotation (the user of shift ``k`` is the same with or without them). A layer with several
restrictions is on call during their union.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.domain.wallclock import to_instant, to_local

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_CLOCK = r"(\d{1,2}):(\d{2})"
_DAILY = re.compile(rf"^\s*{_CLOCK}\s*-\s*{_CLOCK}\s*$")
_WEEKLY = re.compile(rf"^\s*([a-z]+)\s+{_CLOCK}\s*-\s*([a-z]+)\s+{_CLOCK}\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DailyWindow:
    """Every day from ``start`` (local) for ``duration`` (0 < duration <= 1 day)."""

    start: time
    duration: timedelta

    def __post_init__(self) -> None:
        if not timedelta(0) < self.duration <= DAY:
            raise ValueError(
                f"a daily window lasts more than 0 and at most 24h, got {self.duration}"
            )

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock_after(self.start, self.duration)}"


@dataclass(frozen=True)
class WeeklyWindow:
    """Every week from ``weekday`` (0 = Monday) at ``start`` (local) for ``duration`` (<= 7d)."""

    weekday: int
    start: time
    duration: timedelta

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday is 0 (Monday) to 6 (Sunday), got {self.weekday}")
        if not timedelta(0) < self.duration <= WEEK:
            raise ValueError(
                f"a weekly window lasts more than 0 and at most 7 days, got {self.duration}"
            )

    def __str__(self) -> str:
        start = timedelta(days=self.weekday, hours=self.start.hour, minutes=self.start.minute)
        end = start + self.duration
        end_day = WEEKDAYS[(end // DAY) % 7]
        return (
            f"{WEEKDAYS[self.weekday]} {_clock(self.start)} - "
            f"{end_day} {_clock_after(time(0), end % DAY)}"
        )


Restriction = DailyWindow | WeeklyWindow


def parse_daily_window(text: str) -> DailyWindow:
    """``HH:MM-HH:MM``; ``24:00`` is allowed as an end. ``ValueError`` with the reason otherwise."""
    match = _DAILY.match(text)
    if match is None:
        raise ValueError(f"expected HH:MM-HH:MM, got {text!r}")
    start = _minutes(match.group(1), match.group(2), allow_24=False)
    end = _minutes(match.group(3), match.group(4), allow_24=True)
    if start == end % (24 * 60) and (start, end) != (0, 24 * 60):
        raise ValueError(f"window {text!r} starts and ends at the same time")
    length = (end - start) % (24 * 60) or 24 * 60
    return DailyWindow(time(start // 60, start % 60), timedelta(minutes=length))


def parse_weekly_window(text: str) -> WeeklyWindow:
    """``ddd HH:MM - ddd HH:MM`` (``mon 09:00 - fri 17:00``); ``ValueError`` with the reason."""
    match = _WEEKLY.match(text)
    if match is None:
        raise ValueError(
            f"expected 'ddd HH:MM - ddd HH:MM' (e.g. 'mon 09:00 - fri 17:00'), got {text!r}"
        )
    start_day = _weekday(match.group(1))
    end_day = _weekday(match.group(4))
    start = start_day * 24 * 60 + _minutes(match.group(2), match.group(3), allow_24=False)
    end = end_day * 24 * 60 + _minutes(match.group(5), match.group(6), allow_24=True)
    week = 7 * 24 * 60
    if start % week == end % week:
        raise ValueError(f"window {text!r} starts and ends at the same moment of the week")
    length = (end - start) % week
    minute_of_day = start % (24 * 60)
    return WeeklyWindow(
        start_day, time(minute_of_day // 60, minute_of_day % 60), timedelta(minutes=length)
    )


def windows_between(
    restrictions: tuple[Restriction, ...], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The union of the restriction windows meeting ``[start, end)``, as sorted disjoint instants.

    Windows are not clipped to ``[start, end)``; callers intersect.
    """
    first_day = to_local(start, zone).date() - timedelta(days=8)
    last_day = to_local(end, zone).date() + DAY
    spans: list[tuple[datetime, datetime]] = []
    for restriction in restrictions:
        for day in _days(first_day, last_day):
            if isinstance(restriction, WeeklyWindow) and day.weekday() != restriction.weekday:
                continue
            local_start = datetime.combine(day, restriction.start)
            span = (
                to_instant(local_start, zone),
                to_instant(local_start + restriction.duration, zone),
            )
            if span[0] < span[1] and span[1] > start and span[0] < end:
                spans.append(span)
    return _union(spans)


def _union(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for span_start, span_end in sorted(spans):
        if merged and span_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], span_end))
        else:
            merged.append((span_start, span_end))
    return merged


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _minutes(hours: str, minutes: str, *, allow_24: bool) -> int:
    h, m = int(hours), int(minutes)
    if allow_24 and (h, m) == (24, 0):
        return 24 * 60
    if h > 23 or m > 59:
        raise ValueError(f"{hours}:{minutes} is not a time of day (00:00 to 23:59)")
    return h * 60 + m


def _weekday(text: str) -> int:
    word = text.lower()
    for index, full in enumerate(_FULL_DAYS):
        if len(word) >= 3 and full.startswith(word):
            return index
    raise ValueError(f"{text!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)")


def _clock(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _clock_after(start: time, length: timedelta) -> str:
    if length == DAY and start == time(0):
        return "24:00"
    minutes = (start.hour * 60 + start.minute + length // timedelta(minutes=1)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"

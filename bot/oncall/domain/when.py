"""Natural times for ``/oncall override``: what people type, read in their own time zone.

Accepted forms (case-insensitive; ``zone`` is the person's IANA time zone):

- ``now``
- ``+4h``, ``+90m``, ``+2d``, ``+1w`` and sums such as ``+1h30m``: exact elapsed time after
  ``base`` (``now`` unless the caller says otherwise: an override's end counts from its start)
- ``today 18:00``, ``tomorrow 09:00``: that local wall-clock time on that local date
- ``mon 09:00`` (or ``monday 09:00``): the next time that weekday shows that local time, today
  included if it is still ahead
- ``18:00``: the next time the local clock shows 18:00 (today or tomorrow)
- ``2026-11-24 09:00``, ``2026-11-24T09:00``, ``2026-11-24`` (midnight): local wall-clock time
- the same with an offset (``2026-11-24T09:00+01:00``, ``2026-11-24 09:00Z``): an exact instant

Local times become instants with ``wallclock.to_instant`` (the one DST rule of the core). Results
are timezone-aware UTC. ``time_length`` tells a command parser how many leading words form a time,
by syntax alone (``time_lengths``: every reading), so ``/oncall override @u tomorrow 09:00 +4h
primary`` splits without knowing ``now``; ``parse_when`` then gives the words their meaning
(``WhenError`` says which forms work).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.oncall.domain.instants import require_utc
from bot.oncall.domain.wallclock import to_instant, to_local

ACCEPTED = (
    "now, +4h, +90m, +2d, today 18:00, tomorrow 09:00, mon 09:00, 18:00, "
    "2026-11-24 09:00 or 2026-11-24T09:00+01:00"
)
MAX_RELATIVE = timedelta(days=3660)

_CLOCK = r"(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
_DATE = r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
_OFFSET = r"(?P<offset>z|[+-](?:[01]\d|2[0-3]):?[0-5]\d)?"
_RELATIVE = re.compile(r"^\+(?:\d{1,7}[wdhm])+$")
_RELATIVE_PART = re.compile(r"(\d+)([wdhm])")
_CLOCK_ONLY = re.compile(rf"^{_CLOCK}{_OFFSET}$")
_DATE_ONLY = re.compile(rf"^{_DATE}$")
_DATE_TIME = re.compile(rf"^{_DATE}t{_CLOCK}{_OFFSET}$")
_UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
_DAYS = {"today": 0, "tomorrow": 1}
WEEKDAYS = {
    **{name: index for index, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}


class WhenError(ValueError):
    """A time that could not be read; the message quotes it and lists the forms that work."""


def time_length(words: Sequence[str]) -> int:
    """How many of the leading ``words`` form one time (2, 1, or 0 when they do not start one).

    The longest reading; syntax only: ``2026-02-30`` counts here and is refused by ``parse_when``.
    """
    lengths = time_lengths(words)
    return lengths[0] if lengths else 0


def time_lengths(words: Sequence[str]) -> tuple[int, ...]:
    """Every count of leading ``words`` that forms one time, longest first.

    Only a bare date followed by a clock time has two readings (``2026-11-24 18:00`` is one
    time, or a day and then 18:00), so a parser can fall back to the shorter one.
    """
    if not words:
        return ()
    first = words[0].lower()
    second = words[1].lower() if len(words) > 1 else ""
    if first in _DAYS or first in WEEKDAYS:
        return (2,) if _CLOCK_ONLY.match(second) else ()
    if _DATE_ONLY.match(first):
        return (2, 1) if _CLOCK_ONLY.match(second) else (1,)
    if first == "now" or _RELATIVE.match(first) or _CLOCK_ONLY.match(first):
        return (1,)
    return (1,) if _DATE_TIME.match(first) else ()


def parse_when(text: str, now: datetime, zone: ZoneInfo, base: datetime | None = None) -> datetime:
    """The instant ``text`` names, for someone in ``zone`` at ``now`` (forms: module docstring).

    ``base`` anchors relative forms (``+4h``); it defaults to ``now``.
    """
    now = require_utc(now, "now")
    anchor = require_utc(base, "base") if base is not None else now
    words = text.split()
    if not words or time_length(words) != len(words):
        raise _unreadable(text)
    first = words[0].lower()
    try:
        if first == "now":
            return now
        if _RELATIVE.match(first):
            return _relative(first, anchor, text)
        if len(words) == 1 and _CLOCK_ONLY.match(first):
            return _next_clock(first, now, zone, text, days=range(2))
        if first in _DAYS:
            day = to_local(now, zone).date() + timedelta(days=_DAYS[first])
            return _on(day, words[1].lower(), zone, text)
        if first in WEEKDAYS:
            return _next_clock(words[1].lower(), now, zone, text, weekday=WEEKDAYS[first])
        if _DATE_ONLY.match(first):
            clock = words[1].lower() if len(words) == 2 else "00:00"
            return _on(_date(first, text), clock, zone, text)
        return _date_time(first, zone, text)
    except (OverflowError, ValueError) as exc:
        if isinstance(exc, WhenError):
            raise
        raise WhenError(f"{text.strip()!r} is out of range ({exc}); use {ACCEPTED}") from exc


def _unreadable(text: str) -> WhenError:
    shown = text.strip() or "nothing"
    return WhenError(f"could not read {shown!r} as a time; use {ACCEPTED}")


def _relative(word: str, anchor: datetime, text: str) -> datetime:
    total = sum(
        (int(count) * _UNITS[unit] for count, unit in _RELATIVE_PART.findall(word)), timedelta()
    )
    if total > MAX_RELATIVE:
        raise WhenError(f"{text.strip()!r} is too far ahead (at most {MAX_RELATIVE.days} days)")
    return anchor + total


def _next_clock(
    word: str,
    now: datetime,
    zone: ZoneInfo,
    text: str,
    days: range = range(8),
    weekday: int | None = None,
) -> datetime:
    today = to_local(now, zone).date()
    for ahead in days:
        day = today + timedelta(days=ahead)
        if weekday is not None and day.weekday() != weekday:
            continue
        instant = _on(day, word, zone, text)
        if instant > now:
            return instant
    raise WhenError(f"could not place {text.strip()!r} after now")  # pragma: no cover


def _on(day: date, word: str, zone: ZoneInfo, text: str) -> datetime:
    match = _CLOCK_ONLY.match(word)
    if match is None:
        raise _unreadable(text)
    clock = time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0))
    offset = _offset(match["offset"])
    if offset is not None:
        return datetime.combine(day, clock, tzinfo=offset).astimezone(UTC)
    return to_instant(datetime.combine(day, clock), zone)


def _date(word: str, text: str) -> date:
    match = _DATE_ONLY.match(word)
    assert match is not None
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as exc:
        raise WhenError(f"{text.strip()!r} is not a calendar date ({exc})") from exc


def _date_time(word: str, zone: ZoneInfo, text: str) -> datetime:
    match = _DATE_TIME.match(word)
    if match is None:
        raise _unreadable(text)
    day = _date(f"{match['year']}-{match['month']}-{match['day']}", text)
    seconds = f":{match['second']}" if match["second"] else ""
    clock = f"{match['hour']}:{match['minute']}{seconds}{match['offset'] or ''}"
    return _on(day, clock, zone, text)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))

"""On-call load: who carries the pager, when, and how fairly. Pure: shifts and pages in, figures
out (``warroom report`` and the ``/insights`` page share it).

Hours on call are split by the wall clock **in the person's own zone** (DST-correct: an hour that a
spring-forward skips is never counted, a repeated autumn hour is counted twice):

- *weekend*: all of Saturday and Sunday;
- *business hours*: Monday to Friday 09:00-18:00;
- *evenings*: Monday to Friday 18:00-23:00;
- *nights*: Monday to Friday 23:00-09:00 (so Friday 23:00-24:00 is a night, Saturday 00:00 on the
  weekend, and Monday 00:00-09:00 a night).

A *night page* is a page that reached the person between 23:00 and 09:00 in their zone, any day.
An acknowledgement time is from when a page reached the person to when they acknowledged it
(pages someone else acknowledged are not theirs). The fairness of a schedule compares the hours
its people were on call over the range: the most and the fewest, their ratio, and the coefficient
of variation (population standard deviation over the mean), 0 for a perfectly even rotation.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.insights.domain.stats import Summary, summarize
from bot.oncall.domain.schedule import Override, Schedule, final_shifts
from bot.oncall.domain.wallclock import to_instant

NIGHT_STARTS, BUSINESS_STARTS, EVENING_STARTS = 23, 9, 18
_BOUNDARIES = (time(0), time(BUSINESS_STARTS), time(EVENING_STARTS), time(NIGHT_STARTS))
_SECOND = timedelta(seconds=1)
_TICK = timedelta(microseconds=1)


class Part(StrEnum):
    BUSINESS = "business"
    EVENING = "evening"
    NIGHT = "night"
    WEEKEND = "weekend"


@dataclass(frozen=True, slots=True)
class Shift:
    """``person`` on call for ``schedule`` over ``[start, end)``; ``zone``: the person's own."""

    schedule: str
    person: str
    start: datetime
    end: datetime
    zone: str


@dataclass(frozen=True, slots=True)
class Paged:
    """A page reaching ``person`` at ``at``; who acknowledged the page, and when (None: nobody)."""

    person: str
    at: datetime
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True, slots=True)
class Hours:
    business: float = 0.0
    evening: float = 0.0
    night: float = 0.0
    weekend: float = 0.0

    @property
    def total(self) -> float:
        return self.business + self.evening + self.night + self.weekend

    def __add__(self, other: Hours) -> Hours:
        return Hours(
            self.business + other.business,
            self.evening + other.evening,
            self.night + other.night,
            self.weekend + other.weekend,
        )


@dataclass(frozen=True, slots=True)
class PersonLoad:
    person: str
    zone: str
    hours: Hours
    pages: int
    night_pages: int
    acknowledged: Summary | None  # seconds from reaching them to their acknowledgement


@dataclass(frozen=True, slots=True)
class Fairness:
    schedule: str
    people: int
    most_hours: float
    fewest_hours: float
    ratio: float | None  # most / fewest; None when someone had none
    variation: float  # coefficient of variation of the hours (0: perfectly even)


@dataclass(frozen=True, slots=True)
class OnCallLoad:
    people: list[PersonLoad] = field(default_factory=list)
    fairness: list[Fairness] = field(default_factory=list)


def part_of(local: datetime) -> Part:
    """Which part of the week a wall-clock time is in."""
    if local.weekday() >= 5:
        return Part.WEEKEND
    if BUSINESS_STARTS <= local.hour < EVENING_STARTS:
        return Part.BUSINESS
    if EVENING_STARTS <= local.hour < NIGHT_STARTS:
        return Part.EVENING
    return Part.NIGHT


def is_night(local: datetime) -> bool:
    return local.hour >= NIGHT_STARTS or local.hour < BUSINESS_STARTS


def split(start: datetime, end: datetime, zone: ZoneInfo) -> Hours:
    """The hours of ``[start, end)`` in each part of the week, by the wall clock of ``zone``."""
    seconds: dict[Part, float] = defaultdict(float)
    for left, right in _pieces(start, end, zone):
        seconds[part_of(left.astimezone(zone))] += (right - left).total_seconds()
    return Hours(*(seconds[part] / 3600 for part in Part))


def _pieces(start: datetime, end: datetime, zone: ZoneInfo) -> Iterable[tuple[datetime, datetime]]:
    """``[start, end)`` cut wherever the part of the week may change: at every wall-clock
    boundary (00:00, 09:00, 18:00, 23:00) and at every change of the zone's UTC offset, so the
    wall clock runs evenly inside each piece and the part at its start holds for all of it."""
    cursor = start
    while cursor < end:
        day = cursor.astimezone(zone).date()
        cuts = [end, *_boundaries(day, zone), *_boundaries(day + timedelta(days=1), zone)]
        cut = min(c for c in cuts if c > cursor)
        if _offset(cut - _TICK, zone) != _offset(cursor, zone):
            cut = _offset_change(cursor, cut, zone)
        yield cursor, cut
        cursor = cut


def _boundaries(day: date, zone: ZoneInfo) -> list[datetime]:
    found = []
    for at in _BOUNDARIES:
        local = datetime.combine(day, at)
        found.append(to_instant(local, zone))
        found.append(local.replace(tzinfo=zone, fold=1).astimezone(UTC))  # a repeated time
    return found


def _offset_change(start: datetime, end: datetime, zone: ZoneInfo) -> datetime:
    """The first instant of ``(start, end)`` whose offset differs from ``start``'s (offsets
    change on whole seconds in every tz database zone, so it is found by bisecting seconds)."""
    offset = _offset(start, zone)
    base = start.replace(microsecond=0)
    low, high = 0, math.ceil((end - base).total_seconds())  # base + high has changed
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(base + middle * _SECOND, zone) == offset:
            low = middle
        else:
            high = middle
    return min(base + high * _SECOND, end)


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def load(
    shifts: Iterable[Shift],
    pages: Iterable[Paged],
    since: datetime,
    until: datetime,
    zones: Mapping[str, str] | None = None,
    members: Mapping[str, Sequence[str]] | None = None,
) -> OnCallLoad:
    """The on-call load over ``[since, until)``: shifts clipped to it, pages reaching someone in
    it. ``zones``: a person's zone when it is not their shifts' (someone paged directly).
    ``members``: each schedule's rotation, so someone in it with no shift in the range counts
    in its fairness with no hours (a schedule with no shift at all is left out)."""
    clipped = [
        Shift(s.schedule, s.person, max(s.start, since), min(s.end, until), s.zone)
        for s in shifts
        if s.end > since and s.start < until
    ]
    reached = [p for p in pages if since <= p.at < until]
    known = dict(zones or {})
    for one in clipped:
        known.setdefault(one.person, one.zone)
    people = sorted({s.person for s in clipped} | {p.person for p in reached})
    hours: dict[str, Hours] = defaultdict(Hours)
    per_schedule: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for one in clipped:
        part = split(one.start, one.end, ZoneInfo(known[one.person]))
        hours[one.person] += part
        per_schedule[one.schedule][one.person] += part.total
    for schedule, rotation in (members or {}).items():
        if schedule in per_schedule:
            for person in rotation:
                per_schedule[schedule][person] += 0.0
    loads = []
    for person in people:
        zone_name = known.get(person, "UTC")
        zone = ZoneInfo(zone_name)
        theirs = [p for p in reached if p.person == person]
        acks = [
            (p.acknowledged_at - p.at).total_seconds()
            for p in theirs
            if p.acknowledged_at is not None and p.acknowledged_by == person
        ]
        loads.append(
            PersonLoad(
                person,
                zone_name,
                hours[person],
                len(theirs),
                sum(1 for p in theirs if is_night(p.at.astimezone(zone))),
                summarize([max(0.0, a) for a in acks]),
            )
        )
    fairness = [fairness_of(name, list(per.values())) for name, per in sorted(per_schedule.items())]
    return OnCallLoad(loads, fairness)


def fairness_of(schedule: str, hours: Sequence[float]) -> Fairness:
    """How evenly ``hours`` (one figure per person of the schedule) are spread."""
    most, fewest = max(hours), min(hours)
    mean = sum(hours) / len(hours)
    spread = math.sqrt(sum((h - mean) ** 2 for h in hours) / len(hours))
    return Fairness(
        schedule,
        len(hours),
        most,
        fewest,
        most / fewest if fewest > 0 else None,
        spread / mean if mean > 0 else 0.0,
    )


def schedule_shifts(
    schedule: Schedule,
    start: datetime,
    end: datetime,
    overrides: Sequence[Override] = (),
    zones: Mapping[str, str] | None = None,
) -> list[Shift]:
    """The schedule's final shifts over ``[start, end)`` (layers, restrictions and overrides, as
    paging sees them), gaps left out; a person's zone from ``zones``, else the schedule's."""
    known = zones or {}
    return [
        Shift(schedule.name, s.user, s.start, s.end, known.get(s.user) or schedule.time_zone)
        for s in final_shifts(schedule, start, end, overrides)
        if s.user is not None
    ]

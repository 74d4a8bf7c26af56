"""The monthly insights digest: when it is posted and which month it reports. Pure.

``digest: {channel: "#sre", day: 1, time: "09:00", time_zone: Europe/Berlin}`` posts, on that
day of every month at that wall-clock time (a day past the month's end means its last day; a
time a DST jump skips, the moment the jump ends), the insights of the calendar month before
(UTC dates, as ``warroom report`` takes them).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.domain.wallclock import to_instant, to_local


@dataclass(frozen=True)
class DigestPlan:
    channel: str  # "#name" or a channel id
    day: int = 1  # 1-31
    at: time = time(9, 0)
    time_zone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def name(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def before(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def after(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @classmethod
    def parse(cls, text: str) -> Month:
        year, month = text.split("-")
        return cls(int(year), int(month))


def posted_at(plan: DigestPlan, month: Month) -> datetime:
    """When the digest of the month before ``month`` is posted, in ``month``."""
    day = min(plan.day, calendar.monthrange(month.year, month.month)[1])
    return to_instant(datetime.combine(date(month.year, month.month, day), plan.at), plan.zone)


def next_digest(plan: DigestPlan, after: datetime) -> tuple[datetime, Month]:
    """The first posting strictly after ``after`` and the month it reports."""
    local = to_local(after, plan.zone)
    month = Month(local.year, local.month)
    due = posted_at(plan, month)
    if due <= after:
        month = month.after()
        due = posted_at(plan, month)
    return due, month.before()


def late_by(plan: DigestPlan, reported: Month, now: datetime) -> timedelta:
    """How long after its posting time ``now`` is (the runner fires late after downtime)."""
    return now - posted_at(plan, reported.after())

"""Kinds, keys and due times of the on-call timers (handoff reminders, digests, announcements).

One handoff timer per schedule (``schedule:<name>:handoff``) walks from boundary to boundary:
its payload names the boundary it is for, and each firing reschedules the same key for the next
one. Keeping the key free of the boundary makes planning an upsert that every replica and every
restart agrees on; the boundary lives in the effect keys instead, so each DM is sent once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.kernel.timers import store as timers
from bot.oncall.domain.schedule import Override, Schedule, next_handoff
from bot.oncall.domain.wallclock import to_instant, to_local

HANDOFF = "oncall.handoff"  # DM the outgoing and incoming engineers before a shift boundary
DIGEST = "oncall.digest"  # the weekly on-call digest in a team channel
ANNOUNCE = "oncall.announce"  # tell the team channels about a new override

# With no handoff in sight (a one-person rotation), look again after this long: overrides and
# config changes can add one.
RECHECK = timedelta(days=1)
DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(9, 0)


def handoff_key(schedule: str) -> str:
    return f"schedule:{schedule}:handoff"


def announce_key(schedule: str, override_id: int) -> str:
    return f"schedule:{schedule}:override:{override_id}:announce"


def digest_key(channel: str) -> str:
    return f"channel:{channel}:oncall-digest"


def handoff_effect_key(schedule: str, boundary: datetime, role: str, user: str) -> str:
    return _bounded(f"schedule:{schedule}:handoff:{boundary.isoformat()}:{role}:{user}")


def announce_effect_key(override_id: int, channel: str) -> str:
    return _bounded(f"oncall-override:{override_id}:announce:{channel}")


def digest_effect_key(channel: str, week_end: datetime) -> str:
    return _bounded(f"channel:{channel}:oncall-digest:{week_end.isoformat()}")


def plan_handoff(
    session: Session,
    schedule: Schedule,
    overrides: Sequence[Override],
    after: datetime,
    lead: timedelta,
    now: datetime,
) -> datetime:
    """Upsert the schedule's handoff timer for the first boundary after ``after``; its due time.

    Due ``lead`` before the boundary (at once when that is already past: the reminder is late
    but the handoff is still ahead). No boundary in sight: a re-check after ``RECHECK``.
    """
    due, payload = handoff_due(schedule, overrides, after, lead, now)
    timers.schedule(session, handoff_key(schedule.name), HANDOFF, due, payload, now)
    return due


def handoff_due(
    schedule: Schedule,
    overrides: Sequence[Override],
    after: datetime,
    lead: timedelta,
    now: datetime,
) -> tuple[datetime, dict[str, Any]]:
    """When the handoff timer should fire next, and its payload (see ``plan_handoff``)."""
    handoff = next_handoff(schedule, after, overrides)
    if handoff is None:
        return now + RECHECK, {"schedule": schedule.name, "boundary": None}
    return handoff.at - lead, {"schedule": schedule.name, "boundary": handoff.at.isoformat()}


def next_digest_at(zone: ZoneInfo, after: datetime) -> datetime:
    """The first Monday 09:00 in ``zone`` strictly after ``after``."""
    local = to_local(after, zone)
    day = local.date() + timedelta(days=(DIGEST_WEEKDAY - local.weekday()) % 7)
    due = to_instant(datetime.combine(day, DIGEST_TIME), zone)
    if due <= after:
        due = to_instant(datetime.combine(day + timedelta(days=7), DIGEST_TIME), zone)
    return due


def week_before(end: datetime, zone: ZoneInfo) -> datetime:
    """The same local wall-clock time one week before ``end`` (a digest's week)."""
    return to_instant(to_local(end, zone) - timedelta(days=7), zone)


def plan_digest(session: Session, channel: str, zone: ZoneInfo, now: datetime) -> datetime:
    due = next_digest_at(zone, now)
    payload = {"channel": channel, "week_end": due.isoformat()}
    timers.schedule(session, digest_key(channel), DIGEST, due, payload, now)
    return due


def _bounded(key: str) -> str:
    """Keys fit the 255-character column: a long one keeps its start and gains a digest."""
    if len(key) <= timers.MAX_KEY_LENGTH:
        return key
    return key[:200] + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]

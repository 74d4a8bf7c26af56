"""Slack user groups that always hold whoever is on call (``slack_usergroup`` in schedules.yaml).

Two kinds of durable timer, one handler (``bot.oncall.slack.usergroups``):

- a walking timer per schedule (``schedule:<name>:usergroup``) due at the schedule's next handoff
  (overrides included); each firing syncs the group and moves the timer to the handoff after;
  planned at start and on every config reload, so a new or renamed group is filled at once;
- an immediate sync per override change (``oncall-override:<id>:<action>:usergroup``), written in
  the transaction that made or cancelled the override, which also moves the walking timer (an
  override moves the handoffs).

The timer's claim makes one replica fire it; the sync itself runs under an effect key (the timer's
key and the instant it is for), so a replica that lost its lease mid-call does not repeat it. A
sync reads the group first and changes nothing when its members are already right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.config import Config
from bot.kernel.timers import store as timers
from bot.oncall.domain.schedule import Override, Schedule, next_handoff, on_call_at

USERGROUP = "oncall.usergroup"
RECHECK = timedelta(days=1)  # no handoff in sight: look again (overrides and reloads add some)

CREATED = "created"
CANCELLED = "cancelled"


def walk_key(schedule: str) -> str:
    return f"schedule:{schedule}:usergroup"


def change_key(override_id: int, action: str) -> str:
    return f"oncall-override:{override_id}:{action}:usergroup"


def effect_key(timer_key: str, at: str) -> str:
    return f"{timer_key}:{at}"


@dataclass(frozen=True)
class Wanted:
    """The group ``handle`` of ``schedule`` should hold ``user`` (a config reference; None when
    nobody is on call, and then the group is left as it is: Slack refuses an empty group)."""

    schedule: str
    handle: str
    user: str | None


def wanted(
    config: Config, schedule_name: str, overrides: Sequence[Override], now: datetime
) -> Wanted | None:
    """Who the schedule's group should hold now; None when the schedule has no group (any more)."""
    schedule = config.schedule(schedule_name)
    handle = config.schedule_usergroup(schedule_name)
    if schedule is None or handle is None:
        return None
    return Wanted(schedule_name, handle, on_call_at(schedule, now, overrides).user)


def walk_due(
    schedule: Schedule, overrides: Sequence[Override], now: datetime
) -> tuple[datetime, dict[str, Any]]:
    """The walking timer's next due time (the next handoff, else a re-check) and payload."""
    handoff = next_handoff(schedule, now, overrides)
    due = handoff.at if handoff is not None else now + RECHECK
    return due, {"schedule": schedule.name, "at": due.isoformat(), "walk": True}


def seed(session: Session, config: Config, now: datetime) -> None:
    """At start and after a reload: sync every group now, then walk from handoff to handoff."""
    for schedule in config.schedules:
        if config.schedule_usergroup(schedule.name) is None:
            continue
        payload = {"schedule": schedule.name, "at": now.isoformat(), "walk": True}
        timers.schedule(session, walk_key(schedule.name), USERGROUP, now, payload, now)


def after_override_change(
    session: Session,
    config: Config,
    schedule: Schedule,
    overrides: Sequence[Override],
    override_id: int,
    action: str,
    now: datetime,
) -> None:
    """In the override's transaction: sync at once, and move the walk to the new next handoff."""
    if config.schedule_usergroup(schedule.name) is None:
        return
    payload = {"schedule": schedule.name, "at": now.isoformat(), "walk": False}
    timers.schedule(session, change_key(override_id, action), USERGROUP, now, payload, now)
    due, walk = walk_due(schedule, overrides, now)
    timers.schedule(session, walk_key(schedule.name), USERGROUP, due, walk, now)

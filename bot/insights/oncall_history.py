"""What the on-call load is computed from: every schedule's final shifts (layers, restrictions,
the overrides planned in ``schedules.yaml`` and those made with ``/oncall override``) and every
page that reached a person, over a date range, as the records of
``bot/insights/domain/oncall_load.py``.

A person's zone is their ``time_zone`` in ``users.yaml``, else ``zone_of`` (the web app asks
Slack), else their schedule's. With a service, only the schedules its escalation policy pages
and the pages of its incidents count. Pages of the ``hidden`` incidents (private ones the reader
may not see) are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config.model import Config
from bot.incidents.rows import IncidentRow
from bot.insights.domain.oncall_load import Paged, Shift, schedule_shifts
from bot.oncall import repo as oncall_repo
from bot.oncall.domain.schedule import Override, Schedule
from bot.oncall.rows import OverrideRow
from bot.paging.domain.escalation import TargetKind
from bot.paging.rows import DeliveryRow, PageRow


@dataclass(frozen=True)
class OnCallHistory:
    shifts: list[Shift]
    pages: list[Paged]
    zones: dict[str, str]  # every person's zone, shifts and pages alike
    members: dict[str, tuple[str, ...]]  # each schedule's rotation: every layer's people


def load_oncall(
    session: Session,
    config: Config,
    since: datetime,
    until: datetime,
    *,
    service: str | None = None,
    hidden: Collection[int] = (),
    zone_of: Callable[[str], str | None] = lambda ref: None,
) -> OnCallHistory:
    """Shifts and pages over ``[since, until)`` (UTC instants)."""
    schedules = _schedules(config, service)
    fallback = {s.name: s.time_zone for s in schedules}
    zones: dict[str, str] = {}

    def zone(ref: str, default: str) -> str:
        if ref not in zones:
            user = config.user(ref)
            zones[ref] = (user.time_zone if user else None) or zone_of(ref) or default
        return zones[ref]

    shifts: list[Shift] = []
    for schedule in schedules:
        overrides = [
            *config.schedule_overrides(schedule.name),
            *(
                _override(row)
                for row in oncall_repo.overrides(session, schedule.name, ending_after=since)
            ),
        ]
        expanded = schedule_shifts(schedule, since, until, overrides)
        shifts += [
            Shift(s.schedule, s.person, s.start, s.end, zone(s.person, fallback[s.schedule]))
            for s in expanded
        ]
    pages = _pages(session, since, until, service, hidden)
    default = schedules[0].time_zone if schedules else "UTC"
    for page in pages:
        zone(page.person, default)
    members = {
        s.name: tuple(dict.fromkeys(user for layer in s.layers for user in layer.users))
        for s in schedules
    }
    return OnCallHistory(shifts, pages, zones, members)


def _schedules(config: Config, service: str | None) -> list[Schedule]:
    if service is None:
        return list(config.schedules)
    found = config.service(service)
    policy = config.escalation_policy(found.escalation_policy) if found else None
    if policy is None:
        return []
    names = dict.fromkeys(
        t.ref for level in policy.levels for t in level.targets if t.kind is TargetKind.SCHEDULE
    )
    return [s for s in (config.schedule(n) for n in names) if s is not None]


def _override(row: OverrideRow) -> Override:
    return Override(row.user_ref, row.starts_at, row.ends_at)


def _pages(
    session: Session,
    since: datetime,
    until: datetime,
    service: str | None,
    hidden: Collection[int],
) -> list[Paged]:
    """One record per page and person it reached: when it first reached them, and who
    acknowledged the page when."""
    reached = func.min(DeliveryRow.created_at)
    query = (
        select(
            DeliveryRow.user_ref,
            reached,
            PageRow.acknowledged_at,
            PageRow.acknowledged_by,
        )
        .join(PageRow, PageRow.id == DeliveryRow.page_id)
        .join(IncidentRow, IncidentRow.id == PageRow.incident_id)
        .where(PageRow.started_at < until, DeliveryRow.created_at >= since)
        .group_by(DeliveryRow.page_id, DeliveryRow.user_ref, PageRow.acknowledged_at)
        .group_by(PageRow.acknowledged_by)
    )
    if service is not None:
        query = query.where(IncidentRow.service == service)
    if hidden:
        query = query.where(IncidentRow.id.not_in(list(hidden)))
    return [
        Paged(person, at, acknowledged_at, acknowledged_by)
        for person, at, acknowledged_at, acknowledged_by in session.connection().execute(query)
        if at < until
    ]

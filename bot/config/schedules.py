"""``schedules.yaml``: layers, rotations, restrictions and planned overrides, checked and built.

Date-times without an offset are wall-clock times in the schedule's own time zone (the same DST
rule as the core: ``bot.oncall.domain.wallclock``); with an offset they are exact instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config.hints import zone_problem
from bot.config.names import unique_name
from bot.config.report import Item, Loc, Report
from bot.config.schema import LayerModel, RestrictionModel, ScheduleModel
from bot.config.users import People
from bot.oncall.domain.instants import require_utc
from bot.oncall.domain.restrictions import Restriction, parse_daily_window, parse_weekly_window
from bot.oncall.domain.rotation import parse_turn_length
from bot.oncall.domain.schedule import Layer, Override, Schedule
from bot.oncall.domain.wallclock import to_instant

# Slack's handle rules: lower case, digits, '-', '_', '.'; at most 21 characters.
USERGROUP_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,20}$")
TURN_HINT = "write hourly, daily, weekly, or a positive count and unit: 12h, 3d, 2w"


@dataclass
class Schedules:
    schedules: list[Schedule] = field(default_factory=list)
    overrides: dict[str, tuple[Override, ...]] = field(default_factory=dict)
    usergroups: dict[str, str] = field(default_factory=dict)  # schedule name -> group handle


def check_schedules(items: list[Item[ScheduleModel]], people: People, report: Report) -> Schedules:
    result = Schedules()
    seen: dict[str, int | None] = {}
    handles: dict[str, int | None] = {}
    for item in items:
        before = len(report.errors)
        unique_name(item, "schedule", seen, report)
        zone = _zone(item, report)
        handle = _usergroup(item, handles, report)
        if not item.model.layers:
            report.add(
                item,
                ("layers",),
                "a schedule with no layers",
                "add a layer with name, users, rotation_virtual_start and turn",
            )
        layers = _layers(item, zone, people, report)
        overrides = _overrides(item, zone, people, report)
        every_layer = len(layers) == len(item.model.layers) > 0
        every_override = len(overrides) == len(item.model.overrides)
        # A reference to an entry that failed its own checks adds no error here, so "no new
        # errors" is not enough: every layer and override must have been built.
        if len(report.errors) == before and zone is not None and every_layer and every_override:
            result.schedules.append(Schedule(item.model.name, item.model.time_zone, layers))
            if overrides:
                result.overrides[item.model.name] = overrides
            if handle is not None:
                result.usergroups[item.model.name] = handle
    return result


def _usergroup(
    item: Item[ScheduleModel], seen: dict[str, int | None], report: Report
) -> str | None:
    """The schedule's Slack user group handle, checked against Slack's handle rules (what
    ``usergroups.create`` accepts) and unique: two schedules cannot both own one group."""
    handle = item.model.slack_usergroup
    if handle is None:
        return None
    bare = handle.removeprefix("@")
    if not USERGROUP_HANDLE.match(bare):
        report.add(
            item,
            ("slack_usergroup",),
            f"{handle!r} is not a Slack user group handle",
            "up to 21 lower-case letters, digits, '-', '_' and '.', e.g. oncall-payments",
        )
        return None
    if bare in seen:
        report.add(
            item,
            ("slack_usergroup",),
            f"user group @{bare} is already kept by another schedule",
            f"one schedule per group; the first is at line {seen[bare]}",
        )
        return None
    seen[bare] = item.line("slack_usergroup")
    return bare


def _zone(item: Item[ScheduleModel], report: Report) -> ZoneInfo | None:
    problem = zone_problem(item.model.time_zone)
    if problem is not None:
        report.add(item, ("time_zone",), *problem)
        return None
    return ZoneInfo(item.model.time_zone)


def _layers(
    item: Item[ScheduleModel], zone: ZoneInfo | None, people: People, report: Report
) -> tuple[Layer, ...]:
    layers: list[Layer] = []
    names: dict[str, int | None] = {}
    for index, layer in enumerate(item.model.layers):
        at: Loc = ("layers", index)
        if layer.name in names:
            report.add(
                item,
                (*at, "name"),
                f"duplicate layer name {layer.name!r}",
                f"layer names are unique in a schedule; the first is at line {names[layer.name]}",
            )
        names.setdefault(layer.name, item.line(*at))
        users = _users(item, at, layer, people, report)
        turn = _turn(item, at, layer, report)
        restrictions = _restrictions(item, at, layer.restrictions, report)
        if zone is None:
            continue
        start = _maybe_instant(layer.start, zone)
        end = _maybe_instant(layer.end, zone)
        virtual_start = _instant(layer.rotation_virtual_start, zone)
        if end is not None and end <= (start or virtual_start):
            report.add(
                item,
                (*at, "end"),
                "the layer ends before it starts",
                "end must be after start (or after rotation_virtual_start when start is not given)",
            )
            continue
        if users is not None and turn is not None and restrictions is not None:
            layers.append(Layer(layer.name, users, virtual_start, turn, restrictions, start, end))
    return tuple(layers)


def _users(
    item: Item[ScheduleModel], at: Loc, layer: LayerModel, people: People, report: Report
) -> tuple[str, ...] | None:
    if not layer.users:
        report.add(
            item,
            (*at, "users"),
            "a rotation with no users",
            "list at least one Slack id or email from users.yaml; to page nobody, remove the layer",
        )
        return None
    refs = [
        people.canonical(ref, item, (*at, "users", i), report) for i, ref in enumerate(layer.users)
    ]
    known = tuple(ref for ref in refs if ref is not None)
    return known if len(known) == len(refs) else None


def _turn(
    item: Item[ScheduleModel], at: Loc, layer: LayerModel, report: Report
) -> timedelta | None:
    try:
        return parse_turn_length(layer.turn)
    except ValueError as exc:
        report.add(item, (*at, "turn"), str(exc), TURN_HINT)
        return None


def _restrictions(
    item: Item[ScheduleModel], at: Loc, models: list[RestrictionModel], report: Report
) -> tuple[Restriction, ...] | None:
    restrictions: list[Restriction] = []
    ok = True
    for index, model in enumerate(models):
        where = (*at, "restrictions", index)
        if (model.daily is None) == (model.weekly is None):
            report.add(
                item,
                where,
                "a restriction is either daily or weekly",
                "write '- daily: 09:00-17:00' or '- weekly: mon 09:00 - fri 17:00'",
            )
            ok = False
            continue
        try:
            if model.daily is not None:
                restrictions.append(parse_daily_window(model.daily))
            elif model.weekly is not None:
                restrictions.append(parse_weekly_window(model.weekly))
        except ValueError as exc:
            kind = "daily" if model.daily is not None else "weekly"
            example = "09:00-17:00 or 22:00-06:00" if kind == "daily" else "mon 09:00 - fri 17:00"
            report.add(
                item,
                (*where, kind),
                f"bad {kind} window: {exc}",
                f"write it like {example} (24-hour clock, local to the schedule)",
            )
            ok = False
    return tuple(restrictions) if ok else None


def _overrides(
    item: Item[ScheduleModel], zone: ZoneInfo | None, people: People, report: Report
) -> tuple[Override, ...]:
    placed: list[tuple[Override, int]] = []
    for index, model in enumerate(item.model.overrides):
        at: Loc = ("overrides", index)
        user = people.canonical(model.user, item, (*at, "user"), report)
        if zone is None or user is None:
            continue
        start, end = _instant(model.start, zone), _instant(model.end, zone)
        if end <= start:
            report.add(
                item, (*at, "end"), "the override ends before it starts", "end must be after start"
            )
            continue
        placed.append((Override(user, start, end), index))
    placed.sort(key=lambda pair: pair[0].start)
    longest: tuple[Override, int] | None = None
    for override, index in placed:
        if longest is not None and override.start < longest[0].end:
            report.add(
                item,
                ("overrides", index, "start"),
                "overlapping overrides",
                f"this override starts before the one at line "
                f"{item.line('overrides', longest[1])} ends: end that one first or merge them",
            )
        if longest is None or override.end > longest[0].end:
            longest = (override, index)
    return tuple(override for override, _ in placed)


def _instant(value: datetime, zone: ZoneInfo) -> datetime:
    if value.tzinfo is None:
        return to_instant(value, zone)
    return require_utc(value, "date-time")


def _maybe_instant(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if value is None else _instant(value, zone)

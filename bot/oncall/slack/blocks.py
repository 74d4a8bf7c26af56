"""What on-call messages say: ``/oncall`` answers, override notices, handoff DMs, the digest.

Times are written out in one named zone per message (the reader's, or for a channel the
schedule's), e.g. ``Tue 25 Nov 09:00 CET``, so what a test or a screenshot shows is what the
person read. Block Kit is built with slack-sdk's model classes, which check Slack's limits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.config import Config
from bot.oncall.domain.command import (
    EXAMPLES,
    TIME_FORMS,
    USAGE_COVER,
    USAGE_MAINTENANCE,
    USAGE_OVERRIDE,
    USAGE_OVERRIDES,
    USAGE_SHOW,
)
from bot.oncall.domain.schedule import Shift
from bot.oncall.reminders import INCOMING, ActionSummary, Digest, HandoffBrief, IncidentSummary
from bot.oncall.service import (
    Directory,
    OverrideRecord,
    OverrideRefused,
    ScheduledShift,
    ScheduleStatus,
    Stint,
)
from bot.paging.domain.rules import NotificationRules, describe, label

SECTION_LIMIT = 3000
MAX_SCHEDULES_SHOWN = 12  # 4 blocks each stays under Slack's 50 blocks per message
MAX_MY_SHIFTS = 15
MAX_LISTED = 15


class Names:
    """People as messages show them: ``*Olivia Okafor* (<@U0ONCALL>)``; None is *nobody*."""

    def __init__(self, config: Config, directory: Directory) -> None:
        self._config = config
        self._directory = directory

    def __call__(self, ref: str | None) -> str:
        if ref is None:
            return "*nobody*"
        user = self._config.user(ref)
        slack_id = self._directory.slack_id(ref)
        if user is None:
            return f"<@{slack_id}>" if slack_id else ref
        if slack_id:
            return f"*{user.name}* (<@{slack_id}>)"
        return f"*{user.name}* ({ref}, not found in Slack)"

    def plain(self, ref: str | None) -> str:
        """The name without markup (calendar titles, plain-text fallbacks)."""
        if ref is None:
            return "nobody"
        user = self._config.user(ref)
        return user.name if user is not None else ref


def reaching(rules: NotificationRules, contacts: Sequence[str]) -> str:
    """How a page reaches the asker of ``/oncall me``: their rules per urgency in plain words
    (``High urgency: Slack DM at once, SMS after 2 min``); without rules, every contact at once."""
    if not rules.given:
        ways = [label(c) for c in contacts]
        return f"A page reaches you by {', '.join(ways)}{', all at once' if ways[1:] else ''}."
    return "How a page reaches you:\n" + "\n".join(describe(rules, contacts))


# -- times -----------------------------------------------------------------------------------


def local_time(instant: datetime, zone: ZoneInfo, now: datetime) -> str:
    """``Tue 25 Nov 09:00 CET`` (with the year when it is not this year)."""
    local = instant.astimezone(zone)
    year = "" if local.year == now.astimezone(zone).year else f" {local.year}"
    return f"{local:%a %d %b}{year} {local:%H:%M} {local.tzname()}"


def span(start: datetime, end: datetime | None, zone: ZoneInfo, now: datetime) -> str:
    """``Tue 25 Nov 13:00-17:00 CET``, or both ends in full when the dates differ."""
    if end is None:
        return f"from {local_time(start, zone, now)} (no change in sight)"
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date() and first.tzname() == last.tzname():
        return f"{local_time(start, zone, now).rsplit(' ', 1)[0]}-{last:%H:%M} {last.tzname()}"
    return f"{local_time(start, zone, now)} - {local_time(end, zone, now)}"


def duration(delta: timedelta) -> str:
    """``2 d 3 h``, ``4 h 12 min``, ``12 min`` (to the nearest minute, at most two units)."""
    minutes = max(0, round(delta.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (mins, "min")]
    shown = [f"{n} {unit}" for n, unit in parts if n][:2]
    return " ".join(shown) if shown else "0 min"


# -- /oncall ---------------------------------------------------------------------------------


def status_blocks(
    statuses: Sequence[ScheduleStatus],
    zone: ZoneInfo,
    names: Names,
    feed_url: Callable[[str], str | None],
    asked: datetime | None = None,
) -> list[Block]:
    """Now (or the ``asked`` instant) and next for each schedule, final and per layer, times in
    the viewer's ``zone``."""
    if not statuses:
        return [_section("No schedules are configured: add them to schedules.yaml.")]
    zone_line = f"Times in {zone.key} (your Slack time zone)."
    if asked is not None:
        zone_line = f"On call at {local_time(asked, zone, asked)}. {zone_line}"
    blocks: list[Block] = [_context(zone_line)]
    for status in statuses[:MAX_SCHEDULES_SHOWN]:
        blocks += _schedule_blocks(
            status, zone, names, feed_url(status.schedule.name), "Then" if asked else "Now"
        )
    hidden = len(statuses) - MAX_SCHEDULES_SHOWN
    if hidden > 0:
        blocks.append(_context(f"...and {hidden} more: ask for one with `/oncall <schedule>`."))
    return blocks


def my_shifts(
    shifts: Sequence[ScheduledShift],
    zone: ZoneInfo,
    now: datetime,
    days: int,
    reached: str,
) -> tuple[str, list[Block]]:
    """``/oncall me``: the asker's next shifts, and how a page reaches them (``reaching``)."""
    if not shifts:
        text = f"You have no on-call shifts in the next {days} days."
        return text, [_section(text), _context(reached)]
    lines = [
        f"• *{s.schedule}*: {span(s.shift.start, s.shift.end, zone, now)}"
        + (" (now)" if s.shift.start <= now else f" (in {duration(s.shift.start - now)})")
        for s in shifts[:MAX_MY_SHIFTS]
    ]
    more = len(shifts) - MAX_MY_SHIFTS
    if more > 0:
        lines.append(f"...and {more} more")
    title = f"Your on-call shifts in the next {days} days (times in {zone.key}):"
    return title, [_section(title + "\n" + "\n".join(lines)), _context(reached)]


def status_text(statuses: Sequence[ScheduleStatus], names: Names) -> str:
    """The notification fallback: one line per schedule."""
    lines = [
        f"{s.schedule.name}: "
        + ("NOBODY is on call" if s.gap_now else f"{names.plain(s.now.user)} is on call")
        for s in statuses
    ]
    return "; ".join(lines) or "No schedules are configured."


def _schedule_blocks(
    status: ScheduleStatus, zone: ZoneInfo, names: Names, feed: str | None, label: str = "Now"
) -> list[Block]:
    at, schedule = status.at, status.schedule
    title = f"*{schedule.name}* ({schedule.time_zone})"
    if status.services:
        title += " · pages for " + ", ".join(status.services)
    now_line = _now_line(status, zone, names, label)
    next_line = _next_line(status.next, zone, names, at)
    blocks: list[Block] = [_section(f"{title}\n{now_line}\n{next_line}")]
    layers = " · ".join(
        f"*{layer.name}*: {_layer_text(layer.now, layer.next, zone, names, at)}"
        for layer in status.layers
    )
    blocks.append(_context(f"Layers (a lower one wins where it has someone): {layers}"))
    if feed:
        blocks.append(_context(f":calendar: Calendar feed (iCal, keep it private): {feed}"))
    return blocks


def _now_line(status: ScheduleStatus, zone: ZoneInfo, names: Names, label: str) -> str:
    now, at = status.now, status.at
    if now.user is None:
        until = (
            f"until {local_time(now.end, zone, at)} ({duration(now.end - at)})"
            if now.end is not None
            else "and nobody is scheduled in the next 90 days"
        )
        return (
            f":rotating_light: *NOBODY IS ON CALL for {status.schedule.name}*: pages to it reach "
            f"no one {until}. Fix it with `/oncall override @someone now +4h "
            f"{status.schedule.name}`."
        )
    line = f":large_green_circle: *{label}:* {names(now.user)}"
    if now.end is not None:
        line += f" until {local_time(now.end, zone, at)} (in {duration(now.end - at)})"
    else:
        line += " (no handoff in the next 90 days)"
    if status.override is not None:
        line += " · " + _override_origin(status.override)
    return line


def _next_line(upcoming: Stint | None, zone: ZoneInfo, names: Names, at: datetime) -> str:
    if upcoming is None:
        return "*Next:* no change in the next 90 days"
    when = span(upcoming.start, upcoming.end, zone, at)
    if upcoming.user is None:
        return f":warning: *Next: NOBODY* {when}: a gap in the schedule, pages reach no one"
    return f"*Next:* {names(upcoming.user)} {when}"


def _layer_text(
    now: Stint, upcoming: Stint | None, zone: ZoneInfo, names: Names, at: datetime
) -> str:
    if now.user is None:
        text = "nobody now"
    else:
        text = names.plain(now.user)
        if now.end is not None:
            text += f" until {local_time(now.end, zone, at)}"
    if upcoming is not None:
        text += f", then {names.plain(upcoming.user)} from {local_time(upcoming.start, zone, at)}"
    return text


def _override_origin(record: OverrideRecord) -> str:
    if record.id is None:
        return "override planned in schedules.yaml"
    return f"override by <@{record.created_by}>" if record.created_by else "override"


def help_blocks() -> list[Block]:
    lines = [f"`{command}`  {what}" for command, what in EXAMPLES]
    return [
        _section("*On-call commands*\n" + "\n".join(lines)),
        _context(
            f"Usage: `{USAGE_SHOW}` · `{USAGE_OVERRIDE}` · `{USAGE_OVERRIDES}` · "
            f"`{USAGE_MAINTENANCE}` · `{USAGE_COVER}`. Times, read in "
            "your Slack time zone: "
            f"{TIME_FORMS}. A relative end (`+4h`) counts from the start."
        ),
    ]


def usage_text(message: str, usage: str) -> str:
    return f":warning: {message}\nUsage: `{usage}` (see `/oncall help`)"


# -- overrides -------------------------------------------------------------------------------


def refusal(error: OverrideRefused, zone: ZoneInfo, names: Names, now: datetime) -> str:
    """Why an override was refused, with its times in the requester's ``zone``."""
    start, end = local_time(error.start, zone, now), local_time(error.end, zone, now)
    if error.kind == "ends_before_start":
        return f"the override must end after it starts: it would run from {start} to {end}"
    if error.kind == "in_the_past":
        return (
            f"the override from {start} to {end} is entirely in the past "
            f"(it is {local_time(now, zone, now)} now)"
        )
    conflict = error.conflict
    assert conflict is not None
    other = conflict.override
    origin = (
        "planned in schedules.yaml" if conflict.id is None else f"made by <@{conflict.created_by}>"
    )
    return (
        f"it overlaps the override of {names(other.user)} on {conflict.schedule} from "
        f"{local_time(other.start, zone, now)} to {local_time(other.end, zone, now)} ({origin}); "
        "choose times outside it"
    )


def override_made(
    record: OverrideRecord, zone: ZoneInfo, names: Names, now: datetime, channels: Sequence[str]
) -> str:
    told = f" Announcing it in {', '.join(_channel(c) for c in channels)}." if channels else ""
    return (
        f":white_check_mark: Override recorded on *{record.schedule}*: "
        f"{names(record.override.user)} is on call "
        f"{span(record.override.start, record.override.end, zone, now)}.{told}"
    )


def override_announcement(
    record: OverrideRecord, zone: ZoneInfo, names: Names, now: datetime
) -> str:
    by = f"<@{record.created_by}> set" if record.created_by else "New"
    return (
        f":busts_in_silhouette: {by} an on-call override on *{record.schedule}*: "
        f"{names(record.override.user)} is on call "
        f"{span(record.override.start, record.override.end, zone, now)}."
    )


def override_cancelled(
    record: OverrideRecord, zone: ZoneInfo, names: Names, now: datetime, by: str
) -> str:
    who = f"<@{by}> cancelled" if by else "Cancelled:"
    return (
        f":x: {who} override #{record.id} on *{record.schedule}*: "
        f"{names(record.override.user)} is no longer on call "
        f"{span(record.override.start, record.override.end, zone, now)}; the rotation is back."
    )


def override_list(
    records: Sequence[OverrideRecord], zone: ZoneInfo, names: Names, now: datetime
) -> str:
    if not records:
        return "No overrides in force or to come."
    lines = [
        f"• {('#' + str(r.id)) if r.id is not None else '(schedules.yaml)'} *{r.schedule}*: "
        f"{names(r.override.user)} {span(r.override.start, r.override.end, zone, now)}"
        f"{' (now)' if r.override.start <= now else ''} · {_override_origin(r)}"
        for r in records
    ]
    return (
        f"Overrides in force or to come (times in {zone.key}):\n"
        + "\n".join(lines)
        + "\nCancel one made in Slack with `/oncall override cancel <number>`."
    )


# -- handoff reminders -----------------------------------------------------------------------


def handoff_blocks(
    brief: HandoffBrief, role: str, zone: ZoneInfo, names: Names, now: datetime
) -> tuple[str, list[Block]]:
    """The DM for the outgoing or incoming engineer, times in their ``zone``; (text, blocks)."""
    plan = brief.plan
    name, at = plan.schedule.name, local_time(plan.boundary, zone, now)
    lead = duration(plan.boundary - now)
    if role == INCOMING:
        head = (
            f":arrows_counterclockwise: *On-call handoff on {name} in {lead}*: you take over "
            f"from {names(plan.outgoing)} at {at}."
        )
        shift = f"Your shift: {span(plan.boundary, plan.incoming_until, zone, now)}."
    else:
        taker = (
            f"you hand over to {names(plan.incoming)} at {at}."
            if plan.incoming is not None
            else f"at {at} *nobody takes over*: the schedule has a gap, pages will reach no one."
        )
        head = f":arrows_counterclockwise: *On-call handoff on {name} in {lead}*: {taker}"
        shift = f"Your shift: {span(plan.outgoing_since, plan.boundary, zone, now)}."
    blocks: list[Block] = [
        _section(f"{head}\n{shift}"),
        _section(_incident_list("Open incidents", brief.open_incidents)),
        _section(_incident_list("Declared during the outgoing shift", brief.during_shift)),
        _section(_action_list(brief.open_actions)),
    ]
    return f"{head} {shift}", blocks


def _incident_list(title: str, incidents: Sequence[IncidentSummary]) -> str:
    if not incidents:
        return f"*{title}*: none"
    lines = [_incident_line(i) for i in incidents[:MAX_LISTED]]
    if len(incidents) > MAX_LISTED:
        lines.append(f"...and {len(incidents) - MAX_LISTED} more")
    return f"*{title}* ({len(incidents)})\n" + "\n".join(lines)


def _incident_line(incident: IncidentSummary) -> str:
    where = f" in <#{incident.channel_id}>" if incident.channel_id else ""
    service = f" [{incident.service}]" if incident.service else ""
    return (
        f"• #{incident.number} {incident.severity} {incident.title}{service} "
        f"({incident.status}){where}"
    )


def _action_list(actions: Sequence[ActionSummary]) -> str:
    if not actions:
        return "*Open action items*: none"
    lines = [
        f"• #{a.incident}: {a.text}" + (f" (owner <@{a.owner}>)" if a.owner else "")
        for a in actions[:MAX_LISTED]
    ]
    if len(actions) > MAX_LISTED:
        lines.append(f"...and {len(actions) - MAX_LISTED} more")
    return f"*Open action items* ({len(actions)})\n" + "\n".join(lines)


# -- weekly digest ---------------------------------------------------------------------------


def digest_blocks(digest: Digest, names: Names, now: datetime) -> tuple[str, list[Block]]:
    zone = digest.zone
    head = (
        f":calendar: *Weekly on-call digest* · "
        f"{local_time(digest.start, zone, now)} - {local_time(digest.end, zone, now)}"
    )
    who = [_week_line(week.schedule.name, week.shifts, names) for week in digest.schedules]
    blocks: list[Block] = [_section(head + ("\n" + "\n".join(who) if who else ""))]
    blocks += [
        _section(_incident_list("Incidents declared this week", digest.declared)),
        _section(_incident_list("Still open", digest.open_incidents)),
        _section(_action_list(digest.open_actions)),
    ]
    return head, blocks


def _week_line(schedule: str, shifts: Sequence[Shift], names: Names) -> str:
    totals: dict[str | None, timedelta] = defaultdict(timedelta)
    for shift in shifts:
        totals[shift.user] += shift.end - shift.start
    people = [f"{names(user)} {duration(t)}" for user, t in totals.items() if user is not None]
    line = f"*{schedule}*: " + (", ".join(people) if people else "nobody")
    if None in totals:
        line += f" · :rotating_light: nobody on call for {duration(totals[None])}"
    return line


# -- helpers ---------------------------------------------------------------------------------


def _channel(channel: str) -> str:
    return channel if channel.startswith("#") else f"<#{channel}>"


def _clip(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=_clip(text)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=_clip(text))])

"""``/oncall maintenance``: answers to the asker (times in their zone) and the team channel's
announcements (times in UTC: a channel has no time zone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import Respond

from bot.oncall.domain.command import (
    USAGE_MAINTENANCE,
    CancelMaintenance,
    ListMaintenance,
    MakeMaintenance,
)
from bot.oncall.domain.maintenance import Window
from bot.oncall.domain.when import WhenError, parse_when
from bot.oncall.maintenance import MaintenanceError
from bot.oncall.service import OnCallService
from bot.oncall.slack.blocks import span, usage_text

UTC_ZONE = ZoneInfo("UTC")


def answer(
    service: OnCallService,
    command: MakeMaintenance | ListMaintenance | CancelMaintenance,
    user_id: str,
    zone: ZoneInfo,
    respond: Respond,
) -> None:
    windows = service.maintenance
    now = service.now()
    try:
        if isinstance(command, ListMaintenance):
            text = window_list(windows.current(), zone, now)
        elif isinstance(command, CancelMaintenance):
            window = windows.cancel(command.number, user_id)
            text = f":x: Cancelled {describe(window, zone, now)}: its alerts page again."
        else:
            start = parse_when(command.start, now, zone)
            end = parse_when(command.end, now, zone, base=start)
            window = windows.create(
                service=command.service,
                start=start,
                end=end,
                reason=command.reason,
                created_by=user_id,
            )
            found = service.config.service(window.service)
            channel = found.team_channel if found else None
            told = f" Announcing it in {channel}." if channel else ""
            text = (
                f":construction: Recorded {describe(window, zone, now)}: its alerts are kept "
                f"but page nobody and open no incident.{told}"
            )
    except (MaintenanceError, WhenError) as error:
        text = usage_text(str(error), USAGE_MAINTENANCE)
    respond(text=text, response_type="ephemeral")


def describe(window: Window, zone: ZoneInfo, now: datetime) -> str:
    """``maintenance #3 of *checkout* Tue 25 Nov 13:00-17:00 CET (db upgrade)``."""
    number = f" #{window.id}" if window.id is not None else ""
    reason = f" ({window.reason})" if window.reason else ""
    when = span(window.start, window.end, zone, now)
    return f"maintenance{number} of *{window.service}* {when}{reason}"


def window_list(windows: Sequence[Window], zone: ZoneInfo, now: datetime) -> str:
    if not windows:
        return "No maintenance windows open or to come."
    lines = [
        f"• {('#' + str(w.id)) if w.id is not None else '(services.yaml)'} *{w.service}*: "
        f"{span(w.start, w.end, zone, now)}{' (now)' if w.start <= now else ''}"
        f"{' · ' + w.reason if w.reason else ''}"
        f"{' · by <@' + w.created_by + '>' if w.created_by else ''}"
        for w in windows
    ]
    return (
        f"Maintenance windows open or to come (times in {zone.key}):\n"
        + "\n".join(lines)
        + "\nCancel one made in Slack with `/oncall maintenance cancel <number>`."
    )


def announcement(window: Window, now: datetime, cancelled_by: str | None) -> str:
    """What the service's team channel reads when a window is made or cancelled."""
    text = describe(window, UTC_ZONE, now)
    if cancelled_by is not None:
        who = f"<@{cancelled_by}> cancelled" if cancelled_by else "Cancelled:"
        return f":x: {who} {text}: its alerts page again."
    by = f"<@{window.created_by}> set" if window.created_by else "New:"
    return (
        f":construction: {by} {text}: alerts of {window.service} are kept but page nobody "
        "and open no incident until it ends."
    )

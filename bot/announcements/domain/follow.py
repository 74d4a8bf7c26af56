"""What a follower is told about a change of an incident, in words. Pure."""

from __future__ import annotations

from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status


def change_lines(before: Incident, after: Incident, update: str | None) -> list[str]:
    """One line per thing a follower would want to hear; empty when nothing they follow changed.

    ``update``: the status update just posted, if this change posted one.
    """
    lines: list[str] = []
    if after.status is not before.status:
        lines.append(_status_line(before, after))
    if after.severity is not before.severity:
        lines.append(f"severity {before.severity} -> {after.severity}")
    if after.lead != before.lead:
        lines.append(f"lead is now <@{after.lead}>")
    if update is not None and after.last_update_at != before.last_update_at:
        lines.append(f"update: {update}")
    return lines


def _status_line(before: Incident, after: Incident) -> str:
    if after.status is Status.RESOLVED and after.resolved_at is not None:
        minutes = int((after.resolved_at - after.started_at).total_seconds() // 60)
        return f"resolved after {minutes} min"
    return f"status {before.status} -> {after.status}"


def dm_text(incident: Incident, lines: list[str]) -> str:
    head = f"{incident.severity.emoji} Incident #{incident.number} *{incident.title}*"
    body = "\n".join(f"• {line}" for line in lines)
    stop = f"_`/incident unfollow {incident.number}` to stop these messages._"
    return f"{head}\n{body}\n{stop}"


def welcome_text(incident: Incident, why: str) -> str:
    """The first DM of a follower subscribed by a stakeholder list."""
    return dm_text(
        incident,
        [f"you follow it {why}: {incident.severity}, {incident.status}"],
    )

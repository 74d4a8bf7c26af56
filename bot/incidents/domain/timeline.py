"""Timeline events: immutable facts with an actor and a UTC instant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

BOT_ACTOR = "warroom"


class EventKind(StrEnum):
    DECLARED = "declared"
    CHANNEL_CREATED = "channel_created"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    LEAD_CHANGED = "lead_changed"
    ROLE_ASSIGNED = "role_assigned"
    UPDATE_POSTED = "update_posted"
    NOTE_ADDED = "note_added"
    ACTION_ADDED = "action_added"
    MESSAGE_ADDED = "message_added"
    PAGED = "paged"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    DELIVERY_FAILED = "delivery_failed"
    NOBODY_ON_CALL = "nobody_on_call"
    PAGING_EXHAUSTED = "paging_exhausted"
    # Playbooks (data shapes: docs/timeline-events.md)
    PLAYBOOK_STARTED = "playbook_started"
    PLAYBOOK_STEP = "playbook_step"
    PLAYBOOK_UNDONE = "playbook_undone"
    # Inbound alerts
    ALERT_FIRING = "alert_firing"
    ALERT_RESOLVED = "alert_resolved"
    ALERTS_NOTICE = "alerts_notice"
    # Post-mortems
    POSTMORTEM_DRAFTED = "postmortem_drafted"
    POSTMORTEM_REVIEWED = "postmortem_reviewed"


@dataclass(frozen=True)
class TimelineEvent:
    kind: EventKind
    at: datetime
    actor: str
    data: dict[str, Any] = field(default_factory=dict)
    # Re-adding the same thing (a message pinned twice) is a no-op when the key repeats.
    dedup_key: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("timeline instants must be timezone-aware")


def describe(event: TimelineEvent) -> str:
    """One line of mrkdwn for the timeline as users read it."""
    d = event.data
    who = f"<@{event.actor}>" if event.actor != BOT_ACTOR else "warroom"
    match event.kind:
        case EventKind.DECLARED:
            return f"{who} declared the incident ({d.get('severity')}): {d.get('title')}"
        case EventKind.CHANNEL_CREATED:
            return f"Channel <#{d.get('channel_id')}> created"
        case EventKind.STATUS_CHANGED:
            note = f": {d['note']}" if d.get("note") else ""
            return f"{who} changed status {d.get('from')} -> {d.get('to')}{note}"
        case EventKind.SEVERITY_CHANGED:
            return f"{who} changed severity {d.get('from')} -> {d.get('to')}"
        case EventKind.LEAD_CHANGED:
            return f"{who} made <@{d.get('to')}> the lead"
        case EventKind.ROLE_ASSIGNED:
            return f"{who} assigned {d.get('role')} to <@{d.get('user')}>"
        case EventKind.UPDATE_POSTED:
            return f"{who} posted a status update: {d.get('text')}"
        case EventKind.NOTE_ADDED:
            return f"{who} noted: {d.get('text')}"
        case EventKind.ACTION_ADDED:
            owner = f" (owner <@{d['owner']}>)" if d.get("owner") else ""
            return f"{who} added an action item: {d.get('text')}{owner}"
        case EventKind.MESSAGE_ADDED:
            author = f"<@{d['author']}>" if d.get("author") else "a message"
            link = f" (<{d['permalink']}|message>)" if d.get("permalink") else ""
            return f"{author}: {d.get('text')}{link}"
        case EventKind.PAGED:
            note = f": {d['message']}" if d.get("message") else ""
            return f"{who} paged {d.get('target')} ({d.get('policy')}){note}"
        case EventKind.NOTIFIED:
            users = ", ".join(
                f"<@{u}>" if u.startswith(("U", "W")) else u for u in d.get("users", [])
            )
            return f"Paged {users} (level {d.get('level', 0) + 1}, round {d.get('loop', 0) + 1})"
        case EventKind.ACKNOWLEDGED:
            return f"{who} acknowledged the page"
        case EventKind.DELIVERY_FAILED:
            return f"Could not reach {d.get('user')} via {d.get('channel')}: {d.get('error')}"
        case EventKind.NOBODY_ON_CALL:
            return f":rotating_light: Nobody is on call for {d.get('schedule')}: nobody paged there"
        case EventKind.PAGING_EXHAUSTED:
            return f"Nobody acknowledged the page for {d.get('target')}: escalation finished"
        case EventKind.PLAYBOOK_STARTED:
            return f"{who} started playbook {d.get('title') or d.get('playbook')}"
        case EventKind.PLAYBOOK_STEP:
            return _describe_step(who, d)
        case EventKind.PLAYBOOK_UNDONE:
            outcome = "undid" if d.get("outcome") == "succeeded" else "could not undo"
            error = f": {d['error']}" if d.get("error") else ""
            return f"{who} {outcome} {d.get('title')}: {d.get('summary')}{error}"
        case EventKind.ALERT_FIRING:
            return f":rotating_light: Alert firing: {d.get('name')}{_alert_summary(d)}"
        case EventKind.ALERT_RESOLVED:
            return f":white_check_mark: Alert resolved: {d.get('name')}{_alert_summary(d)}"
        case EventKind.ALERTS_NOTICE:
            return f":warning: {d.get('text')}"
        case EventKind.POSTMORTEM_DRAFTED:
            return f"{who} drafted the post-mortem (version {d.get('version')})"
        case EventKind.POSTMORTEM_REVIEWED:
            note = f": {d['note']}" if d.get("note") else ""
            return f"{who} {d.get('verdict')} the post-mortem (version {d.get('version')}){note}"


_STEP_VERBS = {
    "done": "completed",
    "skipped": "skipped",
    "succeeded": "ran",
    "failed": "failed to run",
}


def _describe_step(who: str, d: dict[str, Any]) -> str:
    verb = _STEP_VERBS.get(str(d.get("outcome")), str(d.get("outcome")))
    line = f"{who} {verb} step {d.get('title')} ({d.get('playbook')})"
    if d.get("summary"):
        line += f": {d['summary']}"
    if d.get("reason"):
        line += f" (reason: {d['reason']})"
    if d.get("error"):
        line += f": {d['error']}"
    return line


def _alert_summary(d: dict[str, Any]) -> str:
    return f" ({d['summary']})" if d.get("summary") else ""

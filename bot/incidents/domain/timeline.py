"""Timeline events: immutable facts with an actor, a UTC instant and a typed payload."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, assert_never

from bot.incidents.domain.events import (
    Acknowledged,
    ActionAdded,
    AlertFiring,
    AlertResolved,
    AlertsNotice,
    ChannelCreated,
    Declared,
    DeliveryFailed,
    EventKind,
    Invited,
    LeadChanged,
    MessageAdded,
    NobodyOnCall,
    NoteAdded,
    Notified,
    Paged,
    PagingExhausted,
    Payload,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    PostmortemDrafted,
    PostmortemReviewed,
    PublicUpdate,
    RoleAssigned,
    SeverityChanged,
    StatusChanged,
    StepOutcome,
    UndoOutcome,
    Unknown,
    UpdatePosted,
)

__all__ = ["BOT_ACTOR", "EventKind", "Person", "TimelineEvent", "describe", "mention"]

BOT_ACTOR = "warroom"
# A failed text or call says so in plain words ("Could not text Olivia Okafor: ...").
_PHONE_VERBS = {"sms": "Could not text", "voice": "Could not call"}

# A config user reference (a Slack id or an email) as people read it: a mention when Slack knows
# the person, else their name from users.yaml (see bot/incidents/slack/people.py).
Person = Callable[[str], str]


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    actor: str
    payload: Payload
    # Re-adding the same thing (a message pinned twice) is a no-op when the key repeats.
    dedup_key: str | None = None

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("timeline instants must be timezone-aware")

    @property
    def kind(self) -> EventKind:
        return self.payload.kind

    @property
    def data(self) -> dict[str, Any]:
        """The JSON object stored for this event (docs/timeline-events.md). Code reads
        ``payload``; this is the stored form, for tests and anything that serializes."""
        return self.payload.to_json()


def describe(event: TimelineEvent, person: Person | None = None) -> str:
    """One line of mrkdwn for the timeline as users read it; ``person`` words the people paging
    names by their config reference (by default a Slack id as a mention, an email as is)."""
    named = person or mention
    who = f"<@{event.actor}>" if event.actor != BOT_ACTOR else "warroom"
    match event.payload:
        case Declared(title=title, severity=severity):
            return f"{who} declared the incident ({severity}): {title}"
        case ChannelCreated(channel_id=channel_id):
            return f"Channel <#{channel_id}> created"
        case StatusChanged(old=old, new=new, note=note):
            return f"{who} changed status {old} -> {new}{_colon(note)}"
        case SeverityChanged(old=old_severity, new=new_severity):
            return f"{who} changed severity {old_severity} -> {new_severity}"
        case LeadChanged(new=lead):
            return f"{who} made <@{lead}> the lead"
        case RoleAssigned(role=role, user=user):
            return f"{who} assigned {role} to <@{user}>"
        case Invited(user=user, reason=reason):
            return f"<@{user}> was invited to the channel ({reason})"
        case UpdatePosted(text=text):
            return f"{who} posted a status update: {text}"
        case PublicUpdate(text=text, components=components):
            return f"{who} published on the status page ({', '.join(components)}): {text}"
        case NoteAdded(text=text):
            return f"{who} noted: {text}"
        case ActionAdded(text=text, owner=owner):
            owned = f" (owner <@{owner}>)" if owner else ""
            return f"{who} added an action item: {text}{owned}"
        case MessageAdded(text=text, author=author, permalink=permalink):
            by = f"<@{author}>" if author else "a message"
            link = f" (<{permalink}|message>)" if permalink else ""
            return f"{by}: {text}{link}"
        case Paged(target=target, policy=policy, message=message):
            return f"{who} paged {target} ({policy}){_colon(message)}"
        case Notified(users=users, level=level, loop=loop):
            mentions = ", ".join(named(u) for u in users)
            asked = f"{who} escalated: p" if event.actor != BOT_ACTOR else "P"
            return f"{asked}aged {mentions} (level {level + 1}, round {loop + 1})"
        case Acknowledged():
            return f"{who} acknowledged the page"
        case DeliveryFailed(user=user, channel=channel, error=error):
            if verb := _PHONE_VERBS.get(channel):
                return f"{verb} {named(user)}: {error}"
            return f"Could not reach {named(user)} via {channel}: {error}"
        case NobodyOnCall(schedule=schedule):
            return f":rotating_light: Nobody is on call for {schedule}: nobody paged there"
        case PagingExhausted(target=target):
            return f"Nobody acknowledged the page for {target}: escalation finished"
        case PlaybookStarted(playbook=playbook, title=title):
            return f"{who} started playbook {title or playbook}"
        case PlaybookStep() as step:
            return _describe_step(who, step)
        case PlaybookUndone(title=title, summary=summary, outcome=outcome, error=error):
            verb = "undid" if outcome is UndoOutcome.SUCCEEDED else "could not undo"
            return f"{who} {verb} {title}: {summary}{_colon(error)}"
        case AlertFiring(name=name, summary=summary):
            return f":rotating_light: Alert firing: {name}{_parenthesized(summary)}"
        case AlertResolved(name=name, summary=summary):
            return f":white_check_mark: Alert resolved: {name}{_parenthesized(summary)}"
        case AlertsNotice(text=text):
            return f":warning: {text}"
        case PostmortemDrafted(version=version):
            return f"{who} drafted the post-mortem (version {version})"
        case PostmortemReviewed(version=version, verdict=verdict, note=note):
            return f"{who} {verdict} the post-mortem (version {version}){_colon(note)}"
        case Unknown(stored_kind=stored_kind):
            # Never fail a whole timeline over one event this version cannot read.
            return f"{who}: {stored_kind.replace('_', ' ')} (details unreadable)"
        case _:
            assert_never(event.payload)


_STEP_VERBS = {
    StepOutcome.DONE: "completed",
    StepOutcome.SKIPPED: "skipped",
    StepOutcome.SUCCEEDED: "ran",
    StepOutcome.FAILED: "failed to run",
}


def _describe_step(who: str, step: PlaybookStep) -> str:
    line = f"{who} {_STEP_VERBS[step.outcome]} step {step.title} ({step.playbook})"
    if step.summary:
        line += f": {step.summary}"
    if step.reason:
        line += f" (reason: {step.reason})"
    if step.error:
        line += f": {step.error}"
    return line


def mention(ref: str) -> str:
    """A config user reference as people read it: a Slack id as a mention, an email as is."""
    return f"<@{ref}>" if ref.startswith(("U", "W")) and "@" not in ref else ref


def _colon(text: str | None) -> str:
    return f": {text}" if text else ""


def _parenthesized(text: str | None) -> str:
    return f" ({text})" if text else ""

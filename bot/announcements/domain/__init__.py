"""The pure core of announcements: where an incident is announced, when a severity change posts
a new announcement, and what the announcement post says. No I/O; ``now`` is passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity

ACTION_JOIN = "announcements.join"
ACTION_FOLLOW = "announcements.follow"


@dataclass(frozen=True)
class ServiceComms:
    """One service's entry in ``announcements.yaml``."""

    channels: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()  # Slack user ids, resolved from the config at load
    stakeholders_at: Severity = Severity.SEV1
    groups: tuple[str, ...] = ()  # Slack user group handles: their members, read when needed


@dataclass(frozen=True)
class Announcing:
    """``announcements.yaml`` as values: the default channel(s), the severity at which a change
    re-announces (None: never) and each service's own channels and stakeholders."""

    channels: tuple[str, ...] = ()
    reannounce_at: Severity | None = None
    services: Mapping[str, ServiceComms] = field(default_factory=lambda: MappingProxyType({}))

    def channels_for(self, service: str | None) -> tuple[str, ...]:
        """The default channels, then the service's own; each once."""
        comms = self.services.get(service or "")
        own = comms.channels if comms is not None else ()
        return tuple(dict.fromkeys((*self.channels, *own)))

    def stakeholders_for(self, incident: Incident) -> tuple[str, ...]:
        """Who follows ``incident`` without asking: its service's stakeholders once it is at
        least as severe as their threshold."""
        comms = self._concerned(incident)
        return comms.stakeholders if comms else ()

    def stakeholder_groups_for(self, incident: Incident) -> tuple[str, ...]:
        """The user groups (handles) whose members follow ``incident``, on the same terms."""
        comms = self._concerned(incident)
        return comms.groups if comms else ()

    def _concerned(self, incident: Incident) -> ServiceComms | None:
        comms = self.services.get(incident.service or "")
        if comms is None or not at_least(incident.severity, comms.stakeholders_at):
            return None
        return comms


NOBODY = Announcing()


def at_least(severity: Severity, threshold: Severity) -> bool:
    """SEV1 is the most severe: ``at_least(SEV1, SEV2)`` is True."""
    return _rank(severity) <= _rank(threshold)


def reannounces(before: Severity, after: Severity, threshold: Severity | None) -> bool:
    """A change re-announces when it makes the incident more severe and reaches ``threshold``."""
    if threshold is None or _rank(after) >= _rank(before):
        return False
    return at_least(after, threshold)


def _rank(severity: Severity) -> int:
    return list(Severity).index(severity)


@dataclass(frozen=True)
class Post:
    """What an announcement shows: the incident, its channel, the last status update and the
    headline of this post (``escalated to SEV1`` for a re-announcement)."""

    incident: Incident
    channel_id: str
    last_update: str | None = None
    headline: str | None = None
    call_url: str | None = None


def render(post: Post, now: datetime) -> tuple[str, list[dict[str, Any]]]:
    """The post's fallback text and Block Kit blocks."""
    incident = post.incident
    summary = f"{incident.severity.emoji} *{incident.severity}* incident #{incident.number}"
    headline = _headline(post)
    text = f"{summary} {headline}: {incident.title}"
    fields = [
        f"*Status*\n{_status(incident)}",
        f"*Severity*\n{incident.severity} ({incident.severity.label})",
        f"*Lead*\n{_lead(incident)}",
        f"*Service*\n{incident.service or 'none'}",
        f"*Duration*\n{_duration(incident, now)}",
        f"*Channel*\n<#{post.channel_id}>",
    ]
    if post.call_url:
        fields.append(f"*Call*\n<{post.call_url}|Join the call>")
    blocks: list[dict[str, Any]] = [
        _section(f"{summary} {headline}\n*{_escape(incident.title)}*"),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if post.last_update:
        at = incident.last_update_at
        when = f" ({_clock(at)})" if at else ""
        blocks.append(_section(f"*Last update*{when}: {_escape(post.last_update)}"))
    blocks.append(_buttons(incident))
    return text, blocks


def superseded(incident: Incident, headline: str | None) -> tuple[str, list[dict[str, Any]]]:
    """What an earlier announcement says once a re-announcement replaced it."""
    what = headline or "announced again"
    text = (
        f"{incident.severity.emoji} Incident #{incident.number} {what}: "
        f"*{_escape(incident.title)}*. The current announcement is the newer post below."
    )
    return text, [_section(text)]


def _headline(post: Post) -> str:
    if post.incident.status is Status.RESOLVED:
        return "resolved"
    return post.headline or "declared"


def _status(incident: Incident) -> str:
    if incident.status is Status.RESOLVED:
        return ":white_check_mark: resolved"
    return incident.status.value


def _lead(incident: Incident) -> str:
    return f"<@{incident.lead}>" if incident.lead.startswith(("U", "W")) else "nobody yet"


def _duration(incident: Incident, now: datetime) -> str:
    if incident.resolved_at is not None:
        return f"lasted {_span(incident.resolved_at - incident.started_at)}"
    return f"{_span(now - incident.started_at)} so far (at {_clock(now)})"


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return " ".join(p for p in parts if p)


def _clock(at: datetime) -> str:
    """A time Slack shows in the reader's zone, with UTC as the fallback."""
    return f"<!date^{int(at.timestamp())}^{{time}}|{at:%H:%M} UTC>"


def _buttons(incident: Incident) -> dict[str, Any]:
    value = str(incident.number)
    elements: list[dict[str, Any]] = [_button("Follow", ACTION_FOLLOW, value)]
    if incident.is_open:
        elements.insert(0, {**_button("Join", ACTION_JOIN, value), "style": "primary"})
    return {"type": "actions", "elements": elements}


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

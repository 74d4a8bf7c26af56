"""What playbook templates can use: the incident, the playbook, the alert, and the playbook's vars.

| variable | value |
|---|---|
| ``incident.number`` | the incident's number (``42``) |
| ``incident.title`` | ``Checkout latency high`` |
| ``incident.severity`` / ``status`` | ``SEV2`` / ``investigating`` |
| ``incident.service`` | the service name, or nothing when the incident has none |
| ``incident.channel`` | the incident channel's id (``<#{{ incident.channel }}>`` links to it) |
| ``incident.lead`` | the lead's Slack id (``<@{{ incident.lead }}>`` mentions them) |
| ``incident.url`` | a link that opens the incident channel in Slack |
| ``playbook.name`` / ``playbook.title`` | the playbook being run |
| ``alert.labels`` | the labels of the alert that opened the incident (empty without one) |
| each name in ``vars:`` | its default (itself a template), e.g. ``flag`` |
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from bot.incidents.domain.incident import Incident
from bot.playbooks.domain.model import Playbook

TEMPLATE_ROOTS = frozenset({"incident", "playbook", "alert"})
FIELDS: Mapping[str, frozenset[str]] = {
    "incident": frozenset(
        {"number", "title", "severity", "status", "service", "channel", "lead", "url"}
    ),
    "playbook": frozenset({"name", "title"}),
    "alert": frozenset({"labels"}),
}

_SLACK_CHANNEL_LINK = "https://slack.com/app_redirect?channel={}"


def template_context(
    playbook: Playbook,
    incident: Incident,
    channel_id: str | None,
    labels: Mapping[str, str] = MappingProxyType({}),
) -> dict[str, Any]:
    """The variables for ``playbook``'s templates; its vars are still unrendered defaults."""
    return {
        "incident": {
            "number": incident.number,
            "title": incident.title,
            "severity": incident.severity.value,
            "status": incident.status.value,
            "service": incident.service,
            "channel": channel_id,
            "lead": incident.lead,
            "url": _SLACK_CHANNEL_LINK.format(channel_id) if channel_id else None,
        },
        "playbook": {"name": playbook.name, "title": playbook.title},
        "alert": {"labels": dict(labels)},
        **playbook.vars,
    }

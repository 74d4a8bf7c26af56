"""Atlassian Statuspage: an incident per warroom incident, with component statuses, through its
REST API (``/v1/pages/{page_id}/incidents``), only for updates that chose it.

Exactly once: the Statuspage incident's name ends with `` (#<number>)``, so a retry after an
ambiguous failure (a timeout after Statuspage applied the create) finds the incident it made
instead of making another; an update whose text is already the incident's latest is not added
twice. 429 and 5xx are retried by the one HTTP sender (honouring ``Retry-After``); 401, 404 and
422 are final and said in words naming the setting to fix.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.kernel.http.sender import HttpSender, OutboundRequest, Reply
from bot.kernel.settings import Settings

log = logging.getLogger(__name__)

# Our public states as Statuspage's component statuses.
COMPONENT_STATUS = {
    "operational": "operational",
    "degraded performance": "degraded_performance",
    "partial outage": "partial_outage",
    "major outage": "major_outage",
}


class StatuspageRefused(Exception):
    """A final answer (401, 404, 422, another 4xx), worded for the people in the channel."""


@dataclass(frozen=True)
class StatuspageTarget:
    api_url: str
    page_id: str
    api_key: str
    components: Mapping[str, str]  # service -> Statuspage component id

    def missing_components(self, services: tuple[str, ...]) -> list[str]:
        return [s for s in services if s not in self.components]


def target(settings: Settings) -> StatuspageTarget | str:
    """The configured page, or why there is none (naming the settings to set)."""
    key = settings.statuspage_api_key.get_secret_value() if settings.statuspage_api_key else ""
    if not settings.statuspage_page_id or not key:
        return "Statuspage is not set up: set STATUSPAGE_PAGE_ID and STATUSPAGE_API_KEY"
    components: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in settings.statuspage_components.split(","))):
        service, equals, component = pair.partition("=")
        if not equals or not service.strip() or not component.strip():
            return (
                f"STATUSPAGE_COMPONENTS has {pair!r}: write service=component_id pairs "
                "separated by commas"
            )
        components[service.strip().lower()] = component.strip()
    url = settings.statuspage_api_url.rstrip("/")
    return StatuspageTarget(url, settings.statuspage_page_id, key, components)


@dataclass(frozen=True)
class Sync:
    """What one timer sends: the incident's state on Statuspage after this update."""

    number: int
    name: str
    status: str  # investigating, identified, monitoring, resolved
    body: str
    components: Mapping[str, str]  # component id -> component status


class Statuspage:
    def __init__(self, sender: HttpSender, page: StatuspageTarget) -> None:
        self._sender = sender
        self._page = page

    def sync(self, change: Sync) -> str:
        """Create or update the incident of ``change.number``; its Statuspage id."""
        marker = f"(#{change.number})"
        found = self._send("GET", f"/incidents?q={marker}", None, "find")
        existing = [i for i in found if isinstance(i, dict) and marker in str(i.get("name"))]
        incident: dict[str, Any] = {
            "name": f"{change.name} {marker}",
            "status": change.status,
            "components": dict(change.components),
            "component_ids": list(change.components),
        }
        if not existing:
            incident["body"] = change.body
            made = self._send("POST", "/incidents", {"incident": incident}, "create")
            return str(made.get("id"))
        current = existing[0]
        updates = current.get("incident_updates") or [{}]
        if updates[0].get("body") != change.body:  # newest first; a retry adds nothing
            incident["body"] = change.body
        self._send("PATCH", f"/incidents/{current['id']}", {"incident": incident}, "update")
        return str(current["id"])

    def _send(self, method: str, path: str, body: object, what: str) -> Any:
        page = self._page
        url = f"{page.api_url}/pages/{page.page_id}{path}"
        content = json.dumps(body).encode() if body is not None else b""
        headers = {"Authorization": f"OAuth {page.api_key}", "Content-Type": "application/json"}
        reply = self._sender.send(
            lambda: OutboundRequest(method, url, headers, content),
            label=f"statuspage {what}",
            secrets=(page.api_key,),
        )
        if not reply.ok:
            raise StatuspageRefused(_refusal(reply, page))
        return reply.json() or {}


def _refusal(reply: Reply, page: StatuspageTarget) -> str:
    said = reply.json()
    error = said.get("error") if isinstance(said, dict) else None
    detail = "; ".join(error) if isinstance(error, list) else str(error or reply.text[:200])
    if reply.status == 401:
        return f"Statuspage refused the API key (401): check STATUSPAGE_API_KEY ({detail})"
    if reply.status == 404:
        return (
            f"Statuspage has no page {page.page_id!r} for this key (404): check "
            f"STATUSPAGE_PAGE_ID ({detail})"
        )
    if reply.status == 422:
        return f"Statuspage refused the incident (422): {detail}; check STATUSPAGE_COMPONENTS"
    return f"Statuspage answered {reply.status}: {detail}"

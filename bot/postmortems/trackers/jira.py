"""Jira Cloud over REST v3: find an action item's issue by its label, create it, poll its status.

Every issue gets the labels ``warroom-followup`` and the item's marker; finding runs the JQL
``project = "<key>" AND labels = "<marker>"`` (``/rest/api/3/search/jql``) before creating.
Jira's search reads an index that may lag a create by a moment, so a lost answer retried at once
could still double; the durable timer's backoff makes that unlikely, and the marker shows it.
Auth is Basic ``JIRA_EMAIL:JIRA_API_TOKEN``; issues are Tasks; the description is Atlassian
Document Format with the incident and post-mortem links as links. Status category ``done``
means closed.

Answers: 401, 403, 404 and 400 (``errors`` names the field, e.g. an unknown project) are
permanent; 429 (with ``Retry-After``) and 5xx are retried by the shared sender.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote, urlencode

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, Reply, Unsendable, excerpt
from bot.postmortems.trackers.errors import TrackerError
from bot.postmortems.trackers.issue import Issue, single_attempt

LABEL = "warroom-followup"
ISSUE_TYPE = "Task"
_URL = re.compile(r"https?://\S+")


class JiraIssues:
    def __init__(
        self, http: HttpSender, base_url: str | None, email: str | None, token: str | None
    ) -> None:
        self._http = http
        self._once = single_attempt(http)
        self._base = (base_url or "").rstrip("/")
        self._email = email
        self._token = token

    def find(self, project: str, marker: str) -> Issue | None:
        query = urlencode(
            {"jql": f'project = "{project}" AND labels = "{marker}"', "fields": "status"}
        )
        found = self._call("GET", f"/rest/api/3/search/jql?{query}", None, project)
        issues = found.get("issues") if isinstance(found, dict) else None
        return self._issue(issues[0]) if issues else None

    def create(self, project: str, title: str, body: str, marker: str) -> Issue:
        fields = {
            "project": {"key": project},
            "summary": title,
            "issuetype": {"name": ISSUE_TYPE},
            "labels": [LABEL, marker],
            "description": adf(body),
        }
        made = self._call("POST", "/rest/api/3/issue", {"fields": fields}, project, once=True)
        if not isinstance(made, dict) or "key" not in made:
            raise TrackerError("Jira's answer to the new issue had no key", permanent=False)
        return Issue(str(made["key"]), self._browse(str(made["key"])), closed=False)

    def closed(self, issue: str) -> bool:
        found = self._call("GET", f"/rest/api/3/issue/{quote(issue)}?fields=status", None, issue)
        return self._issue(found).closed if isinstance(found, dict) else False

    def _issue(self, issue: dict[str, Any]) -> Issue:
        status = (issue.get("fields") or {}).get("status") or {}
        done = (status.get("statusCategory") or {}).get("key") == "done"
        return Issue(str(issue.get("key")), self._browse(str(issue.get("key"))), done)

    def _browse(self, key: str) -> str:
        return f"{self._base}/browse/{key}"

    def _call(self, method: str, path: str, document: Any, what: str, once: bool = False) -> Any:
        email, token = self._email, self._token
        if not (self._base and email and token):
            raise TrackerError(
                "JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN must be set", permanent=True
            )
        basic = base64.b64encode(f"{email}:{token}".encode()).decode()
        headers = {
            "Authorization": f"Basic {basic}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        body = json.dumps(document).encode() if document is not None else b""

        def build() -> OutboundRequest:
            return OutboundRequest(method, self._base + path, headers, body)

        try:
            http = self._once if once else self._http
            reply = http.send(build, label=f"jira {method}", secrets=(token, basic))
        except Unsendable as failure:
            raise TrackerError(
                f"Jira could not be reached ({failure.detail})", permanent=True
            ) from None
        except GaveUp as failure:
            raise TrackerError(f"Jira: {failure.reason}", permanent=False) from None
        if reply.ok:
            return reply.json()
        raise _refused(reply, what, (token, basic))


def _refused(reply: Reply, what: str, secrets: tuple[str, ...]) -> TrackerError:
    answer = reply.json()
    said = excerpt(reply.text, secrets)
    if isinstance(answer, dict):
        messages = list(answer.get("errorMessages") or [])
        messages += [f"{k}: {v}" for k, v in (answer.get("errors") or {}).items()]
        said = "; ".join(str(m) for m in messages) or said
    match reply.status:
        case 401:
            return TrackerError("Jira refused JIRA_EMAIL/JIRA_API_TOKEN (401)", permanent=True)
        case 403:
            return TrackerError(f"JIRA_API_TOKEN may not do this in {what} (403)", permanent=True)
        case 404:
            return TrackerError(f"Jira: {what} not found (404): {said}", permanent=True)
    return TrackerError(f"Jira refused the request ({reply.status}): {said}", permanent=True)


def adf(text: str) -> dict[str, Any]:
    """Plain lines as Atlassian Document Format paragraphs, URLs as links; HTML comments (the
    GitHub marker) are left out, Jira has the marker as a label."""
    paragraphs = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("<!--")]
        if not lines:
            continue
        content: list[dict[str, Any]] = []
        for number, line in enumerate(lines):
            if number:
                content.append({"type": "hardBreak"})
            content += _inline(line)
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}


def _inline(line: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    at = 0
    for match in _URL.finditer(line):
        if match.start() > at:
            nodes.append({"type": "text", "text": line[at : match.start()]})
        url = match.group()
        nodes.append(
            {"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]}
        )
        at = match.end()
    if at < len(line):
        nodes.append({"type": "text", "text": line[at:]})
    return nodes

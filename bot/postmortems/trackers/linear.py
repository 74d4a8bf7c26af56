"""Linear over its GraphQL API: find an action item's issue by its marker, create it, poll it.

Finding filters the team's issues on the description containing the marker (a filter on the
database, not the eventually consistent search), so a create whose answer was lost is found.
``Authorization`` is the API key itself (Linear's personal keys take no ``Bearer``).

Answers: GraphQL errors come back as HTTP 200 or 400 with ``errors``; ``extensions.code``
``RATELIMITED`` waits (``Retry-After``, else a minute), an authentication error or an unknown
team is permanent, anything else too (a refused input). 429 and 5xx are retried by the shared
sender.
"""

from __future__ import annotations

import json
from typing import Any

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, Reply, Unsendable, excerpt
from bot.kernel.http.policy import retry_after_seconds
from bot.postmortems.trackers.errors import TrackerError
from bot.postmortems.trackers.issue import Issue, single_attempt

_ISSUE = "id identifier url state { type }"
TEAM = "query Team($key: String!) { teams(filter: {key: {eq: $key}}) { nodes { id } } }"
FIND = (
    "query Find($key: String!, $marker: String!) { issues(first: 1, filter: "
    "{team: {key: {eq: $key}}, description: {contains: $marker}}) { nodes { " + _ISSUE + " } } }"
)
CREATE = (
    "mutation Create($input: IssueCreateInput!) { issueCreate(input: $input) "
    "{ success issue { " + _ISSUE + " } } }"
)
STATE = "query State($id: String!) { issue(id: $id) { " + _ISSUE + " } }"
CLOSED_TYPES = ("completed", "canceled")


class LinearIssues:
    def __init__(self, http: HttpSender, api_url: str, key: str | None) -> None:
        self._http = http
        self._once = single_attempt(http)
        self._url = api_url.rstrip("/") + "/graphql"
        self._key = key

    def find(self, team: str, marker: str) -> Issue | None:
        data = self._call(FIND, {"key": team, "marker": marker}, team)
        nodes = data.get("issues", {}).get("nodes", [])
        return _issue(nodes[0]) if nodes else None

    def create(self, team: str, title: str, body: str, marker: str) -> Issue:
        teams = self._call(TEAM, {"key": team}, team).get("teams", {}).get("nodes", [])
        if not teams:
            raise TrackerError(
                f"Linear has no team {team}, or LINEAR_API_KEY cannot see it", permanent=True
            )
        document = {"teamId": teams[0]["id"], "title": title, "description": body}
        created = self._call(CREATE, {"input": document}, team, once=True).get("issueCreate", {})
        if not created.get("success") or not isinstance(created.get("issue"), dict):
            raise TrackerError("Linear did not create the issue", permanent=False)
        return _issue(created["issue"])

    def closed(self, issue: str) -> bool:
        found = self._call(STATE, {"id": issue}, issue).get("issue")
        if not isinstance(found, dict):
            raise TrackerError(f"Linear issue {issue} is gone", permanent=True)
        return _issue(found).closed

    def _call(
        self, query: str, variables: dict[str, Any], what: str, once: bool = False
    ) -> dict[str, Any]:
        key = self._key
        if not key:
            raise TrackerError("LINEAR_API_KEY is not set", permanent=True)
        body = json.dumps({"query": query, "variables": variables}).encode()
        headers = {"Authorization": key, "Content-Type": "application/json"}

        def build() -> OutboundRequest:
            return OutboundRequest("POST", self._url, headers, body)

        try:
            http = self._once if once else self._http
            reply = http.send(build, label="linear graphql", secrets=(key,))
        except Unsendable as failure:
            raise TrackerError(
                f"Linear could not be reached ({failure.detail})", permanent=True
            ) from None
        except GaveUp as failure:
            raise TrackerError(f"Linear: {failure.reason}", permanent=False) from None
        answer = reply.json()
        if not isinstance(answer, dict):
            raise TrackerError(f"Linear answered HTTP {reply.status}", permanent=reply.ok)
        if answer.get("errors") or not reply.ok:
            raise _refused(reply, answer, key)
        data = answer.get("data")
        return data if isinstance(data, dict) else {}


def _refused(reply: Reply, answer: dict[str, Any], key: str) -> TrackerError:
    errors = answer.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str((first.get("extensions") or {}).get("code", "")).upper()
    message = excerpt(str(first.get("message", reply.text)), (key,))
    if code == "RATELIMITED":
        wait = retry_after_seconds(reply.headers)
        return TrackerError("Linear rate limit", permanent=False, retry_after=wait or 60.0)
    if code == "AUTHENTICATION_ERROR" or reply.status == 401:
        return TrackerError("Linear refused LINEAR_API_KEY", permanent=True)
    return TrackerError(f"Linear refused the request: {message}", permanent=True)


def _issue(node: dict[str, Any]) -> Issue:
    state = (node.get("state") or {}).get("type")
    return Issue(str(node.get("identifier")), str(node.get("url", "")), state in CLOSED_TYPES)

"""A local Jira Cloud REST API v3: create issues, search them by JQL on project and label, read
one issue's status, and transition it as a person would.

- ``POST /rest/api/3/issue`` ``{"fields": {project: {key}, summary, issuetype: {name}, labels,
  description (ADF)}}`` -> 201 ``{"id", "key", "self"}``. 400 ``{"errorMessages": [], "errors":
  {field: text}}`` for an unknown project, a missing or over-255-character summary, an unknown
  issue type, labels with spaces, or a description that is not an ADF ``doc``.
- ``GET /rest/api/3/search/jql?jql=...`` understands ``project = "KEY"`` and ``labels = "x"``
  joined by ``AND`` (anything else: 400 with Jira's JQL message); ``GET /rest/api/3/issue/{key}``
  (404 ``Issue does not exist or you do not have permission to see it.``).
- ``POST /rest/api/3/issue/{key}/transitions`` ``{"transition": {"id"}}`` (``11`` To Do,
  ``21`` In Progress, ``31`` Done).
- Auth: Basic ``email:api token`` equal to :attr:`email` and :attr:`token`; else 401.
- Injected 429 carries ``Retry-After``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

TYPES = ("Task", "Bug", "Story")
STATUSES = {"11": ("To Do", "new"), "21": ("In Progress", "indeterminate"), "31": ("Done", "done")}
_CLAUSE = re.compile(r'^\s*(project|labels)\s*=\s*"([^"]*)"\s*$')


@dataclass(frozen=True)
class JiraIssue:
    id: str
    key: str
    project: str
    summary: str
    labels: tuple[str, ...]
    description: Mapping[str, Any]
    status: str = "11"

    def json(self, base: str) -> dict[str, Any]:
        name, category = STATUSES[self.status]
        return {
            "id": self.id,
            "key": self.key,
            "self": f"{base}/rest/api/3/issue/{self.id}",
            "fields": {
                "summary": self.summary,
                "labels": list(self.labels),
                "status": {"name": name, "statusCategory": {"key": category}},
            },
        }

    def text(self) -> str:
        """The description's text, links included."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if node.get("type") == "text":
                    found.append(str(node.get("text", "")))
                for child in node.get("content", []):
                    walk(child)

        walk(self.description)
        return " ".join(found)


class FakeJira(FakeProvider):
    def __init__(
        self,
        *,
        email: str = "bot@example.com",
        token: str = "jira-sandbox-token",
        projects: tuple[str, ...] = (),
        any_project: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.email, self.token = email, token
        self.any_project = any_project
        self._projects = set(projects)
        self._issues: list[JiraIssue] = []
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [
            ("/rest/api/3/issue", ["POST"], self._create),
            ("/rest/api/3/search/jql", ["GET"], self._search),
            ("/rest/api/3/issue/{key}", ["GET"], self._get),
            ("/rest/api/3/issue/{key}/transitions", ["POST"], self._transition),
        ]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {}
        if status == 429 and retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return _errors(
            status, ["Rate limit exceeded." if status == 429 else "Server error"], {}, headers
        )

    def _reset_state(self) -> None:
        self._issues.clear()

    def issues(self) -> list[JiraIssue]:
        with self._lock:
            return list(self._issues)

    def transition(self, key: str, to: str = "31") -> None:
        """Move ``key`` as a person would (``31``: Done)."""
        with self._lock:
            self._issues = [replace(i, status=to) if i.key == key else i for i in self._issues]

    # -- the API --------------------------------------------------------------------------------

    def _authorised(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        try:
            given = base64.b64decode(value).decode()
        except ValueError:
            return False
        return scheme == "Basic" and given == f"{self.email}:{self.token}"

    def _create(self, request: Request, body: bytes) -> Response:
        if not self._authorised(request):
            return _unauthorised()
        try:
            fields = dict(parse_json(body)["fields"])
        except (ValueError, KeyError, TypeError):
            return _errors(400, ["Unexpected character in the request body."], {})
        errors = self._invalid(fields)
        if errors:
            return _errors(400, [], errors)
        project = str(fields["project"]["key"])
        self._projects.add(project)
        number = 1 + sum(1 for i in self._issues if i.project == project)
        issue = JiraIssue(
            str(10000 + len(self._issues)),
            f"{project}-{number}",
            project,
            fields["summary"],
            tuple(fields.get("labels") or ()),
            fields.get("description") or {},
        )
        self._issues.append(issue)
        return JSONResponse(
            {"id": issue.id, "key": issue.key, "self": issue.json(self.url)["self"]},
            status_code=201,
        )

    def _invalid(self, fields: dict[str, Any]) -> dict[str, str]:
        errors: dict[str, str] = {}
        project = (fields.get("project") or {}).get("key")
        if project not in self._projects and not self.any_project:
            errors["project"] = "valid project is required"
        summary = fields.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            errors["summary"] = "You must specify a summary of the issue."
        elif len(summary) > 255:
            errors["summary"] = "Summary must be less than 255 characters."
        if (fields.get("issuetype") or {}).get("name") not in TYPES:
            errors["issuetype"] = "Specify a valid issue type"
        labels = fields.get("labels") or []
        if not isinstance(labels, list) or any(not isinstance(x, str) or " " in x for x in labels):
            errors["labels"] = "Labels cannot contain spaces."
        description = fields.get("description")
        if description is not None and (description or {}).get("type") != "doc":
            errors["description"] = "Operation value must be an Atlassian Document."
        return errors

    def _search(self, request: Request, body: bytes) -> Response:
        if not self._authorised(request):
            return _unauthorised()
        wanted: dict[str, str] = {}
        for clause in request.query_params.get("jql", "").split(" AND "):
            match = _CLAUSE.match(clause)
            if match is None:
                return _errors(400, [f"Error in the JQL Query: {clause!r}"], {})
            wanted[match.group(1)] = match.group(2)
        found = [
            i
            for i in self._issues
            if wanted.get("project", i.project) == i.project
            and ("labels" not in wanted or wanted["labels"] in i.labels)
        ]
        return JSONResponse({"issues": [i.json(self.url) for i in found], "isLast": True})

    def _get(self, request: Request, body: bytes) -> Response:
        if not self._authorised(request):
            return _unauthorised()
        issue = next((i for i in self._issues if i.key == request.path_params["key"]), None)
        if issue is None:
            return _errors(
                404, ["Issue does not exist or you do not have permission to see it."], {}
            )
        return JSONResponse(issue.json(self.url))

    def _transition(self, request: Request, body: bytes) -> Response:
        if not self._authorised(request):
            return _unauthorised()
        key = request.path_params["key"]
        if not any(i.key == key for i in self._issues):
            return _errors(
                404, ["Issue does not exist or you do not have permission to see it."], {}
            )
        try:
            to = str(parse_json(body)["transition"]["id"])
        except (ValueError, KeyError, TypeError):
            return _errors(400, ["No transition specified."], {})
        if to not in STATUSES:
            return _errors(400, [f"Transition id '{to}' is not valid for this issue."], {})
        self._issues = [replace(i, status=to) if i.key == key else i for i in self._issues]
        return Response(status_code=204)


def _unauthorised() -> Response:
    return _errors(
        401, ["You are not authenticated. Authentication required to perform this operation."], {}
    )


def _errors(
    status: int,
    messages: list[str],
    errors: Mapping[str, str],
    headers: Mapping[str, str] | None = None,
) -> Response:
    return JSONResponse(
        {"errorMessages": messages, "errors": dict(errors)},
        status_code=status,
        headers=dict(headers or {}),
    )

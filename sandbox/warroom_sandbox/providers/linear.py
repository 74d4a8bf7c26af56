"""A local Linear GraphQL API for the queries warroom sends: teams by key, issues filtered by
team and description, ``issueCreate`` and one issue's state.

- ``POST /graphql`` ``{"query", "variables"}``; ``Authorization: <api key>`` (or ``Bearer``)
  equal to :attr:`FakeLinear.api_key`, otherwise HTTP 400 with ``AUTHENTICATION_ERROR``.
- The operation is recognised by its field (``teams(``, ``issues(``, ``issueCreate``,
  ``issue(``); anything else is HTTP 400 ``GRAPHQL_VALIDATION_FAILED`` (this is not a GraphQL
  engine). An unknown ``teamId`` or a blank title is ``INVALID_INPUT``.
- Injected 429 answers as Linear does: HTTP 400 with ``RATELIMITED`` (and ``Retry-After``).

:meth:`FakeLinear.complete` moves an issue to a completed state, as a person closing it would.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json


@dataclass(frozen=True)
class LinearIssue:
    id: str
    identifier: str
    team: str
    title: str
    description: str
    state: str = "unstarted"  # Linear's state types: backlog, unstarted, started, completed...

    def node(self, base: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "identifier": self.identifier,
            "url": f"{base}/issue/{self.identifier}",
            "state": {"type": self.state},
        }


class FakeLinear(FakeProvider):
    def __init__(
        self,
        *,
        api_key: str = "lin_api_sandbox",
        teams: tuple[str, ...] = (),
        any_team: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.any_team = any_team
        self._teams = {key: str(uuid.uuid4()) for key in teams}
        self._issues: list[LinearIssue] = []
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/graphql", ["POST"], self._graphql)]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        if status == 429:
            headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
            return _error(400, "Rate limit exceeded", "RATELIMITED", headers)
        return _error(status, "Internal server error", "INTERNAL_SERVER_ERROR")

    def _reset_state(self) -> None:
        self._issues.clear()

    def issues(self) -> list[LinearIssue]:
        with self._lock:
            return list(self._issues)

    def complete(self, identifier: str) -> None:
        with self._lock:
            self._issues = [
                replace(i, state="completed") if i.identifier == identifier else i
                for i in self._issues
            ]

    @property
    def _web(self) -> str:
        return f"{self.url}/app"

    def _graphql(self, request: Request, body: bytes) -> Response:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if given != self.api_key:
            return _error(400, "Authentication required, not authenticated", "AUTHENTICATION_ERROR")
        try:
            document = parse_json(body)
            query, variables = str(document["query"]), dict(document.get("variables") or {})
        except (ValueError, KeyError, TypeError):
            return _error(400, "Must provide query string.", "BAD_USER_INPUT")
        if "issueCreate" in query:
            return self._create(variables.get("input") or {})
        if "teams(" in query:
            key = str(variables.get("key", ""))
            if self.any_team and key not in self._teams:
                self._teams[key] = str(uuid.uuid4())
            nodes = [{"id": self._teams[key]}] if key in self._teams else []
            return _data({"teams": {"nodes": nodes}})
        if "issues(" in query:
            team, marker = str(variables.get("key")), str(variables.get("marker"))
            found = [i for i in self._issues if i.team == team and marker in i.description]
            return _data({"issues": {"nodes": [i.node(self._web) for i in found[:1]]}})
        if "issue(" in query:
            wanted = str(variables.get("id"))
            issue = next((i for i in self._issues if wanted in (i.id, i.identifier)), None)
            if issue is None:
                return _error(200, "Entity not found: Issue", "INVALID_INPUT")
            return _data({"issue": issue.node(self._web)})
        return _error(400, "Unknown operation", "GRAPHQL_VALIDATION_FAILED")

    def _create(self, data: Mapping[str, Any]) -> Response:
        team = next((k for k, v in self._teams.items() if v == data.get("teamId")), None)
        if team is None:
            return _error(200, "Argument Validation Error: teamId", "INVALID_INPUT")
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            return _error(200, "Argument Validation Error: title", "INVALID_INPUT")
        number = 1 + sum(1 for i in self._issues if i.team == team)
        issue = LinearIssue(
            str(uuid.uuid4()), f"{team}-{number}", team, title, str(data.get("description", ""))
        )
        self._issues.append(issue)
        return _data({"issueCreate": {"success": True, "issue": issue.node(self._web)}})


def _data(data: dict[str, Any]) -> Response:
    return JSONResponse({"data": data})


def _error(
    status: int, message: str, code: str, headers: Mapping[str, str] | None = None
) -> Response:
    error = {"message": message, "extensions": {"code": code, "userPresentableMessage": message}}
    return JSONResponse({"errors": [error]}, status_code=status, headers=dict(headers or {}))

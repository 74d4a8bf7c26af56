"""A local GitHub Issues REST API: list and create issues, close them, and send the signed
``issues`` webhook as GitHub does.

- ``GET /repos/{owner}/{repo}/issues`` (``state`` open|closed|all, ``labels`` comma-separated,
  ``direction`` asc|desc, ``per_page`` up to 100, ``page``), ``POST /repos/{owner}/{repo}/issues``
  (``title``, ``body``, ``labels``) answering 201 with the issue (``number``, ``html_url``,
  ``state``, ``body``, ``labels``).
- Auth: ``Authorization: Bearer <token>`` (or ``token <token>``) equal to :attr:`token`;
  otherwise 401 ``{"message": "Bad credentials"}``. A repository not added with
  :meth:`FakeGitHub.add_repo` is 404 ``{"message": "Not Found"}`` (as GitHub answers a private
  repository the token cannot see).
- 422 ``{"message": "Validation Failed", "errors": [{"resource": "Issue", "code", "field"}]}``
  for a missing or blank ``title``, a title over 256 characters, a body over 65,536, or labels
  that are not a list of strings.
- :meth:`FakeGitHub.lose_create_answers` creates the issue but answers 502.
- Injected faults answer like GitHub: ``fail(status=403, retry_after=N)`` is the secondary rate
  limit (``Retry-After``), 429 the primary one (``x-ratelimit-remaining: 0``), 5xx a server error.

:meth:`FakeGitHub.close_issue` (and ``reopen_issue``) changes an issue as a person would, and when a
webhook was set
with :meth:`FakeGitHub.send_webhooks_to` posts the ``issues`` ``closed`` (``reopened``) event
signed with ``X-Hub-Signature-256``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

DOCS = "https://docs.github.com/rest"
SECONDARY = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


@dataclass(frozen=True)
class GitHubIssue:
    repo: str
    number: int
    title: str
    body: str
    labels: tuple[str, ...]
    state: str = "open"

    def json(self, base: str) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "body": self.body,
            "state": self.state,
            "labels": [{"name": name} for name in self.labels],
            "html_url": f"{base}/{self.repo}/issues/{self.number}",
        }


class FakeGitHub(FakeProvider):
    """Query with :meth:`issues`; act as a person with :meth:`close_issue`."""

    def __init__(
        self,
        *,
        token: str = "ghp_sandboxtoken",
        any_repo: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token = token
        self.any_repo = any_repo  # ``warroom dev``: every repository exists
        self._repos: set[str] = set()
        self._issues: list[GitHubIssue] = []
        self._hook: tuple[str, str] | None = None
        self._lose = 0
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/repos/{owner}/{repo}/issues", ["GET", "POST"], self._issues_endpoint)]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers: dict[str, str] = {}
        message = {401: "Bad credentials", 404: "Not Found", 422: "Validation Failed"}.get(
            status, "Server Error"
        )
        if status == 403:
            message = SECONDARY
            if retry_after is not None:
                headers["Retry-After"] = f"{retry_after:g}"
        if status == 429:
            message = "API rate limit exceeded"
            headers["x-ratelimit-remaining"] = "0"
            if retry_after is not None:
                headers["Retry-After"] = f"{retry_after:g}"
        return _answer(status, {"message": message}, headers)

    def _reset_state(self) -> None:
        self._issues.clear()

    # -- setup and queries ----------------------------------------------------------------------

    def add_repo(self, repo: str) -> FakeGitHub:
        with self._lock:
            self._repos.add(repo)
        return self

    def lose_create_answers(self, times: int = 1) -> None:
        """Create the next ``times`` issues but answer 502, as when the answer is lost after
        GitHub took the request (a retry that creates again would double the issue)."""
        with self._lock:
            self._lose += times

    def remove_repo(self, repo: str) -> None:
        with self._lock:
            self._repos.discard(repo)

    def send_webhooks_to(self, url: str, secret: str) -> None:
        self._hook = (url, secret)

    def issues(self, repo: str | None = None) -> list[GitHubIssue]:
        with self._lock:
            return [i for i in self._issues if repo is None or i.repo == repo]

    def close_issue(self, repo: str, number: int) -> httpx.Response | None:
        """Close it; the signed webhook's answer when one is set."""
        return self._change(repo, number, "closed")

    def reopen_issue(self, repo: str, number: int) -> httpx.Response | None:
        return self._change(repo, number, "open")

    def _change(self, repo: str, number: int, state: str) -> httpx.Response | None:
        with self._lock:
            index = next(
                n for n, i in enumerate(self._issues) if (i.repo, i.number) == (repo, number)
            )
            issue = self._issues[index] = replace(self._issues[index], state=state)
        if self._hook is None:
            return None
        url, secret = self._hook
        event = {
            "action": "closed" if state == "closed" else "reopened",
            "issue": issue.json(self._html),
            "repository": {"full_name": repo},
        }
        body = json.dumps(event).encode()
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": signature,
        }
        return httpx.post(url, content=body, headers=headers, timeout=10)

    @property
    def _html(self) -> str:
        return f"{self.url}/html"

    # -- the API --------------------------------------------------------------------------------

    def _issues_endpoint(self, request: Request, body: bytes) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() not in ("bearer", "token") or token.strip() != self.token:
            return _answer(401, {"message": "Bad credentials"})
        repo = f"{request.path_params['owner']}/{request.path_params['repo']}"
        if repo not in self._repos and not self.any_repo:
            return _answer(404, {"message": "Not Found"})
        if request.method == "GET":
            return self._list(repo, request.query_params)
        return self._create(repo, body)

    def _list(self, repo: str, query: Mapping[str, str]) -> Response:
        state = query.get("state", "open")
        wanted = {w for w in query.get("labels", "").split(",") if w}
        found = [
            i
            for i in self._issues
            if i.repo == repo and (state == "all" or i.state == state) and wanted <= set(i.labels)
        ]
        if query.get("direction", "desc") == "desc":
            found.reverse()
        size = max(1, min(100, int(query.get("per_page", "30"))))
        page = max(1, int(query.get("page", "1")))
        chosen = found[(page - 1) * size : page * size]
        return JSONResponse([i.json(self._html) for i in chosen])

    def _create(self, repo: str, body: bytes) -> Response:
        try:
            data = parse_json(body)
        except ValueError:
            return _answer(400, {"message": "Problems parsing JSON"})
        if not isinstance(data, dict):
            return _answer(400, {"message": "Problems parsing JSON"})
        title, text, labels = data.get("title"), data.get("body") or "", data.get("labels", [])
        if not isinstance(title, str) or not title.strip():
            return _invalid("missing_field", "title")
        if len(title) > 256:
            return _invalid("invalid", "title")
        if not isinstance(text, str) or len(text) > 65536:
            return _invalid("invalid", "body")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            return _invalid("invalid", "labels")
        number = 1 + sum(1 for i in self._issues if i.repo == repo)
        issue = GitHubIssue(repo, number, title, text, tuple(labels))
        self._issues.append(issue)
        if self._lose > 0:
            self._lose -= 1
            return _answer(502, {"message": "Server Error"})
        return JSONResponse(issue.json(self._html), status_code=201)


def _invalid(code: str, field: str) -> Response:
    errors = [{"resource": "Issue", "code": code, "field": field}]
    return _answer(422, {"message": "Validation Failed", "errors": errors})


def _answer(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(
        {**body, "documentation_url": DOCS}, status_code=status, headers=dict(headers or {})
    )

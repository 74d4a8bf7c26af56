"""GitHub Issues over the REST API: find an action item's issue by its marker, or create it.

Finding lists the repository's issues with the ``warroom-followup`` label, newest first, and
reads their bodies for the marker; unlike the search API this list is not eventually consistent,
so an issue created a moment ago by an attempt whose answer was lost is found.

Answers: 401 (bad token), 404 (no such repository, or the token cannot see it), 410 (issues
disabled) and 422 (the issue was refused) are permanent. A 403 with ``Retry-After`` or
``x-ratelimit-remaining: 0`` is a (secondary) rate limit: try again after the wait it names;
any other 403 is a token without permission. 429 and 5xx are retried by the shared sender.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, Reply, Unsendable, excerpt
from bot.kernel.http.policy import retry_after_seconds
from bot.postmortems.trackers.errors import TrackerError
from bot.postmortems.trackers.issue import Issue, single_attempt

LABEL = "warroom-followup"
PAGES = 5  # of 100 issues: the lost create being looked for is among the newest


class GitHubIssues:
    def __init__(self, http: HttpSender, api_url: str, token: str | None) -> None:
        self._http = http
        self._once = single_attempt(http)
        self._api = api_url.rstrip("/")
        self._token = token

    def find(self, repo: str, marker: str) -> Issue | None:
        for page in range(1, PAGES + 1):
            query = f"state=all&labels={LABEL}&sort=created&direction=desc&per_page=100&page={page}"
            found = self._call("GET", f"/repos/{_path(repo)}/issues?{query}", None, repo)
            issues = found if isinstance(found, list) else []
            for issue in issues:
                if isinstance(issue, dict) and marker in str(issue.get("body") or ""):
                    return _issue(repo, issue)
            if len(issues) < 100:
                return None
        return None

    def closed(self, issue: str) -> bool:
        """Not polled: GitHub's webhook says when an issue closes."""
        raise TrackerError("GitHub issues are synced by webhook", permanent=True)

    def create(self, repo: str, title: str, body: str, marker: str) -> Issue:
        document = {"title": title, "body": body, "labels": [LABEL]}
        answer = self._call("POST", f"/repos/{_path(repo)}/issues", document, repo, once=True)
        if not isinstance(answer, dict):
            raise TrackerError("GitHub's answer to the new issue was not JSON", permanent=False)
        return _issue(repo, answer)

    def _call(self, method: str, path: str, document: Any, repo: str, once: bool = False) -> Any:
        token = self._token
        if not token:
            raise TrackerError("GITHUB_TOKEN is not set", permanent=True)
        body = json.dumps(document).encode() if document is not None else b""
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Content-Type": "application/json",
        }

        def build() -> OutboundRequest:
            return OutboundRequest(method, self._api + path, headers, body)

        try:
            http = self._once if once else self._http
            reply = http.send(build, label=f"github {method}", secrets=(token,))
        except Unsendable as failure:
            raise TrackerError(
                f"GitHub could not be reached ({failure.detail})", permanent=True
            ) from None
        except GaveUp as failure:
            raise TrackerError(f"GitHub: {failure.reason}", permanent=False) from None
        if reply.ok:
            return reply.json()
        raise _refused(reply, repo, token)


def _refused(reply: Reply, repo: str, token: str) -> TrackerError:
    said = excerpt(reply.text, (token,))
    match reply.status:
        case 401:
            return TrackerError("GitHub refused GITHUB_TOKEN (401)", permanent=True)
        case 404:
            return TrackerError(
                f"GitHub repository {repo} not found, or GITHUB_TOKEN cannot see it (404)",
                permanent=True,
            )
        case 410:
            return TrackerError(f"issues are disabled in {repo} (410)", permanent=True)
        case 422:
            return TrackerError(f"GitHub refused the issue (422): {said}", permanent=True)
        case 403:
            wait = _rate_limit_wait(reply)
            if wait is not None:
                return TrackerError("GitHub rate limit (403)", permanent=False, retry_after=wait)
            return TrackerError(
                f"GITHUB_TOKEN may not create issues in {repo} (403): {said}", permanent=True
            )
    return TrackerError(f"GitHub answered HTTP {reply.status}: {said}", permanent=True)


def _rate_limit_wait(reply: Reply) -> float | None:
    after = retry_after_seconds(reply.headers)
    if after is not None:
        return after
    if reply.headers.get("x-ratelimit-remaining") == "0":
        reset = reply.headers.get("x-ratelimit-reset", "")
        return max(0.0, float(reset) - time.time()) if reset.isdigit() else 60.0
    return None


def _issue(repo: str, issue: dict[str, Any]) -> Issue:
    return Issue(
        f"{repo}#{issue.get('number')}",
        str(issue.get("html_url", "")),
        issue.get("state") == "closed",
    )


def _path(repo: str) -> str:
    owner, _, name = repo.partition("/")
    return f"{quote(owner, safe='')}/{quote(name, safe='')}"

"""``POST /followups/github``: GitHub's ``issues`` webhook keeps exported action items in sync.

Signed with ``GITHUB_WEBHOOK_SECRET`` (``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>``,
compared in constant time); an unsigned or wrongly signed request gets 401 and changes nothing.
``closed`` marks the item done, ``reopened`` opens it again; other events and issues that are
not warroom's are acknowledged (200) and ignored, so GitHub does not retry them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

PATH = "/followups/github"
MAX_BODY = 5_000_000  # GitHub caps webhook payloads at 25 MB; issue events are far smaller


class _Repository(BaseModel):
    full_name: str


class _Issue(BaseModel):
    number: int
    state: str


class _IssuesEvent(BaseModel):
    action: str
    issue: _Issue
    repository: _Repository


def verified(secret: str, body: bytes, signature: str | None) -> bool:
    if not signature or not signature.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogatepass"))


def github_routes(secret: str | None, synced: Callable[[str, str, bool], bool]) -> list[Route]:
    """``synced(tracker, issue key, closed)`` records the state; False for unknown issues."""

    async def hook(request: Request) -> Response:
        if secret is None:
            return _text("GITHUB_WEBHOOK_SECRET is not set: this webhook is off", 404)
        body = await request.body()
        if len(body) > MAX_BODY:
            return _text("payload too large", 413)
        if not verified(secret, body, request.headers.get("x-hub-signature-256")):
            return _text("bad or missing X-Hub-Signature-256", 401)
        if request.headers.get("x-github-event") != "issues":
            return _text("ignored: not an issues event", 200)
        try:
            event = _IssuesEvent.model_validate(json.loads(body))
        except (ValueError, ValidationError):
            return _text("not an issues event payload", 400)
        if event.action not in ("closed", "reopened"):
            return _text(f"ignored: {event.action}", 200)
        key = f"{event.repository.full_name}#{event.issue.number}"
        closed = event.action == "closed"
        known = await run_in_threadpool(synced, "github", key, closed)
        return _text("synced" if known else "ignored: not a warroom follow-up", 200)

    return [Route(PATH, hook, methods=["POST"])]


def _text(text: str, status: int) -> Response:
    return PlainTextResponse(text, status_code=status)

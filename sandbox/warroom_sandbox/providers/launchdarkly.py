"""A local LaunchDarkly REST API v2, for the feature flag routes warroom uses.

Based on LaunchDarkly's API docs (Overview: authentication, errors, rate limiting; "Update
feature flag" and its semantic patch instructions):

- ``GET /api/v2/flags/{projectKey}/{featureFlagKey}[?env=<key>]``: the flag, with
  ``environments.<key>.on``; ``env`` narrows ``environments`` to that environment.
- ``PATCH`` the same path: with ``Content-Type: application/json;
  domain-model=launchdarkly.semanticpatch``, a body ``{"environmentKey", "instructions":
  [{"kind": "turnFlagOn" | "turnFlagOff"}], "comment"}`` (the fake knows no other kinds);
  otherwise a JSON Patch (a list, or ``{"comment", "patch": [...]}``) replacing
  ``/environments/<key>/on``. Answers 200 with the updated flag.
- Auth: ``Authorization: <access token>`` (no scheme). Unknown token: 401; a read-only token
  writing: 403. Errors are ``{"code", "message", "id"}``.
- A pending approval request on the flag's environment (:meth:`FakeLaunchDarkly.add_pending_
  approval`) makes a change there answer 400 ``invalid_request`` unless ``?ignoreConflicts=true``
  (the documented ``ignoreConflicts`` behaviour).
- Injected 429s carry ``Retry-After`` and ``X-Ratelimit-Reset`` (epoch milliseconds).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import Handler, parse_json

SEMANTIC_PATCH = "domain-model=launchdarkly.semanticpatch"
DEFAULT_TOKEN = "api-4f1d2c3b-warroom-test"
TOGGLES = {"turnFlagOn": True, "turnFlagOff": False}
ERROR_CODES = {
    400: ("invalid_request", "Invalid request"),
    401: ("unauthorized", "Invalid access token"),
    403: ("forbidden", "Access to the requested resource was denied"),
    404: ("not_found", "Unknown resource"),
    405: ("method_not_allowed", "Method not allowed"),
    409: ("conflict", "The request conflicts with a concurrent update to the resource"),
    429: ("rate_limited", "You have exceeded the API rate limit, try again later"),
}


@dataclass
class _Flag:
    key: str
    name: str
    environments: dict[str, bool]
    version: int = 1
    env_versions: dict[str, int] = field(default_factory=dict)


class FakeLaunchDarkly(FakeAdminApi):
    """Seed with :meth:`set_flag`; inspect with :meth:`is_on`; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._flags: dict[tuple[str, str], _Flag] = {}
        self._approvals: set[tuple[str, str, str]] = set()
        super().__init__(token, read_only_tokens=read_only_tokens, host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/api/v2/flags/{project}/{flag}", ["GET", "PATCH"], self._flag_route)]

    def presented_token(self, request: Request) -> str | None:
        return request.headers.get("authorization") or None

    def unauthorized(self, request: Request) -> Response:
        return _error(401)

    def forbidden(self, request: Request) -> Response:
        return _error(403)

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers: dict[str, str] = {}
        if status == 429 and retry_after is not None:
            reset_ms = int((time.time() + retry_after) * 1000)
            headers = {"Retry-After": f"{retry_after:g}", "X-Ratelimit-Reset": str(reset_ms)}
        return _error(status, headers=headers)

    def _reset_state(self) -> None:
        super()._reset_state()
        self._flags.clear()
        self._approvals.clear()

    # -- seeding and inspection -----------------------------------------------------------------

    def set_flag(
        self, project: str, flag: str, environments: Mapping[str, bool], *, name: str = ""
    ) -> None:
        """Create or replace ``flag`` in ``project`` with its on/off state per environment."""
        with self._lock:
            self._flags[(project, flag)] = _Flag(
                flag, name or flag, dict(environments), env_versions=dict.fromkeys(environments, 1)
            )

    def is_on(self, project: str, flag: str, environment: str) -> bool:
        with self._lock:
            return self._flags[(project, flag)].environments[environment]

    def add_pending_approval(self, project: str, flag: str, environment: str) -> None:
        """A change to ``flag`` in ``environment`` now conflicts with a pending approval."""
        with self._lock:
            self._approvals.add((project, flag, environment))

    # -- the API --------------------------------------------------------------------------------

    def _flag_route(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        project, key = request.path_params["project"], request.path_params["flag"]
        flag = self._flags.get((project, key))
        if flag is None:
            return _error(404, f"Unknown feature flag {key!r} in project {project!r}")
        if request.method == "GET":
            envs = request.query_params.getlist("env")
            return JSONResponse(_representation(project, flag, envs or None))
        changes = self._parse_patch(request, body, flag)
        if isinstance(changes, Response):
            return changes
        ignore = request.query_params.get("ignoreConflicts", "").lower() == "true"
        for env in changes:
            if (project, key, env) in self._approvals and not ignore:
                return _error(
                    400,
                    f"This change conflicts with a pending approval request for {key!r} in "
                    f"environment {env!r}. Review the approval request, or pass "
                    "ignoreConflicts=true to apply it anyway.",
                )
        for env, on in changes.items():
            if flag.environments[env] != on:
                flag.environments[env] = on
                flag.env_versions[env] += 1
                flag.version += 1
        return JSONResponse(_representation(project, flag, None))

    def _parse_patch(
        self, request: Request, body: bytes, flag: _Flag
    ) -> dict[str, bool] | Response:
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            return _error(415, "Unsupported media type: use application/json")
        try:
            document = parse_json(body)
        except ValueError:
            return _error(400, "The request body is not valid JSON")
        if SEMANTIC_PATCH in content_type.replace(" ", ""):
            changes = _semantic_changes(document)
        else:
            changes = _json_patch_changes(document)
        if isinstance(changes, Response):
            return changes
        for env in changes:
            if env not in flag.environments:
                return _error(400, f"Unknown environment key {env!r}")
        return changes


def _semantic_changes(document: Any) -> dict[str, bool] | Response:
    if not isinstance(document, dict) or not isinstance(document.get("instructions"), list):
        return _error(400, 'A semantic patch needs an "instructions" array')
    if not document["instructions"]:
        return _error(400, "A semantic patch needs at least one instruction")
    env = document.get("environmentKey")
    changes: dict[str, bool] = {}
    for instruction in document["instructions"]:
        kind = instruction.get("kind") if isinstance(instruction, dict) else None
        if kind not in TOGGLES:
            return _error(400, f"Unsupported instruction kind {kind!r}")
        if not isinstance(env, str) or not env:
            return _error(400, f"environmentKey is required for the {kind} instruction")
        changes[env] = TOGGLES[kind]
    return changes


def _json_patch_changes(document: Any) -> dict[str, bool] | Response:
    operations = document.get("patch") if isinstance(document, dict) else document
    if not isinstance(operations, list):
        return _error(400, "Invalid JSON patch: expected an array of operations")
    changes: dict[str, bool] = {}
    for op in operations:
        path = op.get("path", "") if isinstance(op, dict) else ""
        parts = path.split("/")
        valid = len(parts) == 4 and parts[1] == "environments" and parts[3] == "on"
        if not valid or op.get("op") != "replace" or not isinstance(op.get("value"), bool):
            return _error(
                400,
                f"Unsupported JSON patch operation {op!r} (the fake knows only "
                "replace /environments/<key>/on)",
            )
        changes[parts[2]] = op["value"]
    return changes


def _representation(project: str, flag: _Flag, only: list[str] | None) -> dict[str, Any]:
    envs = {
        env: {
            "on": on,
            "archived": False,
            "version": flag.env_versions[env],
            "_site": {"href": f"/{project}/{env}/features/{flag.key}", "type": "text/html"},
        }
        for env, on in flag.environments.items()
        if only is None or env in only
    }
    return {
        "key": flag.key,
        "name": flag.name,
        "kind": "boolean",
        "_version": flag.version,
        "archived": False,
        "environments": envs,
        "_links": {
            "self": {"href": f"/api/v2/flags/{project}/{flag.key}", "type": "application/json"}
        },
    }


def _error(
    status: int, message: str | None = None, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    code, default = ERROR_CODES.get(status, ("internal_server_error", "Internal server error"))
    if status == 415:
        code = "unsupported_media_type"
    body = {"code": code, "message": message or default, "id": str(uuid.uuid4())}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))

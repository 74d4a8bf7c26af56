"""A local Unleash admin API, for the routes warroom uses to read and toggle a feature.

Based on Unleash's admin API reference ("Get a feature", "Enable/Disable a feature flag" in an
environment) and its OpenAPI standard responses:

- ``GET /api/admin/projects/{projectId}/features/{featureName}``: the feature, with
  ``environments: [{"name", "type", "enabled", "sortOrder", "strategies"}]``.
- ``POST .../features/{featureName}/environments/{environment}/on`` and ``.../off``: no body
  needed; 200 with an empty body.
- Auth: ``Authorization: <admin or personal access token>`` (the raw token). Missing or unknown:
  401 ``AuthenticationRequired``; a read-only token toggling: 403 ``NoAccessError``.
- Errors are ``{"id", "name", "message", "details": [{"message"}]}``; an unknown project, feature
  or environment is 404 ``NotFoundError``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import Handler

DEFAULT_TOKEN = "*:*.5f7a0c1e9b2d4e6f8a0b1c2d3e4f5a6b"
FEATURE_PATH = "/api/admin/projects/{project}/features/{feature}"
ERROR_NAMES = {
    400: ("BadDataError", "The request data does not match what we expect."),
    401: (
        "AuthenticationRequired",
        "You must log in to use Unleash. Your request had no valid authorization header, so we "
        "could not authorize you.",
    ),
    403: ("NoAccessError", "You don't have the required permissions to perform this operation."),
    404: ("NotFoundError", "The requested resource was not found."),
    409: ("ConflictError", "The resource was changed by a concurrent request."),
    429: ("RateLimitError", "Too many requests. Try again later."),
}


class FakeUnleash(FakeAdminApi):
    """Seed with :meth:`set_feature`; inspect with :meth:`is_enabled`; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._features: dict[tuple[str, str], dict[str, bool]] = {}
        super().__init__(token, read_only_tokens=read_only_tokens, host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [
            (FEATURE_PATH, ["GET"], self._get_feature),
            (FEATURE_PATH + "/environments/{environment}/on", ["POST"], self._toggle),
            (FEATURE_PATH + "/environments/{environment}/off", ["POST"], self._toggle),
        ]

    def presented_token(self, request: Request) -> str | None:
        return request.headers.get("authorization") or None

    def unauthorized(self, request: Request) -> Response:
        return _error(401)

    def forbidden(self, request: Request) -> Response:
        env = request.path_params.get("environment", "")
        return _error(
            403,
            'You need the "UPDATE_FEATURE_ENVIRONMENT" permission to perform this action in the '
            f'"{env}" environment.',
        )

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if status == 429 and retry_after else {}
        return _error(status, headers=headers)

    def _reset_state(self) -> None:
        super()._reset_state()
        self._features.clear()

    # -- seeding and inspection -----------------------------------------------------------------

    def set_feature(self, project: str, feature: str, environments: Mapping[str, bool]) -> None:
        """Create or replace ``feature`` in ``project`` with its enabled state per environment."""
        with self._lock:
            self._features[(project, feature)] = dict(environments)

    def is_enabled(self, project: str, feature: str, environment: str) -> bool:
        with self._lock:
            return self._features[(project, feature)][environment]

    # -- the API --------------------------------------------------------------------------------

    def _get_feature(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        project, name = request.path_params["project"], request.path_params["feature"]
        envs = self._features.get((project, name))
        if envs is None:
            return _error(404, f'Could not find feature flag "{name}" in project "{project}".')
        return JSONResponse(_feature(project, name, envs))

    def _toggle(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        project, name = request.path_params["project"], request.path_params["feature"]
        env = request.path_params["environment"]
        envs = self._features.get((project, name))
        if envs is None:
            return _error(404, f'Could not find feature flag "{name}" in project "{project}".')
        if env not in envs:
            return _error(404, f'Could not find environment "{env}" for feature "{name}".')
        envs[env] = request.url.path.endswith("/on")
        return Response(status_code=200)


def _feature(project: str, name: str, envs: Mapping[str, bool]) -> dict[str, Any]:
    return {
        "name": name,
        "type": "release",
        "project": project,
        "stale": False,
        "archived": False,
        "impressionData": False,
        "environments": [
            {
                "name": env,
                "type": "production" if "prod" in env else "development",
                "enabled": enabled,
                "sortOrder": index,
                "strategies": [{"name": "flexibleRollout", "constraints": [], "parameters": {}}],
            }
            for index, (env, enabled) in enumerate(envs.items(), start=1)
        ],
    }


def _error(
    status: int, message: str | None = None, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    name, default = ERROR_NAMES.get(status, ("InternalError", "Unexpected error."))
    text = message or default
    body = {"id": str(uuid.uuid4()), "name": name, "message": text, "details": [{"message": text}]}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))

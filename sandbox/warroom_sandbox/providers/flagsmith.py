"""A local Flagsmith Admin API, for reading a flag and the experimental flag update.

Based on Flagsmith's docs ("Updating Flags (Experimental)") and its source
(``features/feature_states/views.py`` and ``serializers.py``, ``features/views.py``):

- ``GET /api/v1/environments/{environment_api_key}/featurestates/?feature_name=<name>``: the
  environment's default feature states (no segment or identity overrides), paginated as
  ``{"count", "next", "previous", "results": [{"id", "feature", "enabled", ...}]}``; an unknown
  environment is 404 ``{"detail": "Not found."}``.
- ``POST /api/experiments/environments/{environment_key}/update-flag-v1/`` with
  ``{"feature": {"name": ...} | {"id": ...}, "enabled": bool}``: 204 No Content. When the
  environment has change requests enabled: 403 ``{"detail": "This endpoint cannot be used when
  change requests are enabled. Use the change request workflow instead."}``; a feature that is
  not in the project: 400 ``["Feature '...' not found in project"]``; a malformed body: 400
  with DRF's field errors.
- Auth: ``Authorization: Api-Key <organisation API key>``. Missing: 401 ``{"detail":
  "Authentication credentials were not provided."}``; unknown: 401 ``{"detail": "Valid Master
  API Key not found."}``; a read-only key writing: 403.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import Handler, parse_json

DEFAULT_KEY = "ser.flagsmith-org-api-key-test"
CHANGE_REQUESTS_ON = (
    "This endpoint cannot be used when change requests are enabled. "
    "Use the change request workflow instead."
)
DETAILS = {
    400: "Bad request.",
    401: "Valid Master API Key not found.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
    409: "Conflict.",
    429: "Request was throttled.",
}


@dataclass
class _Environment:
    id: int
    change_requests: bool = False
    features: dict[str, tuple[int, bool]] = field(default_factory=dict)  # name -> (id, enabled)


class FakeFlagsmith(FakeAdminApi):
    """Seed with :meth:`set_flag`; inspect with :meth:`is_enabled`; see the module docstring."""

    def __init__(
        self,
        api_key: str = DEFAULT_KEY,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._environments: dict[str, _Environment] = {}
        self._ids = itertools.count(1)
        super().__init__(api_key, read_only_tokens=read_only_tokens, host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [
            ("/api/v1/environments/{env}/featurestates/", ["GET"], self._feature_states),
            ("/api/experiments/environments/{env}/update-flag-v1/", ["POST"], self._update_flag),
        ]

    def presented_token(self, request: Request) -> str | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "Api-Key":
            return None
        return key.strip() or None

    def unauthorized(self, request: Request) -> Response:
        if not request.headers.get("authorization"):
            return _detail(401, "Authentication credentials were not provided.")
        return _detail(401, DETAILS[401])

    def forbidden(self, request: Request) -> Response:
        return _detail(403, DETAILS[403])

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if status == 429 and retry_after else {}
        return _detail(status, DETAILS.get(status, "A server error occurred."), headers)

    def _reset_state(self) -> None:
        super()._reset_state()
        self._environments.clear()

    # -- seeding and inspection -----------------------------------------------------------------

    def set_flag(self, environment_key: str, feature: str, enabled: bool) -> None:
        """Create the environment and feature if needed and set the feature's default state."""
        with self._lock:
            env = self._environment(environment_key)
            feature_id = env.features.get(feature, (next(self._ids), enabled))[0]
            env.features[feature] = (feature_id, enabled)

    def enable_change_requests(self, environment_key: str, enabled: bool = True) -> None:
        """Require change requests (4-eyes approval) for flag changes in the environment."""
        with self._lock:
            self._environment(environment_key).change_requests = enabled

    def is_enabled(self, environment_key: str, feature: str) -> bool:
        with self._lock:
            return self._environments[environment_key].features[feature][1]

    def _environment(self, key: str) -> _Environment:
        if key not in self._environments:
            self._environments[key] = _Environment(id=next(self._ids))
        return self._environments[key]

    # -- the API --------------------------------------------------------------------------------

    def _feature_states(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        env = self._environments.get(request.path_params["env"])
        if env is None:
            return _detail(404, DETAILS[404])
        wanted = request.query_params.get("feature_name")
        results = [
            _feature_state(env, feature_id, enabled)
            for name, (feature_id, enabled) in env.features.items()
            if wanted is None or name == wanted
        ]
        return JSONResponse(
            {"count": len(results), "next": None, "previous": None, "results": results}
        )

    def _update_flag(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        env = self._environments.get(request.path_params["env"])
        if env is None:
            return _detail(404, DETAILS[404])
        if env.change_requests:
            return _detail(403, CHANGE_REQUESTS_ON)
        try:
            document = parse_json(body)
        except ValueError:
            return _detail(400, "JSON parse error - Expecting value: line 1 column 1 (char 0)")
        errors = _validate_update(document)
        if errors:
            return JSONResponse(errors, status_code=400)
        identifier = document["feature"]
        name = next(
            (
                n
                for n, (fid, _) in env.features.items()
                if n == identifier.get("name") or fid == identifier.get("id")
            ),
            None,
        )
        if name is None:
            return JSONResponse([f"Feature '{identifier}' not found in project"], status_code=400)
        if "enabled" in document:
            env.features[name] = (env.features[name][0], document["enabled"])
        return Response(status_code=204)


def _validate_update(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        return {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}
    feature = document.get("feature")
    if not isinstance(feature, dict):
        return {"feature": ["This field is required."]}
    if bool(feature.get("name")) == bool(feature.get("id")):
        message = (
            "Provide either 'name' or 'id', not both"
            if feature.get("name")
            else "Either 'name' or 'id' is required for feature identification"
        )
        return {"feature": {"non_field_errors": [message]}}
    if "enabled" in document and not isinstance(document["enabled"], bool):
        return {"enabled": ["Must be a valid boolean."]}
    return {}


def _feature_state(env: _Environment, feature_id: int, enabled: bool) -> dict[str, Any]:
    return {
        "id": feature_id * 1000 + env.id,
        "uuid": str(uuid.uuid5(uuid.NAMESPACE_OID, f"{env.id}:{feature_id}")),
        "feature": feature_id,
        "environment": env.id,
        "enabled": enabled,
        "feature_state_value": None,
        "multivariate_feature_state_values": [],
        "identity": None,
        "feature_segment": None,
        "change_request": None,
        "version": 1,
    }


def _detail(status: int, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=dict(headers or {}))

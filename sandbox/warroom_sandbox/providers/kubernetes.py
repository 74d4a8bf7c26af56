"""A local Kubernetes API server, for the Deployment ``scale`` subresource.

Based on the Kubernetes API reference (``apps/v1`` Deployment ``/scale``, ``autoscaling/v1``
``Scale``, ``meta/v1`` ``Status``) and the API concepts page (patch content types, dry run):

- ``GET /apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale``: the ``Scale``
  (``spec.replicas``, ``status.replicas``, ``status.selector``).
- ``PATCH`` the same path with ``Content-Type: application/merge-patch+json`` (or
  ``application/strategic-merge-patch+json``, the same for a Scale) and ``{"spec":
  {"replicas": N}}``, or ``application/json-patch+json`` replacing ``/spec/replicas``; any
  other type is 415 ``UnsupportedMediaType``. ``?dryRun=All`` answers as if applied and changes
  nothing; another ``dryRun`` value is 400. A negative count is 422 ``Invalid``.
- Auth: ``Authorization: Bearer <token>``; missing or unknown: 401 ``Unauthorized``. A
  read-only token patching: 403 ``Forbidden``, "... cannot patch resource "deployments/scale"
  in API group "apps" in the namespace ...".
- A missing Deployment: 404 ``NotFound``, ``deployments.apps "<name>" not found``.
- Every error is a ``Status`` object: ``{"kind": "Status", "apiVersion": "v1", "metadata": {},
  "status": "Failure", "message", "reason", "details", "code"}``; an injected 429 carries
  ``Retry-After`` and ``details.retryAfterSeconds``.

A successful change rolls out at once: ``status.replicas`` follows ``spec.replicas``.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import Handler, parse_json

DEFAULT_TOKEN = "k8s-service-account-token-test"
SERVICE_ACCOUNT = "system:serviceaccount:warroom:warroom-bot"
SCALE_PATH = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"
MERGE_TYPES = ("application/merge-patch+json", "application/strategic-merge-patch+json")
JSON_PATCH = "application/json-patch+json"
REASONS = {
    400: ("BadRequest", "the server rejected our request for an unknown reason"),
    401: ("Unauthorized", "Unauthorized"),
    403: ("Forbidden", "forbidden: the request was denied"),
    404: ("NotFound", "the server could not find the requested resource"),
    409: (
        "Conflict",
        "Operation cannot be fulfilled: the object has been modified; please apply your changes "
        "to the latest version and try again",
    ),
    415: ("UnsupportedMediaType", "the body of the request was in an unknown format"),
    422: ("Invalid", "the request is invalid"),
    429: ("TooManyRequests", "Too many requests, please try again later."),
    503: ("ServiceUnavailable", "the server is currently unable to handle the request"),
}


@dataclass
class _Deployment:
    replicas: int
    uid: str
    resource_version: int
    created: str = "2026-01-01T00:00:00Z"


class FakeKubernetes(FakeAdminApi):
    """Seed with :meth:`add_deployment`; inspect with :meth:`replicas`; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        read_only_tokens: Collection[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._deployments: dict[tuple[str, str], _Deployment] = {}
        self._versions = itertools.count(1000)
        super().__init__(token, read_only_tokens=read_only_tokens, host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [(SCALE_PATH, ["GET", "PATCH"], self._scale)]

    def presented_token(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer":
            return None
        return token.strip() or None

    def unauthorized(self, request: Request) -> Response:
        return status_response(401)

    def forbidden(self, request: Request) -> Response:
        namespace, name = request.path_params["namespace"], request.path_params["name"]
        message = (
            f'deployments.apps "{name}" is forbidden: User "{SERVICE_ACCOUNT}" cannot '
            f'{request.method.lower()} resource "deployments/scale" in API group "apps" in the '
            f'namespace "{namespace}"'
        )
        return status_response(403, message, _details(name))

    def error_response(self, status: int, retry_after: float | None) -> Response:
        if status == 429 and retry_after is not None:
            details = {"retryAfterSeconds": math.ceil(retry_after)}
            headers = {"Retry-After": f"{retry_after:g}"}
            return status_response(429, details=details, headers=headers)
        return status_response(status)

    def _reset_state(self) -> None:
        super()._reset_state()
        self._deployments.clear()

    # -- seeding and inspection -----------------------------------------------------------------

    def add_deployment(self, namespace: str, name: str, replicas: int = 1) -> None:
        """Create (or replace) the Deployment ``namespace/name`` with ``replicas``."""
        with self._lock:
            self._deployments[(namespace, name)] = _Deployment(
                replicas, str(uuid.uuid4()), next(self._versions)
            )

    def replicas(self, namespace: str, name: str) -> int:
        with self._lock:
            return self._deployments[(namespace, name)].replicas

    # -- the API --------------------------------------------------------------------------------

    def _scale(self, request: Request, body: bytes) -> Response:
        refused = self.denied(request)
        if refused is not None:
            return refused
        namespace, name = request.path_params["namespace"], request.path_params["name"]
        deployment = self._deployments.get((namespace, name))
        if deployment is None:
            return status_response(404, f'deployments.apps "{name}" not found', _details(name))
        if request.method == "GET":
            return JSONResponse(_scale(namespace, name, deployment, deployment.replicas))
        dry_run = request.query_params.getlist("dryRun")
        if any(value != "All" for value in dry_run):
            return status_response(400, f"invalid dry run value {dry_run!r}; only All is supported")
        wanted = _patched_replicas(request.headers.get("content-type", ""), body, name)
        if isinstance(wanted, Response):
            return wanted
        if wanted is None:
            wanted = deployment.replicas
        if not dry_run and wanted != deployment.replicas:
            deployment.replicas = wanted
            deployment.resource_version = next(self._versions)
        return JSONResponse(_scale(namespace, name, deployment, wanted))


def _patched_replicas(content_type: str, body: bytes, name: str) -> int | Response | None:
    media_type = content_type.split(";")[0].strip()
    if media_type not in (*MERGE_TYPES, JSON_PATCH):
        message = (
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{JSON_PATCH}, {', '.join(MERGE_TYPES)}, application/apply-patch+yaml"
        )
        return status_response(415, message)
    try:
        document = parse_json(body)
    except ValueError as exc:
        return status_response(400, f"error decoding patch: {exc}")
    if media_type == JSON_PATCH:
        value = _json_patch_replicas(document)
    elif isinstance(document, dict) and isinstance(document.get("spec"), dict):
        value = document["spec"].get("replicas")
    elif isinstance(document, dict):
        value = None
    else:
        return status_response(400, "error decoding patch: the patch is not a JSON object")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return status_response(
            400,
            "json: cannot unmarshal into Go struct field ScaleSpec.spec.replicas of type int32",
        )
    if value < 0:
        message = (
            f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: {value}: '
            "must be greater than or equal to 0"
        )
        return status_response(422, message, _details(name))
    return value


def _json_patch_replicas(document: Any) -> Any:
    operations = document if isinstance(document, list) else []
    for op in operations:
        if isinstance(op, dict) and op.get("path") == "/spec/replicas":
            return op.get("value")
    return None


def _scale(namespace: str, name: str, deployment: _Deployment, replicas: int) -> dict[str, Any]:
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": deployment.uid,
            "resourceVersion": str(deployment.resource_version),
            "creationTimestamp": deployment.created,
        },
        "spec": {"replicas": replicas},
        "status": {"replicas": replicas, "selector": f"app={name}"},
    }


def _details(name: str) -> dict[str, Any]:
    return {"name": name, "group": "apps", "kind": "deployments"}


def status_response(
    code: int,
    message: str | None = None,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A ``meta/v1`` ``Status`` failure, as the API server answers errors."""
    reason, default = REASONS.get(code, ("InternalError", "Internal error occurred"))
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message or default,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = dict(details)
    return JSONResponse(body, status_code=code, headers=dict(headers or {}))

"""A local Opsgenie Alert API: create, acknowledge and close, with Opsgenie's answers.

- ``POST /v2/alerts``; ``POST /v2/alerts/{identifier}/acknowledge`` and ``.../close`` with
  ``identifierType`` ``id`` (the default), ``tiny`` or ``alias``.
- Auth: ``Authorization: GenieKey <key>``, one of ``api_keys`` (any non-empty key when none are
  given); otherwise 401 ``{"message": "Could not authenticate", "took", "requestId"}``.
- 400 ``{"message": "Invalid JSON body", ...}`` for a body that is not a JSON object; 422
  ``{"message": "Request body is not processable. Please check the errors.", "errors": {field:
  text}, ...}`` for a blank or over-130-character ``message``, ``alias`` over 512, ``description``
  over 15,000, a ``priority`` outside P1..P5, malformed ``responders``, non-string ``details``
  values (strict where Opsgenie might truncate), or an unknown ``identifierType``.
- 202 ``{"result": "Request will be processed", "took", "requestId"}``: the real API is
  asynchronous, so acknowledging or closing an alert that does not exist is also 202; the
  outcome is in :meth:`FakeOpsgenie.actions` (as in Opsgenie's request status).

De-duplication: a create whose ``alias`` matches an open alert of the same key's account
increments that alert's ``count`` instead of creating one; a closed alert does not match.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
RESPONDER_TYPES = ("team", "user", "escalation", "schedule")
UNPROCESSABLE = "Request body is not processable. Please check the errors."


@dataclass(frozen=True)
class OpsgenieAlert:
    """An alert as the fake keeps it; ``account`` is the API key that created it."""

    id: str
    tiny_id: str
    alias: str
    message: str
    priority: str
    account: str
    body: Mapping[str, Any]
    status: str = "open"
    acknowledged: bool = False
    count: int = 1


@dataclass(frozen=True)
class OpsgenieAction:
    """The processed outcome of a 202 request (Opsgenie's "request status")."""

    request_id: str
    action: str  # Create, Acknowledge, Close
    alias: str
    success: bool
    status: str


class FakeOpsgenie(FakeProvider):
    """The fake Alert API; query with :meth:`alerts`, :meth:`open_alerts`, :meth:`actions`."""

    def __init__(
        self,
        *,
        api_keys: Collection[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_keys = frozenset(api_keys or ())
        self._alerts: list[OpsgenieAlert] = []
        self._actions: list[OpsgenieAction] = []
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [
            ("/v2/alerts", ["POST"], self._create),
            ("/v2/alerts/{identifier:path}/acknowledge", ["POST"], self._acknowledge),
            ("/v2/alerts/{identifier:path}/close", ["POST"], self._close),
        ]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        messages = {400: "Invalid JSON body", 429: "Rate limit exceeded", 422: UNPROCESSABLE}
        headers: dict[str, str] = {}
        if status == 429:
            headers["X-RateLimit-State"] = "THROTTLED"
        if retry_after is not None and status in (429, 503):
            headers["Retry-After"] = f"{retry_after:g}"
        return _answer(status, {"message": messages.get(status, "Internal Server Error")}, headers)

    def _reset_state(self) -> None:
        self._alerts.clear()
        self._actions.clear()

    # -- queries --------------------------------------------------------------------------------

    def alerts(self) -> list[OpsgenieAlert]:
        with self._lock:
            return list(self._alerts)

    def open_alerts(self) -> list[OpsgenieAlert]:
        with self._lock:
            return [a for a in self._alerts if a.status == "open"]

    def alert(self, alias: str) -> OpsgenieAlert | None:
        """The latest alert with ``alias`` (open or closed)."""
        with self._lock:
            return next((a for a in reversed(self._alerts) if a.alias == alias), None)

    def actions(self) -> list[OpsgenieAction]:
        with self._lock:
            return list(self._actions)

    # -- the API --------------------------------------------------------------------------------

    def _account(self, request: Request) -> str | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        key = key.strip()
        if scheme != "GenieKey" or not key:
            return None
        if self.api_keys and key not in self.api_keys:
            return None
        return key

    def _read(self, request: Request, body: bytes) -> tuple[str, dict[str, Any]] | Response:
        account = self._account(request)
        if account is None:
            return _answer(401, {"message": "Could not authenticate"})
        if not body.strip():
            return account, {}
        try:
            data = parse_json(body)
        except ValueError:
            return _answer(400, {"message": "Invalid JSON body"})
        if not isinstance(data, dict):
            return _answer(400, {"message": "Invalid JSON body"})
        return account, data

    def _create(self, request: Request, body: bytes) -> Response:
        read = self._read(request, body)
        if isinstance(read, Response):
            return read
        account, data = read
        errors = _validate_create(data)
        if errors:
            return _answer(422, {"message": UNPROCESSABLE, "errors": errors})
        alias = str(data.get("alias") or data["message"])  # Opsgenie: alias defaults to message
        request_id = str(uuid.uuid4())
        index = self._open_index(account, alias)
        if index is None:
            self._alerts.append(
                OpsgenieAlert(
                    id=str(uuid.uuid4()),
                    tiny_id=str(len(self._alerts) + 1),
                    alias=alias,
                    message=data["message"],
                    priority=data.get("priority", "P3"),
                    account=account,
                    body=data,
                )
            )
        else:
            current = self._alerts[index]
            self._alerts[index] = replace(current, count=current.count + 1)
        self._actions.append(OpsgenieAction(request_id, "Create", alias, True, "Created alert"))
        return _accepted(request_id)

    def _acknowledge(self, request: Request, body: bytes) -> Response:
        return self._update(request, body, "Acknowledge")

    def _close(self, request: Request, body: bytes) -> Response:
        return self._update(request, body, "Close")

    def _update(self, request: Request, body: bytes, action: str) -> Response:
        read = self._read(request, body)
        if isinstance(read, Response):
            return read
        account, _ = read
        kind = request.query_params.get("identifierType", "id")
        if kind not in ("id", "tiny", "alias"):
            errors = {"identifierType": "Invalid identifier type; use id, tiny or alias"}
            return _answer(422, {"message": UNPROCESSABLE, "errors": errors})
        identifier = request.path_params["identifier"]
        field = {"id": "id", "tiny": "tiny_id", "alias": "alias"}[kind]
        request_id = str(uuid.uuid4())
        for index, alert in enumerate(self._alerts):
            mine = alert.account == account and alert.status == "open"
            if mine and getattr(alert, field) == identifier:
                if action == "Acknowledge":
                    self._alerts[index] = replace(alert, acknowledged=True)
                else:
                    self._alerts[index] = replace(alert, status="closed")
                done = "Acknowledged alert" if action == "Acknowledge" else "Closed alert"
                self._actions.append(OpsgenieAction(request_id, action, alert.alias, True, done))
                return _accepted(request_id)
        self._actions.append(
            OpsgenieAction(request_id, action, identifier, False, "Alert does not exist")
        )
        return _accepted(request_id)

    def _open_index(self, account: str, alias: str) -> int | None:
        for index, alert in enumerate(self._alerts):
            if alert.account == account and alert.status == "open" and alert.alias == alias:
                return index
        return None


def _answer(
    status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    body = {**body, "took": round(random.uniform(0.001, 0.3), 3), "requestId": str(uuid.uuid4())}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _accepted(request_id: str) -> Response:
    took = round(random.uniform(0.001, 0.3), 3)
    body = {"result": "Request will be processed", "took": took, "requestId": request_id}
    return JSONResponse(body, status_code=202)


def _validate_create(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    message = data.get("message")
    if not isinstance(message, str) or not message.strip():
        errors["message"] = "Message can not be empty."
    elif len(message) > 130:
        errors["message"] = "Message can not be longer than 130 characters."
    limits = {"alias": 512, "description": 15000, "entity": 512, "source": 100, "user": 100}
    for field, limit in limits.items():
        value = data.get(field)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            errors[field] = f"{field} must be a string of at most {limit} characters."
    if "priority" in data and data["priority"] not in PRIORITIES:
        errors["priority"] = "Priority should be one of [P1, P2, P3, P4, P5]"
    responders = data.get("responders", [])
    if not isinstance(responders, list) or not all(_responder_ok(r) for r in responders):
        errors["responders"] = "Responders must have a type (team, user, escalation, schedule) "
        errors["responders"] += "and an id, name or username."
    details = data.get("details", {})
    if not isinstance(details, dict) or not all(isinstance(v, str) for v in details.values()):
        errors["details"] = "Details must be a map of strings."
    tags = data.get("tags", [])
    if not isinstance(tags, list) or len(tags) > 20 or not all(isinstance(t, str) for t in tags):
        errors["tags"] = "Tags must be at most 20 strings."
    return errors


def _responder_ok(responder: object) -> bool:
    if not isinstance(responder, dict) or responder.get("type") not in RESPONDER_TYPES:
        return False
    return any(isinstance(responder.get(k), str) for k in ("id", "name", "username"))

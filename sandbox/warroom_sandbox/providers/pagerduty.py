"""A local PagerDuty Events API v2: ``POST /v2/enqueue``, validated and de-duplicated like the real.

Answers: 202 ``{"status": "success", "message": "Event processed", "dedup_key": ...}``; 400
``{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}`` for a body
that is not a JSON object, a ``routing_key`` that is missing or not 32 characters, an unknown
``event_action``, a ``dedup_key`` over 255 characters or missing on acknowledge/resolve, and on
trigger a missing ``payload``, a blank or over-1024-character ``payload.summary`` (the fake is
strict where PagerDuty might truncate), a blank ``payload.source`` or a ``payload.severity``
other than critical, error, warning, info. Injected 429s answer PagerDuty's throttle body.

De-duplication as PagerDuty documents it: one open incident per (``routing_key``,
``dedup_key``); a trigger for an open one is merged into it (``triggers`` counts them); acknowledge
and resolve apply to the open one and are dropped (still 202) when there is none; once resolved,
the next trigger opens a new incident. A trigger without ``dedup_key`` gets a generated one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

ROUTING_KEY_LENGTH = 32
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")


@dataclass(frozen=True)
class PagerDutyIncident:
    """An alert/incident as the fake keeps it. ``status``: triggered, acknowledged, resolved."""

    routing_key: str
    dedup_key: str
    status: str
    summary: str
    severity: str
    source: str
    triggers: int = 1
    events: tuple[dict[str, Any], ...] = ()

    @property
    def open(self) -> bool:
        return self.status != "resolved"


class FakePagerDuty(FakeProvider):
    """The fake Events API; query with :meth:`events`, :meth:`incidents`, :meth:`open_incidents`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._events: list[dict[str, Any]] = []
        self._incidents: list[PagerDutyIncident] = []
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/v2/enqueue", ["POST"], self._enqueue)]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status == 400:
            return _invalid(["Event object is invalid (injected)"])
        if status == 429:
            message = "Requests for this service are arriving too quickly. Please retry later."
            body = {"status": "throttle event", "message": message}
            return JSONResponse(body, status_code=429, headers=headers)
        return JSONResponse(
            {"status": "error", "message": "Internal Server Error"},
            status_code=status,
            headers=headers if status == 503 else {},
        )

    def _reset_state(self) -> None:
        self._events.clear()
        self._incidents.clear()

    # -- queries --------------------------------------------------------------------------------

    def events(self) -> list[dict[str, Any]]:
        """Every accepted (202) event body, in arrival order, including dropped ack/resolve."""
        with self._lock:
            return list(self._events)

    def incidents(self) -> list[PagerDutyIncident]:
        with self._lock:
            return list(self._incidents)

    def open_incidents(self) -> list[PagerDutyIncident]:
        with self._lock:
            return [i for i in self._incidents if i.open]

    def incident(self, dedup_key: str) -> PagerDutyIncident | None:
        """The latest incident with ``dedup_key`` (open or not)."""
        with self._lock:
            return next((i for i in reversed(self._incidents) if i.dedup_key == dedup_key), None)

    # -- the API --------------------------------------------------------------------------------

    def _enqueue(self, request: Request, body: bytes) -> Response:
        try:
            event = parse_json(body)
        except ValueError:
            return _invalid(["Event object is not valid JSON"])
        if not isinstance(event, dict):
            return _invalid(["Event object must be a JSON object"])
        errors = _validate(event)
        if errors:
            return _invalid(errors)
        action = event["event_action"]
        key = event.get("dedup_key") or uuid.uuid4().hex
        self._events.append(event)
        index = self._open_index(event["routing_key"], key)
        if action == "trigger":
            self._trigger(event, key, index)
        elif index is not None:
            current = self._incidents[index]
            status = "acknowledged" if action == "acknowledge" else "resolved"
            self._incidents[index] = replace(
                current, status=status, events=(*current.events, event)
            )
        body_out = {"status": "success", "message": "Event processed", "dedup_key": key}
        return JSONResponse(body_out, status_code=202)

    def _trigger(self, event: dict[str, Any], key: str, index: int | None) -> None:
        payload = event["payload"]
        if index is None:
            self._incidents.append(
                PagerDutyIncident(
                    routing_key=event["routing_key"],
                    dedup_key=key,
                    status="triggered",
                    summary=payload["summary"],
                    severity=payload["severity"],
                    source=payload["source"],
                    events=(event,),
                )
            )
            return
        current = self._incidents[index]
        self._incidents[index] = replace(
            current, triggers=current.triggers + 1, events=(*current.events, event)
        )

    def _open_index(self, routing_key: str, key: str) -> int | None:
        for index, incident in enumerate(self._incidents):
            if incident.open and incident.routing_key == routing_key and incident.dedup_key == key:
                return index
        return None


def _invalid(errors: list[str]) -> JSONResponse:
    body = {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
    return JSONResponse(body, status_code=400)


def _blank(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def _validate(event: dict[str, Any]) -> list[str]:
    errors: list[str] = []
    routing_key = event.get("routing_key")
    if _blank(routing_key):
        errors.append("'routing_key' is missing or blank")
    elif len(str(routing_key)) != ROUTING_KEY_LENGTH:
        errors.append("Length of 'routing_key' is incorrect (should be 32 characters)")
    action = event.get("event_action")
    if action not in ACTIONS:
        errors.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if action in ("acknowledge", "resolve") and _blank(key):
        errors.append("'dedup_key' is missing or blank")
    if action == "trigger":
        errors.extend(_validate_payload(event.get("payload")))
    return errors


def _validate_payload(payload: object) -> list[str]:
    if not isinstance(payload, dict):
        return ["'payload' is missing or not an object"]
    errors: list[str] = []
    summary = payload.get("summary")
    if _blank(summary):
        errors.append("'payload.summary' is missing or blank")
    elif len(str(summary)) > 1024:
        errors.append("'payload.summary' is too long (maximum is 1024 characters)")
    if _blank(payload.get("source")):
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append(
            "'payload.severity' is invalid (must be one of: critical, error, warning, info)"
        )
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        errors.append("'payload.custom_details' must be an object")
    return errors

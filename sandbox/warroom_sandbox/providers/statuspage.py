"""A local Atlassian Statuspage REST API (v1): incidents with component statuses.

- ``GET /v1/pages/{page_id}/incidents?q=<text>``: the page's incidents, newest first, those whose
  name or updates contain ``q`` when it is given.
- ``POST /v1/pages/{page_id}/incidents`` with ``{"incident": {"name", "status", "body",
  "component_ids", "components": {id: status}}}``: 201 and the incident.
- ``PATCH /v1/pages/{page_id}/incidents/{incident_id}``: the same fields; ``body`` adds an
  incident update; 200 and the incident.
- Auth: ``Authorization: OAuth <key>``, one of ``api_keys`` (any non-empty key when none are
  given); otherwise 401 ``{"error": "Could not authenticate"}``. A page not in ``pages`` and an
  incident not on the page: 404 ``{"error": "Couldn't find ..."}``. An unknown component id, a
  status or component status Statuspage does not have, a blank name: 422 ``{"error": [...]}``.
  429 ``{"error": "Rate limit exceeded"}`` with ``Retry-After`` through :meth:`fail`.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
COMPONENT_STATUSES = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)


@dataclass
class StatuspageIncident:
    id: str
    page_id: str
    name: str
    status: str
    components: dict[str, str]
    updates: list[str] = field(default_factory=list)  # bodies, oldest first

    def shown(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "page_id": self.page_id,
            "name": self.name,
            "status": self.status,
            "components": [{"id": c, "status": s} for c, s in self.components.items()],
            "incident_updates": [{"body": b} for b in reversed(self.updates)],
        }


class FakeStatuspage(FakeProvider):
    """``pages``: page id -> its component ids. Query with :meth:`incidents`."""

    def __init__(
        self,
        *,
        pages: Mapping[str, Collection[str]],
        api_keys: Collection[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.pages = {page: frozenset(ids) for page, ids in pages.items()}
        self.api_keys = frozenset(api_keys or ())
        self._incidents: list[StatuspageIncident] = []
        self._ids = itertools.count(1)
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [
            ("/v1/pages/{page}/incidents", ["GET", "POST"], self._incidents_route),
            ("/v1/pages/{page}/incidents/{incident}", ["PATCH"], self._patch),
        ]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        text = "Rate limit exceeded" if status == 429 else "Internal Server Error"
        return JSONResponse({"error": text}, status, headers=headers)

    def _reset_state(self) -> None:
        self._incidents.clear()

    def incidents(self) -> list[StatuspageIncident]:
        with self._lock:
            return [StatuspageIncident(**vars(i)) for i in self._incidents]

    def _check(self, request: Request) -> str | Response:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme != "OAuth" or not key.strip() or (self.api_keys and key not in self.api_keys):
            return JSONResponse({"error": "Could not authenticate"}, 401)
        page = request.path_params["page"]
        if page not in self.pages:
            return JSONResponse({"error": "Couldn't find Page"}, 404)
        return str(page)

    def _incidents_route(self, request: Request, body: bytes) -> Response:
        page = self._check(request)
        if isinstance(page, Response):
            return page
        if request.method == "GET":
            q = request.query_params.get("q", "")
            found = [
                i.shown()
                for i in reversed(self._incidents)
                if i.page_id == page and (q in i.name or any(q in u for u in i.updates))
            ]
            return JSONResponse(found)
        data = _incident_body(body)
        if isinstance(data, Response):
            return data
        errors = self._errors(page, data, creating=True)
        if errors:
            return JSONResponse({"error": errors}, 422)
        incident = StatuspageIncident(
            id=f"sp{next(self._ids)}",
            page_id=page,
            name=data["name"],
            status=data.get("status", "investigating"),
            components=dict(data.get("components") or {}),
            updates=[data["body"]] if data.get("body") else [],
        )
        self._incidents.append(incident)
        return JSONResponse(incident.shown(), 201)

    def _patch(self, request: Request, body: bytes) -> Response:
        page = self._check(request)
        if isinstance(page, Response):
            return page
        wanted = request.path_params["incident"]
        incident = next((i for i in self._incidents if i.id == wanted and i.page_id == page), None)
        if incident is None:
            return JSONResponse({"error": "Couldn't find Incident"}, 404)
        data = _incident_body(body)
        if isinstance(data, Response):
            return data
        errors = self._errors(page, data, creating=False)
        if errors:
            return JSONResponse({"error": errors}, 422)
        incident.name = data.get("name", incident.name)
        incident.status = data.get("status", incident.status)
        incident.components.update(data.get("components") or {})
        if data.get("body"):
            incident.updates.append(data["body"])
        return JSONResponse(incident.shown())

    def _errors(self, page: str, data: dict[str, Any], *, creating: bool) -> list[str]:
        errors = []
        name = data.get("name")
        if (creating or "name" in data) and (not isinstance(name, str) or not name.strip()):
            errors.append("Name can't be blank")
        if "status" in data and data["status"] not in INCIDENT_STATUSES:
            errors.append(f"Status {data['status']!r} is not included in the list")
        components = data.get("components") or {}
        if not isinstance(components, dict):
            return [*errors, "Components must be an object"]
        for component, state in components.items():
            if component not in self.pages[page]:
                errors.append(f"Component {component} could not be found")
            elif state not in COMPONENT_STATUSES:
                errors.append(f"Component status {state!r} is not included in the list")
        return errors


def _incident_body(body: bytes) -> dict[str, Any] | Response:
    try:
        data = parse_json(body)
    except ValueError:
        return JSONResponse({"error": "Invalid JSON"}, 400)
    incident = data.get("incident") if isinstance(data, dict) else None
    if not isinstance(incident, dict):
        return JSONResponse({"error": "incident is missing"}, 400)
    return incident

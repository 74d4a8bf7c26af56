"""``POST /webhooks/heartbeat/<name>``: a monitored job says it is alive; stored before the 200.

Checked in order, each refusal a JSON ``{"error": "..."}`` that says what to fix: no
``HEARTBEATS_TOKEN`` set, or a missing or wrong ``Authorization: Bearer`` token, 401 (from the
headers alone); a name no monitor in ``heartbeats.yaml`` has, 404 naming the known ones. The body
is ignored (any sender's payload will do, Alertmanager's included), so it can never make a
beat fail. A beat is stored with its re-planned silence timer in one transaction and answered 200
``{"status": "recorded", "monitor": ..., "silent_at": ...}``; if the database cannot store it in
time, 503 with ``Retry-After`` (a sender retries a 5xx).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.heartbeats.service import Heartbeats
from bot.kernel.suggest import did_you_mean
from bot.kernel.web.bearer import bearer_matches
from bot.kernel.web.bounded import Bounded, Unavailable, first_line

log = logging.getLogger(__name__)

TOKEN_SETTING = "HEARTBEATS_TOKEN"
WRITE_WAIT_SECONDS = 5.0
WRITE_SLOTS = 32
RETRY_AFTER = {"Retry-After": "5"}


def beat_routes(heartbeats: Heartbeats, token: str | None) -> list[Route]:
    writes = Bounded("heartbeat", slots=WRITE_SLOTS, seconds=WRITE_WAIT_SECONDS)
    return [
        Route("/webhooks/heartbeat/{name}", _endpoint(heartbeats, token, writes), methods=["POST"])
    ]


def _endpoint(
    heartbeats: Heartbeats, token: str | None, writes: Bounded
) -> Callable[[Request], Awaitable[Response]]:
    async def beat(request: Request) -> Response:
        name = request.path_params["name"]
        refusal = _unauthorized(token, request.headers.get("authorization"))
        if refusal:
            log.warning("heartbeat %r refused (401): %s", name, refusal)
            return JSONResponse({"error": refusal}, status_code=401)
        monitors = heartbeats.monitors()
        monitor = monitors.get(name)
        if monitor is None:
            return JSONResponse({"error": _unknown(name, monitors.names)}, status_code=404)
        try:
            recorded = await writes.run(lambda: heartbeats.beat(monitor))
        except (SQLAlchemyError, Unavailable) as error:
            log.warning("heartbeat %s: could not store the beat: %s", name, first_line(error))
            return JSONResponse(
                {"error": "could not record the beat right now; send it again"},
                status_code=503,
                headers=RETRY_AFTER,
            )
        return JSONResponse(
            {
                "status": "recorded",
                "monitor": recorded.monitor,
                "silent_at": recorded.silent_at.isoformat(),
            }
        )

    return beat


def _unauthorized(token: str | None, authorization: str | None) -> str:
    """Why the request may not beat, or ``""``. Compared in constant time, never logged."""
    if not token:
        return f"heartbeats are not enabled: set {TOKEN_SETTING} (see README.md, Heartbeats)"
    if authorization is None:
        return f"missing credentials: send 'Authorization: Bearer <{TOKEN_SETTING}>'"
    if not bearer_matches(token, authorization):
        return f"invalid bearer token: send 'Authorization: Bearer <{TOKEN_SETTING}>'"
    return ""


def _unknown(name: str, known: list[str]) -> str:
    listed = ", ".join(known) if known else "none (define them in heartbeats.yaml)"
    hint = did_you_mean(name, known)
    return f"no heartbeat monitor {name!r}{'; ' + hint if hint else ''}; known monitors: {listed}"

"""``POST /webhooks/{alertmanager,grafana,generic}``: inbound alerts, stored before the 200.

Each request is checked cheaply, in order, and refused as a whole (nothing stored) with a JSON
``{"error": "..."}`` that says what to fix: missing or wrong credentials, or a source with none
configured, 401 (from the headers alone, before the body is read: anything unauthenticated gets
401, however malformed its headers); a body over ``ALERTS_MAX_BODY_BYTES`` 413 (as soon as it is
known, from its declared length or while it streams in); a signature that does not match the body
401; malformed JSON 400; a payload that is not valid (wrong version, a missing field, a value that
could not be stored, an alert no route takes) 422, naming the alert and the field. Every refusal
is logged with its source as one warning line. An accepted body is stored with its processing
timer in one transaction and answered 200 ``{"status": "accepted", "payload": <id>, "alerts":
<n>}``, or ``"duplicate"`` when the same body was stored before. If the database cannot store it,
or does not within ``WRITE_WAIT_SECONDS``, 503: Alertmanager retries a 5xx at once, but gives a
4xx up. (A store that finishes after its 503 is found as a duplicate when the sender retries.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.alerts.domain import Source
from bot.alerts.intake.auth import BodyCheck, Credentials, check_headers
from bot.alerts.intake.errors import Rejected
from bot.alerts.intake.parse import parse_body
from bot.alerts.service import AlertService, Receipt
from bot.kernel.web.bodies import BodyCutOff, BodyTooLarge, read_limited
from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.kernel.web.metrics import Metrics

log = logging.getLogger(__name__)

_OUTCOMES = {400: "malformed", 401: "unauthorized", 413: "too_large", 422: "invalid"}
WRITE_WAIT_SECONDS = 5.0  # longer than any healthy write waits for SQLite's lock, in a storm too
WRITE_SLOTS = 32  # writes waiting at once; more means the database is stuck: 503 at once
RETRY_AFTER = {"Retry-After": "5"}


@dataclass(frozen=True)
class WebhookSettings:
    credentials: Mapping[Source, Credentials]
    max_body_bytes: int


def webhook_routes(
    alerts: AlertService, settings: WebhookSettings, metrics: Metrics
) -> list[Route]:
    """One route per source; their bodies are stored together (``AlertService.receive``)."""
    writes = Bounded("alert webhook", slots=WRITE_SLOTS, seconds=WRITE_WAIT_SECONDS)
    return [
        Route(
            f"/webhooks/{source.value}",
            _endpoint(source, settings, metrics, _Store(alerts, writes)),
            methods=["POST"],
        )
        for source in Source
    ]


@dataclass(frozen=True)
class _Store:
    alerts: AlertService
    writes: Bounded


def _endpoint(
    source: Source,
    settings: WebhookSettings,
    metrics: Metrics,
    store: _Store,
) -> Callable[[Request], Awaitable[Response]]:
    credentials = settings.credentials[source]
    warned_disabled = False

    async def receive(request: Request) -> Response:
        nonlocal warned_disabled
        try:
            body_check = check_headers(credentials, request.headers, time.time())
            body = await _read_body(request, settings.max_body_bytes)
            receipt = await store.writes.run(lambda: _accept(store, source, body_check, body))
        except Rejected as refusal:
            outcome = _OUTCOMES.get(refusal.status, "refused")
            metrics.alert_webhooks.labels(source.value, outcome).inc()
            if credentials.enabled or not warned_disabled:  # a disabled source: said once
                log.warning("alert webhook %s refused (%d): %s", source, refusal.status, refusal)
                warned_disabled = True
            return JSONResponse({"error": refusal.message}, status_code=refusal.status)
        except (SQLAlchemyError, Unavailable) as error:
            log.warning(
                "alert webhook %s: could not store the payload: %s", source, first_line(error)
            )
            metrics.alert_webhooks.labels(source.value, "unavailable").inc()
            return JSONResponse(
                {"error": "could not store the alerts right now; send them again"},
                status_code=503,
                headers=RETRY_AFTER,
            )
        outcome = "duplicate" if receipt.duplicate else "accepted"
        metrics.alert_webhooks.labels(source.value, outcome).inc()
        return JSONResponse(
            {"status": outcome, "payload": receipt.payload_id, "alerts": receipt.alerts}
        )

    return receive


def _accept(store: _Store, source: Source, body_check: BodyCheck, body: bytes) -> Receipt:
    """Check the signature, parse, route and store: the checks that can refuse, cheapest first."""
    body_check(body)
    batch = parse_body(source, body)
    return store.alerts.receive(batch, body.decode("utf-8"))


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    try:
        return await read_limited(request, limit)
    except BodyTooLarge:
        raise Rejected(
            413, f"the body is larger than {limit} bytes; send fewer alerts at once"
        ) from None
    except BodyCutOff:
        raise Rejected(400, "the request body was cut off") from None

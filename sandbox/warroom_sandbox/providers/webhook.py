"""A local receiver of warroom's signed webhooks, behaving as a careful real receiver should.

``POST`` to any path. It verifies ``X-Warroom-Signature`` over the raw body with the shared
``secret`` and a 300 s timestamp window (:func:`bot.paging.notify.signing.verify_request`): 401
``{"error": "invalid signature"}`` otherwise. It requires ``Idempotency-Key`` and a JSON object
body (400 ``{"error": ...}``), and de-duplicates on the key: the first delivery is recorded and
answered 200 ``{"status": "accepted"}``, a repeat is answered 200 ``{"status": "duplicate"}``
and only counted. Injected failures answer ``{"error": ...}`` with the status asked for.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.paging.notify.signing import DEFAULT_TOLERANCE_SECONDS, verify_request
from warroom_sandbox.providers.base import FakeProvider, Handler, parse_json

IDEMPOTENCY_HEADER = "idempotency-key"


@dataclass(frozen=True)
class WebhookDelivery:
    """One verified, first-time delivery."""

    path: str
    idempotency_key: str
    event: str
    key: str
    body: dict[str, Any]


class FakeWebhookReceiver(FakeProvider):
    """Query with :meth:`deliveries` and :meth:`received`; :meth:`url_for` gives a hook URL.

    ``clock`` (Unix seconds) is what signature timestamps are checked against; tests may swap it.
    """

    def __init__(
        self,
        secret: str,
        *,
        tolerance: float = DEFAULT_TOLERANCE_SECONDS,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.secret = secret
        self._tolerance = tolerance
        self.clock = clock
        self._deliveries: list[WebhookDelivery] = []
        self._seen: Counter[str] = Counter()
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        return [("/{path:path}", ["POST"], self._receive)]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status not in (429, 503):
            headers = {}
        return JSONResponse({"error": f"injected failure {status}"}, status, headers=headers)

    def _reset_state(self) -> None:
        self._deliveries.clear()
        self._seen.clear()

    def url_for(self, path: str = "hook") -> str:
        return f"{self.url}/{path.lstrip('/')}"

    def deliveries(self) -> list[WebhookDelivery]:
        with self._lock:
            return list(self._deliveries)

    def received(self, idempotency_key: str) -> int:
        """How many verified requests carried ``idempotency_key`` (duplicates included)."""
        with self._lock:
            return self._seen[idempotency_key]

    def _receive(self, request: Request, body: bytes) -> Response:
        if not verify_request(
            self.secret, body, request.headers, now=self.clock(), tolerance=self._tolerance
        ):
            return JSONResponse({"error": "invalid signature"}, 401)
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return JSONResponse({"error": "missing Idempotency-Key"}, 400)
        try:
            data = parse_json(body)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, 400)
        if not isinstance(data, dict):
            return JSONResponse({"error": "body is not a JSON object"}, 400)
        self._seen[key] += 1
        if self._seen[key] > 1:
            return JSONResponse({"status": "duplicate"}, 200)
        self._deliveries.append(
            WebhookDelivery(
                path=request.url.path,
                idempotency_key=key,
                event=str(data.get("event")),
                key=str(data.get("key")),
                body=data,
            )
        )
        return JSONResponse({"status": "accepted"}, 200)

"""The Starlette app: ``/slack/events``, ``/healthz``, ``/readyz``, ``/metrics``.

Bolt's ``App`` is synchronous; ``dispatch`` runs in the thread pool so the event loop never blocks
(DESIGN.md §3), and Bolt acks before the listener's slow work finishes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App, BoltRequest
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.storage.migrate import is_at_head
from bot.web.metrics import Metrics

log = logging.getLogger(__name__)

MAX_SLACK_BODY = 1_000_000  # Slack payloads are small; a larger body is not from Slack


def slack_endpoint(bolt: App) -> Callable[[Request], Awaitable[Response]]:
    """Slack's Request URL: the raw body and headers go to Bolt, which verifies and dispatches."""

    async def slack_events(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_SLACK_BODY:
            return PlainTextResponse("request body too large", status_code=413)
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.url.query,
            headers=dict(request.headers),
        )
        result = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(
            content=result.body,
            status_code=result.status,
            headers=result.first_headers_without_set_cookie(),
        )

    return slack_events


def build_asgi(
    *,
    bolt: App,
    engine: Engine,
    metrics: Metrics,
    on_startup: Callable[[], None],
    on_shutdown: Callable[[], None],
    oncall_feed: Callable[[Request], Awaitable[Response]] | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        try:
            at_head = await run_in_threadpool(_ready, engine)
        except Exception as error:
            return JSONResponse({"ready": False, "database": str(error)[:200]}, status_code=503)
        if not at_head:
            return JSONResponse({"ready": False, "database": "schema is not at head"}, 503)
        return JSONResponse({"ready": True})

    async def metrics_endpoint(_: Request) -> Response:
        content = await run_in_threadpool(metrics.render)
        return Response(content, media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(on_startup)
        try:
            yield
        finally:
            await run_in_threadpool(on_shutdown)

    return Starlette(
        routes=[
            Route("/slack/events", slack_endpoint(bolt), methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            *([Route("/oncall/{schedule}.ics", oncall_feed)] if oncall_feed else []),
            *extra_routes,
        ],
        lifespan=lifespan,
    )


def _ready(engine: Engine) -> bool:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return is_at_head(engine)

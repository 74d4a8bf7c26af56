"""The Starlette app: ``/slack/events``, ``/healthz``, ``/readyz``, ``/metrics``.

Bolt's ``App`` is synchronous; ``dispatch`` runs in the thread pool so the event loop never blocks
(DESIGN.md §3), and Bolt acks before the listener's slow work finishes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from slack_bolt import App, BoltRequest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.web.metrics import Metrics
from bot.web.probes import probe_routes

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
            *probe_routes(engine, metrics),
            *([Route("/oncall/{schedule}.ics", oncall_feed)] if oncall_feed else []),
            *extra_routes,
        ],
        lifespan=lifespan,
    )


"""The Starlette app: ``/slack/events`` (see ``bot.kernel.slack.edge``), ``/healthz``, ``/readyz``,
``/metrics``, and the features' routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.kernel.web.metrics import Metrics
from bot.kernel.web.probes import probe_routes

log = logging.getLogger(__name__)


def build_asgi(
    *,
    slack: Callable[[Request], Awaitable[Response]],
    engine: Engine,
    metrics: Metrics,
    on_startup: Callable[[], None],
    on_shutdown: Callable[[], None],
    routes: Sequence[BaseRoute] = (),
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
            Route("/slack/events", slack, methods=["POST"]),
            *probe_routes(engine, metrics),
            *routes,
        ],
        lifespan=lifespan,
    )

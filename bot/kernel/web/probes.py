"""``/healthz``, ``/readyz`` and ``/metrics``: answered within a second whatever the database does.

``/healthz`` says the process serves. ``/readyz`` checks the database through an engine with
short timeouts (``bot.kernel.storage.probe``; on SQLite it takes the write lock and lets it go) and
waits ``READY_WAIT_SECONDS`` at most: 200 ``{"ready": true}``, or 503 ``{"ready": false, "database":
why}`` when the database is down, locked past the wait, or its schema is not at head.
``/metrics`` always answers 200 (see ``bot.kernel.web.metrics``: the gauges read from the database
are served from the last good read).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.kernel.storage.migrate import is_at_head
from bot.kernel.storage.probe import make_probe_engine, sqlite_write_check
from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.kernel.web.metrics import Metrics

READY_WAIT_SECONDS = 0.8
PROBE_TIMEOUT_SECONDS = 0.5  # the database gives up before the wait does: a clearer reason
READY_SLOTS = 4  # checks waiting at once; more are answered 503 without another


def probe_routes(engine: Engine, metrics: Metrics) -> list[Route]:
    probe = make_probe_engine(engine, PROBE_TIMEOUT_SECONDS)
    checks = Bounded("readiness", slots=READY_SLOTS, seconds=READY_WAIT_SECONDS)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(_: Request) -> Response:
        try:
            at_head = await checks.run(lambda: _ready(probe))
        except Unavailable as error:
            return _not_ready(str(error))
        except Exception as error:  # whatever the driver raises: the database is not usable
            return _not_ready(first_line(error))
        if not at_head:
            return _not_ready("schema is not at head")
        return JSONResponse({"ready": True})

    async def metrics_endpoint(_: Request) -> Response:
        content = await run_in_threadpool(metrics.render)
        return Response(content, media_type=CONTENT_TYPE_LATEST)

    return [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
    ]


def _not_ready(why: str) -> Response:
    return JSONResponse({"ready": False, "database": why[:200]}, status_code=503)


def _ready(engine: Engine) -> bool:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            sqlite_write_check(connection)  # locked for longer than the wait: not ready
        else:
            connection.execute(text("SELECT 1"))
    return is_at_head(engine)

"""``GET /status`` (HTML, no JavaScript), ``/status.json`` and ``/status/feed.atom``.

Public and unauthenticated by design: they show only what people chose to publish (the
customer-facing updates, previewed before they were sent), never internal titles or updates.
Reads go through ``Bounded`` like the other pages, so a stuck database answers 503 promptly.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.incidents.domain.incident import format_duration
from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.statuspage.domain.page import DOWN, OPERATIONAL, StatusPage
from bot.statuspage.service import StatusPages
from bot.statuspage.web.feed import atom
from bot.statuspage.web.shapes import as_json

BUSY = "The status page cannot be read right now; reload in a moment."
HEADERS = {
    "Cache-Control": "public, max-age=5",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}
log = logging.getLogger(__name__)


def status_routes(pages: StatusPages) -> list[Route]:
    templates = Environment(
        loader=PackageLoader("bot.statuspage.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    template = templates.get_template("status.html")
    reads = Bounded("status page", slots=8, seconds=1.0)

    async def current(request: Request) -> StatusPage | Response:
        try:
            return await reads.run(pages.page)
        except (Unavailable, SQLAlchemyError) as error:
            log.warning("status page not served: %s", first_line(error))
            return PlainTextResponse(BUSY, 503, headers={"Retry-After": "5"})

    async def html(request: Request) -> Response:
        page = await current(request)
        if isinstance(page, Response):
            return page
        body = await run_in_threadpool(lambda: template.render(**_context(page)))
        return HTMLResponse(body, headers=HEADERS)

    async def as_json_route(request: Request) -> Response:
        page = await current(request)
        if isinstance(page, Response):
            return page
        body = json.dumps(as_json(page), indent=2)
        return Response(body, media_type="application/json", headers=HEADERS)

    async def feed(request: Request) -> Response:
        page = await current(request)
        if isinstance(page, Response):
            return page
        base = str(request.base_url).rstrip("/")
        return Response(atom(page, base), media_type="application/atom+xml", headers=HEADERS)

    return [
        Route("/status", html, methods=["GET"]),
        Route("/status.json", as_json_route, methods=["GET"]),
        Route("/status/feed.atom", feed, methods=["GET"]),
    ]


def _context(page: StatusPage) -> dict[str, object]:
    return {
        "page": page,
        "operational": OPERATIONAL,
        "down": DOWN,
        "utc": _utc,
        "duration": lambda incident: format_duration(incident.duration(page.generated_at)),
        "css": lambda state: state.replace(" ", "-"),
    }


def _utc(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")

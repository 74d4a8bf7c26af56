"""``GET /insights`` (response times, incident counts, follow-ups and alert noise as charts,
each with its table) and ``GET /insights/<chart>.csv`` (one chart's table).

Both need a session (else a redirect to sign in) and apply the same scope (date range and
service, from the query string). Private incidents the viewer is not a member of are left out
of every figure, as the incident list leaves them out. Bad filters are named on the page and
replaced by their defaults, never a 5xx; a database that does not answer promptly is a 503.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.insights import history, queries
from bot.insights.domain.scope import Scope, parse_scope
from bot.insights.web.charts import BUILDERS, csv_text, sections
from bot.insights.web.cookies import Session
from bot.insights.web.members import ChannelMembers
from bot.insights.web.pages import HEADERS, Pages
from bot.kernel.web.bounded import Bounded, Unavailable

BUSY = "The insights cannot be read right now (the database is busy); reload in a moment."


@dataclass(frozen=True)
class _Read:
    scope: Scope
    problems: list[str]
    found: history.History
    services: list[str]


def insight_routes(
    pages: Pages,
    sessions: sessionmaker[DbSession],
    members: ChannelMembers,
    clock: Callable[[], datetime],
    zone_of: Callable[[str], str],
    services: Callable[[DbSession], list[str]],
) -> list[Route]:
    reads = Bounded("insights", slots=4, seconds=20.0)

    def read(viewer: Session, params: dict[str, str]) -> _Read:
        scope, problems = parse_scope(params, clock().date())
        with sessions() as db:
            private = queries.private_channels(db)
        # Asked of Slack outside the database session (as the incident list does).
        shown = members.visible_private(private, viewer.user_id)
        with sessions() as db:
            return _Read(scope, problems, history.load(db, scope, shown, zone_of), services(db))

    async def page(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        params = dict(request.query_params)
        try:
            got = await reads.run(lambda: read(viewer, params))
        except Unavailable:
            return pages.message("Busy", BUSY, 503, viewer)
        return pages.render(
            "insights.html",
            viewer,
            title="Insights",
            scope=got.scope,
            problems=got.problems,
            services=got.services,
            sections=sections(got.found),
            incidents=len(got.found.incidents),
            alerts=len(got.found.alerts),
        )

    async def download(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        slug = str(request.path_params["chart"])
        build = BUILDERS.get(slug)
        if build is None:
            text = f"There is no chart {slug[:40]!r}: choose one of {', '.join(BUILDERS)}."
            return pages.message("No such chart", text, 404, viewer)
        params = dict(request.query_params)
        try:
            got = await reads.run(lambda: read(viewer, params))
        except Unavailable:
            return pages.message("Busy", BUSY, 503, viewer)
        name = f"warroom-{slug}-{got.scope.since}-{got.scope.until}.csv"
        return Response(
            csv_text(build(got.found)),
            media_type="text/csv; charset=utf-8",
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    return [
        Route("/insights", page, methods=["GET"]),
        Route("/insights/{chart}.csv", download, methods=["GET"]),
    ]

"""``GET /insights`` (response times, incident counts, follow-ups, the on-call load and alert
noise as charts, each with its table) and ``GET /insights/<chart>.csv`` (one chart's table).

Both need a session (else a redirect to sign in) and apply the same scope (date range and
service, from the query string). Private incidents the viewer is not a member of are left out
of every figure, as the incident list leaves them out. Bad filters are named on the page and
replaced by their defaults, never a 5xx; a database that does not answer promptly is a 503.

The figures of a scope (for one set of visible private incidents) are computed once and kept
(``RecentFigures``): the page and its CSVs read the same figures, and a year of 100,000 incidents
is read and summarized once a minute at most, in the background once a scope has been seen, not
on every view.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.insights import history, queries
from bot.insights.domain.scope import Scope, parse_scope
from bot.insights.sections import SLUGS
from bot.insights.web.charts import Section, csv_text, sections
from bot.insights.web.cookies import Session
from bot.insights.web.members import ChannelMembers
from bot.insights.web.oncall import OnCallSections
from bot.insights.web.pages import HEADERS, Pages
from bot.kernel.web.bounded import Bounded, Unavailable

log = logging.getLogger(__name__)
BUSY = (
    "The insights of this scope are still being computed (a long range over many incidents "
    "takes a while the first time), or the database is busy. This page reloads itself."
)
WAIT_SECONDS = 8.0  # a first view waits this long for its figures, then reloads until ready
RELOAD_SECONDS = 5
FIGURES_SECONDS = 60.0
STALE_SECONDS = 600.0
PAGE_ROWS = 100  # of a table on the page; its CSV has every row
FIGURES_KEPT = 64  # scopes


@dataclass(frozen=True)
class Figures:
    sections: dict[str, Section]
    incidents: int
    alerts: int


_Key = tuple[Scope, tuple[int, ...]]


@dataclass(frozen=True)
class _Read:
    scope: Scope
    problems: list[str]
    figures: Figures
    services: list[str]


class RecentFigures:
    """The figures of the scopes read lately (the ``kept`` most recent), each computed once
    however many ask at the same time. Younger than ``fresh`` seconds they are served as they
    are; younger than ``stale`` they are served while a background thread computes them again;
    older, they are computed again before being served."""

    def __init__(
        self,
        fresh: float = FIGURES_SECONDS,
        stale: float = STALE_SECONDS,
        kept: int = FIGURES_KEPT,
        monotonic: Callable[[], float] = time.monotonic,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._fresh = fresh
        self._stale = stale
        self._kept = kept
        self._monotonic = monotonic
        self._spawn = spawn or _in_background
        self._lock = threading.Lock()
        self._figures: OrderedDict[_Key, tuple[float, Figures]] = OrderedDict()
        self._computing: dict[_Key, threading.Lock] = {}

    def get(self, scope: Scope, shown: tuple[int, ...], compute: Callable[[], Figures]) -> Figures:
        key = (scope, shown)
        now = self._monotonic()
        with self._lock:
            found = self._figures.get(key)
            if found is not None:
                self._figures.move_to_end(key)
        if found is not None and now - found[0] < self._fresh:
            return found[1]
        if found is not None and now - found[0] < self._stale:
            seen = found[0]

            def refresh() -> None:
                self._compute(key, compute, seen)

            self._spawn(refresh)
            return found[1]
        return self._compute(key, compute, found[0] if found else None)

    def _compute(self, key: _Key, compute: Callable[[], Figures], seen: float | None) -> Figures:
        """Compute the figures unless someone else just did (one computation per key at once)."""
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found = self._figures.get(key)
            if found is not None and (seen is None or found[0] > seen):
                return found[1]  # computed while this one waited
            started = self._monotonic()
            figures = compute()
            with self._lock:
                self._figures[key] = (started, figures)
                self._figures.move_to_end(key)
                while len(self._figures) > self._kept:
                    self._figures.popitem(last=False)
                self._computing.pop(key, None)
            return figures


def _in_background(work: Callable[[], None]) -> None:
    def run() -> None:
        try:
            work()
        except Exception:  # a failed refresh leaves the stale figures; the next view retries
            log.exception("computing the insights failed")

    threading.Thread(target=run, name="insights-refresh", daemon=True).start()


def figures_of(found: history.History, oncall: Sequence[Section] = ()) -> Figures:
    """The charts' sections, with the on-call load's after follow-ups (``SLUGS``' order)."""
    built = {section.slug: section for section in (*sections(found), *oncall)}
    return Figures(
        {slug: built[slug] for slug in SLUGS if slug in built},
        len(found.clocks),
        found.alerts,
    )


def insight_routes(
    pages: Pages,
    sessions: sessionmaker[DbSession],
    members: ChannelMembers,
    clock: Callable[[], datetime],
    zone_of: Callable[[str], str],
    services: Callable[[DbSession], list[str]],
    oncall: OnCallSections | None = None,
) -> list[Route]:
    """``oncall``: the on-call load's sections (None: a bot without schedules leaves them out)."""
    reads = Bounded("insights", slots=4, seconds=WAIT_SECONDS)

    def busy(viewer: Session) -> Response:
        """A 503 that reloads itself (no script: a meta refresh), as the figures keep being
        computed on their own thread and are kept for the next view."""
        answer = pages.render(
            "message.html",
            viewer,
            503,
            title="Computing the insights",
            text=BUSY,
            refresh=RELOAD_SECONDS,
        )
        answer.headers["Retry-After"] = str(RELOAD_SECONDS)
        return answer

    recent = RecentFigures()

    def read(viewer: Session, params: dict[str, str]) -> _Read:
        scope, problems = parse_scope(params, clock().date())
        with sessions() as db:
            private = queries.private_channels(db)
            names = services(db)
        # Asked of Slack outside the database session (as the incident list does).
        shown = tuple(sorted(members.visible_private(private, viewer.user_id)))

        def compute() -> Figures:
            with sessions() as db:
                found = history.load(db, scope, shown, zone_of)
                hidden = history.hidden_private(db, shown)
                return figures_of(found, oncall(db, scope, hidden) if oncall else ())

        return _Read(scope, problems, recent.get(scope, shown, compute), names)

    async def page(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        params = dict(request.query_params)
        try:
            got = await reads.run(lambda: read(viewer, params))
        except Unavailable:
            return busy(viewer)
        return pages.render(
            "insights.html",
            viewer,
            title="Insights",
            scope=got.scope,
            problems=got.problems,
            services=got.services,
            sections=list(got.figures.sections.values()),
            incidents=got.figures.incidents,
            alerts=got.figures.alerts,
            page_rows=PAGE_ROWS,
        )

    async def download(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        slug = str(request.path_params["chart"])
        if slug not in SLUGS:
            text = f"There is no chart {slug[:40]!r}: choose one of {', '.join(SLUGS)}."
            return pages.message("No such chart", text, 404, viewer)
        params = dict(request.query_params)
        try:
            got = await reads.run(lambda: read(viewer, params))
        except Unavailable:
            return busy(viewer)
        section = got.figures.sections.get(slug)
        if section is None:  # the on-call load, on a bot built without it
            text = f"There is no chart {slug[:40]!r} here."
            return pages.message("No such chart", text, 404, viewer)
        name = f"warroom-{slug}-{got.scope.since}-{got.scope.until}.csv"
        return Response(
            csv_text(section),
            media_type="text/csv; charset=utf-8",
            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )

    return [
        Route("/insights", page, methods=["GET"]),
        Route("/insights/{chart}.csv", download, methods=["GET"]),
    ]

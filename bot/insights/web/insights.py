"""``GET /insights`` (response times, incident counts, follow-ups, the on-call load and alert
noise as charts, each with its table) and ``GET /insights/<chart>.csv`` (one chart's table).

Both need a session (else a redirect to sign in) and apply the same scope (date range and
service, from the query string). Private incidents the viewer is not a member of are left out
of every figure, as the incident list leaves them out. Bad filters are named on the page and
replaced by their defaults, never a 5xx; a database that does not answer promptly is a 503.

The figures of a scope (for one set of visible private incidents) are computed once and kept
(``RecentFigures``): the page and its CSVs read the same figures, and a year of 100,000 incidents
is read and summarized once a minute at most, in the background once a scope has been seen, not
on every view. ``Warmup`` (``warmup.py``) computes the default scope and the most viewed ones
before anyone asks.
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
from bot.insights.web.oncall import OnCallSections
from bot.insights.web.pages import HEADERS, Pages
from bot.insights.web.warmup import Warmup, collector_paused, lower_priority, yielding
from bot.kernel.slack.members import ChannelMembers
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
Compute = Callable[[Scope, tuple[int, ...], str], Figures]


@dataclass(frozen=True)
class Insights:
    """The routes, and the warm-up to start when the server starts serving (``Warmup``)."""

    routes: list[Route]
    warmup: Warmup


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
    older, they are computed again before being served. ``compute(scope, shown, why)``: ``why``
    is "view", "refresh" or "warm-up" (counted in ``/metrics``).

    One background computation at a time (a stale view's refresh or the warm-up's,
    ``Warmup``): a refresh that finds another running is dropped (the stale figures are served,
    the next view asks again), so a busy page never stacks up year-long reads."""

    def __init__(
        self,
        compute: Compute,
        fresh: float = FIGURES_SECONDS,
        stale: float = STALE_SECONDS,
        kept: int = FIGURES_KEPT,
        monotonic: Callable[[], float] = time.monotonic,
        spawn: Callable[[Callable[[], None]], None] | None = None,
    ) -> None:
        self._compute_figures = compute
        self.fresh = fresh
        self.stale = stale
        self._kept = kept
        self._monotonic = monotonic
        self._spawn = spawn or _in_background
        self._lock = threading.Lock()
        self._figures: OrderedDict[_Key, tuple[float, Figures]] = OrderedDict()
        self._computing: dict[_Key, threading.Lock] = {}
        self._views: dict[_Key, tuple[int, float]] = {}  # of the kept keys: how many, the last
        self._background = threading.Lock()

    def get(self, scope: Scope, shown: tuple[int, ...]) -> Figures:
        key = (scope, shown)
        now = self._monotonic()
        with self._lock:
            found = self._figures.get(key)
            if found is not None:
                self._figures.move_to_end(key)
            views, _ = self._views.get(key, (0, now))
            self._views[key] = (views + 1, now)
            if len(self._views) > 4 * self._kept:  # scopes asked of but never computed
                self._views = {k: v for k, v in self._views.items() if k in self._figures}
        if found is not None and now - found[0] < self.fresh:
            return found[1]
        if found is not None and now - found[0] < self.stale:
            seen = found[0]

            def refresh() -> None:
                if not self._background.acquire(blocking=False):
                    return  # another is running: the stale figures do until the next view
                try:
                    self._compute(key, "refresh", seen)
                finally:
                    self._background.release()

            self._spawn(refresh)
            return found[1]
        return self._compute(key, "view", found[0] if found else None)

    def warm(self, scope: Scope, shown: tuple[int, ...], older_than: float) -> bool:
        """Compute a scope's figures when it has none or they are ``older_than`` seconds,
        waiting for any other background computation first; whether it computed them."""
        key = (scope, shown)
        with self._background:
            with self._lock:
                found = self._figures.get(key)
            if found is not None and self._monotonic() - found[0] < older_than:
                return False
            self._compute(key, "warm-up", found[0] if found else None)
            return True

    def viewed(self, within: float, most: int) -> list[_Key]:
        """The ``most`` most viewed scopes (of those kept) seen in the last ``within`` seconds."""
        now = self._monotonic()
        with self._lock:
            recent = [
                (views, key)
                for key, (views, last) in self._views.items()
                if now - last < within and key in self._figures
            ]
        recent.sort(key=lambda found: -found[0])
        return [key for _, key in recent[:most]]

    def viewed_within(self, key: _Key, seconds: float) -> bool:
        with self._lock:
            found = self._views.get(key)
        return found is not None and self._monotonic() - found[1] < seconds

    def _compute(self, key: _Key, why: str, seen: float | None) -> Figures:
        """Compute the figures unless someone else just did (one computation per key at once)."""
        with self._lock:
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                found = self._figures.get(key)
            if found is not None and (seen is None or found[0] > seen):
                return found[1]  # computed while this one waited
            started = self._monotonic()
            figures = self._compute_figures(*key, why)
            with self._lock:
                self._figures[key] = (started, figures)
                self._figures.move_to_end(key)
                while len(self._figures) > self._kept:
                    gone, _ = self._figures.popitem(last=False)
                    self._views.pop(gone, None)
                self._computing.pop(key, None)
            return figures


def _in_background(work: Callable[[], None]) -> None:
    def run() -> None:
        lower_priority()
        try:
            with yielding():
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
    computed: Callable[[str], None] = lambda why: None,
) -> Insights:
    """``oncall``: the on-call load's sections (None: a bot without schedules leaves them out).
    ``computed(why)``: told of each finished computation of a scope's figures (``/metrics``)."""
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

    def compute(scope: Scope, shown: tuple[int, ...], why: str) -> Figures:
        with collector_paused(), sessions() as db:
            found = history.load(db, scope, shown, zone_of)
            hidden = history.hidden_private(db, shown)
            figures = figures_of(found, oncall(db, scope, hidden) if oncall else ())
        computed(why)
        return figures

    recent = RecentFigures(compute)

    def read(viewer: Session, params: dict[str, str]) -> _Read:
        scope, problems = parse_scope(params, clock().date())
        with sessions() as db:
            private = queries.private_channels(db)
            names = services(db)
        # Asked of Slack outside the database session (as the incident list does).
        shown = tuple(sorted(members.visible_private(private, viewer.user_id)))
        return _Read(scope, problems, recent.get(scope, shown), names)

    def any_incidents() -> bool:
        with sessions() as db:
            return queries.any_incidents(db)

    warmup = Warmup(
        recent, lambda: parse_scope({}, clock().date())[0], any_incidents, FIGURES_SECONDS
    )

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

    routes = [
        Route("/insights", page, methods=["GET"]),
        Route("/insights/{chart}.csv", download, methods=["GET"]),
    ]
    return Insights(routes, warmup)

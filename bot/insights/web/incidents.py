"""``GET /incidents`` (the list: filters, sorting, pages) and ``GET /incidents/<n>`` (one
incident: card, clocks, people and roles, timeline, alerts, pages and acknowledgements,
playbook runs with their changes and undos, action items and their tracker issues, links).

Both need a session (else a redirect to sign in). Bad filters are named on the page and ignored,
never a 5xx; a database that does not answer promptly is a 503 (``Bounded``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.incidents.domain.timeline import describe
from bot.incidents.rows import IncidentRow
from bot.insights import queries
from bot.insights.domain.filters import (
    PAGE_SIZE,
    SEVERITIES,
    SORTS,
    STATUSES,
    parse,
)
from bot.insights.web.cookies import Session
from bot.insights.web.pages import Pages, mentioned, plain
from bot.kernel.slack.members import ChannelMembers
from bot.kernel.web.bounded import Bounded, Unavailable

BUSY = "The incidents cannot be read right now (the database is busy); reload in a moment."
MAX_NUMBER_DIGITS = 9
SERVICES_SECONDS = 60.0
UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Links:
    """Where an incident lives elsewhere: its Slack channel, its post-mortem's review page (a
    signed link, as Slack hands out), and what people are called."""

    postmortem: Callable[[int], str]
    name: Callable[[str], str | None]

    def channel(self, channel_id: str) -> str:
        return f"https://slack.com/app_redirect?channel={channel_id}"

    def person(self, ref: str) -> str:
        return self.name(ref) or ref


def incident_routes(
    pages: Pages, sessions: sessionmaker[DbSession], links: Links, members: ChannelMembers
) -> list[Route]:
    reads = Bounded("incident pages", slots=8, seconds=2.0)

    def shown_private(user_id: str) -> list[int]:
        """The private incidents ``user_id`` may see: those whose channel they are in."""
        with sessions() as db:
            private = queries.private_channels(db)
        return members.visible_private(private, user_id)

    service_names = ServiceNames()

    async def listing(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        query, problems = parse(dict(request.query_params))

        def read() -> tuple[queries.ListPage, list[str]]:
            with sessions() as db:
                listed = queries.incident_list(db, query, private_shown)
                return listed, service_names.get(db)

        try:
            private_shown = await reads.run(lambda: shown_private(viewer.user_id))
            found, services = await reads.run(read)
        except Unavailable:
            return pages.message("Busy", BUSY, 503, viewer)
        zone = _zone(viewer.zone)
        return pages.render(
            "incidents.html",
            viewer,
            title="Incidents",
            query=query,
            problems=problems,
            found=found,
            services=services,
            statuses=STATUSES,
            severities=SEVERITIES,
            sorts=SORTS,
            page_size=PAGE_SIZE,
            zone=zone,
            local=lambda at: _local(at, zone),
        )

    async def one(request: Request) -> Response:
        viewer = pages.session_or_redirect(request)
        if not isinstance(viewer, Session):
            return viewer
        shown = str(request.path_params["number"])
        if not (shown.isdigit() and len(shown) <= MAX_NUMBER_DIGITS):
            return pages.message(
                "No such incident", f"{shown[:40]!r} is not an incident number.", 404, viewer
            )
        number = int(shown)

        def read() -> queries.IncidentView | None:
            with sessions() as db:
                view = queries.incident(db, number)
                if view is not None:
                    db.expunge_all()
                return view

        try:
            view = await reads.run(read)
        except Unavailable:
            return pages.message("Busy", BUSY, 503, viewer)
        if view is None:
            return pages.message("No such incident", f"There is no incident {number}.", 404, viewer)
        incident = view.incident
        if incident.private and not await run_in_threadpool(
            members.is_member, incident.channel_id, viewer.user_id
        ):
            text = f"Incident {number} is private: only members of its channel can see it."
            return pages.message("Private incident", text, 403, viewer)
        zone = _zone(viewer.zone)
        lines = [describe(event) for event in view.timeline]
        names = await run_in_threadpool(_names, view, lines, links.person)
        return pages.render(
            "incident.html",
            viewer,
            title=f"Incident {number}: {view.incident.title}",
            view=view,
            row=view.incident,
            clocks=_clocks(view.incident),
            lines=[plain(line, names) for line in lines],
            zone=zone,
            utc=lambda at: _local(at, UTC),
            local=lambda at: _local(at, zone),
            channel_url=links.channel(view.incident.channel_id)
            if view.incident.channel_id
            else None,
            postmortem_url=links.postmortem(number) if view.postmortem_state else None,
            person=lambda ref: names.get(ref, ref),
        )

    return [
        Route("/incidents", listing, methods=["GET"]),
        Route("/incidents/{number}", one, methods=["GET"]),
    ]


class ServiceNames:
    """The services incidents name, for the filter's choices: read at most once a minute (a
    DISTINCT over every incident is the list's dearest part on a big table)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = -SERVICES_SECONDS
        self._names: list[str] = []

    def get(self, db: DbSession) -> list[str]:
        now = time.monotonic()
        with self._lock:
            if now - self._read_at < SERVICES_SECONDS:
                return self._names
        names = queries.services(db)
        with self._lock:
            self._names, self._read_at = names, now
        return names


def _names(
    view: queries.IncidentView, lines: list[str], person: Callable[[str], str]
) -> dict[str, str]:
    """Everyone the page names (Slack ids and config references), by their Slack name: asked
    here, off the event loop, through the directory's cache."""
    row = view.incident
    refs = {row.lead_id, row.declarer_id, *row.roles.values(), *mentioned(lines)}
    for item in view.pages:
        refs.add(item.page.requested_by)
        if item.page.acknowledged_by:
            refs.add(item.page.acknowledged_by)
        refs.update(d.user_ref for d in item.deliveries)
    for run in view.runs:
        refs.add(run.run.started_by)
        refs.update(s.step.actor for s in run.steps if s.step.actor)
        refs.update(s.step.undo_actor for s in run.steps if s.step.undo_actor)
    for entry in view.action_items:
        refs.add(entry.item.created_by)
        if entry.item.owner_id:
            refs.add(entry.item.owner_id)
    return {ref: person(ref) for ref in refs if ref}


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _local(at: datetime | None, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else ""


def _clocks(row: IncidentRow) -> list[tuple[str, datetime | None, str]]:
    """Each milestone, when it happened and how long after the declaration."""
    start = row.declared_at
    return [
        (name, at, _duration(at - start) if at else "")
        for name, at in (
            ("Impact started", row.impact_started_at),
            ("Detected", row.detected_at),
            ("Declared", row.declared_at),
            ("Acknowledged", row.acknowledged_at),
            ("Mitigated", row.mitigated_at),
            ("Resolved", row.resolved_at),
        )
    ]


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours} h {rest:02d} min" if hours else f"{sign}{rest} min"

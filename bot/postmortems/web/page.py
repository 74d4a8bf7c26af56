"""The review page: ``GET /postmortems/<incident>?expires=..&sig=..[&diff=<version>]``.

Server-rendered HTML, readable without JavaScript: the current version rendered from Markdown
with the blameless-check findings highlighted, re-draft conflicts, the review state and history,
the versions with their authors, and with ``diff`` the changes a version made to the one before.

It needs a signed link (``postmortem_links``): none or a bad one answers 403 saying where links
come from; an expired one answers 403 saying how to get a new one. A private incident's page also
needs its reader to be in the incident's channel, when the web app's Sign in with Slack is set up
(``PrivateReaders``): signed out, they are sent to sign in and back; not a member, 403. The URL
carries the signature, so the page sends no Referer and is not cached or indexed. Any other path
or parameter, however hostile, gets a 4xx saying what is wrong (a path that names no possible
incident 404, a ``diff`` that is not a version number 400), and a database that does not answer
within ``READ_WAIT_SECONDS`` a 503: the page always answers promptly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.postmortems.domain.gates import said, unfilled
from bot.postmortems.review import APPROVED, PUBLISHED, STATE_LABELS, label
from bot.postmortems.service import VERDICT_WORDS, PostmortemService, PostmortemView
from bot.postmortems.web.html import diff_html, sections_html
from bot.postmortems.web.links import PATH, LinkCheck, ReviewLinks, incident_number

UNSIGNED = (
    'This page needs a signed link. Open it from Slack: the "Open draft" button on the '
    "post-mortem summary in the incident channel, or the link /incident postmortem answers with."
)
EXPIRED = (
    "This link has expired. Ask for a new link with /incident postmortem in the incident channel."
)
BUSY = "The post-mortem cannot be read right now (the database is busy); reload in a moment."
READ_WAIT_SECONDS = 1.0
READ_SLOTS = 8  # reads waiting at once; more are answered 503 without another
MAX_VERSION_DIGITS = 9
HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

Namer = Callable[[str], str]
# Whether this viewer may read the post-mortem of private incident ``number`` (its channel):
# None to go on, else the answer to send instead (a redirect to sign in, a refusal).
PrivateCheck = Callable[[Request, int, str | None], Awaitable[Response | None]]
log = logging.getLogger(__name__)


class PrivateReaders:
    """Who may read a private incident's post-mortem, beyond holding a signed link: plugged in
    by the web app (``bot/insights``), which knows who signed in and asks Slack for the
    channel's members. Unplugged (no Sign in with Slack), the signed link alone opens it."""

    def __init__(self) -> None:
        self._check: PrivateCheck | None = None

    def plug(self, check: PrivateCheck) -> None:
        self._check = check

    async def refusal(
        self, request: Request, number: int, channel_id: str | None
    ) -> Response | None:
        return None if self._check is None else await self._check(request, number, channel_id)


def postmortem_routes(
    service: PostmortemService,
    links: ReviewLinks,
    name: Namer,
    readers: PrivateReaders | None = None,
) -> list[Route]:
    readers = readers or PrivateReaders()
    templates = Environment(
        loader=PackageLoader("bot.postmortems.web", "templates"),
        autoescape=select_autoescape(["html"]),
    )
    template = templates.get_template("postmortem.html")

    reads = Bounded("post-mortem page", slots=READ_SLOTS, seconds=READ_WAIT_SECONDS)

    async def page(request: Request) -> Response:
        path = str(request.path_params["incident"])
        number = incident_number(path)
        if number is None:
            return _text(f"There is no incident {_shown(path)}: open the link from Slack.", 404)
        query = request.query_params
        check = links.check(number, query.get("expires"), query.get("sig"))
        if check is LinkCheck.UNSIGNED:
            return _text(UNSIGNED, 403)
        if check is LinkCheck.EXPIRED:
            return _text(EXPIRED, 403)
        wanted = query.get("diff")
        if wanted is not None and not _version_number(wanted):
            return _text(f"diff={_shown(wanted)} is not a version number, e.g. diff=2", 400)
        try:
            view = await reads.run(lambda: service.view(number))
        except (Unavailable, SQLAlchemyError) as error:
            log.warning(
                "post-mortem page of incident #%s not served: %s", number, first_line(error)
            )
            return _text(BUSY, 503)
        if view is None:
            return _text(
                f"Incident #{number} has no post-mortem draft yet: draft one with "
                "/incident postmortem in its channel.",
                404,
            )
        if view.incident.private:
            refused = await readers.refusal(request, number, view.channel_id)
            if refused is not None:
                return refused
        diff = view.version(int(wanted)) if wanted is not None else None
        if wanted is not None and (diff is None or diff.number < 2):
            return _text(
                f"There is no change to show for version {wanted}: versions 2 to "
                f"{view.current.number} each have one.",
                404,
            )
        signed = {"expires": query["expires"], "sig": query["sig"]}
        # Markdown, findings and diffs take CPU: off the event loop.
        html = await run_in_threadpool(
            lambda: template.render(**_context(view, diff.number if diff else None, name, signed))
        )
        return HTMLResponse(html, headers=HEADERS)

    return [Route(PATH, page, methods=["GET"])]


def _context(
    view: PostmortemView, diff: int | None, name: Namer, signed: dict[str, str]
) -> dict[str, object]:
    current = view.current
    changed = view.version(diff) if diff is not None else None
    before = view.version(diff - 1) if diff is not None else None
    rendered_diff = ""
    if changed is not None and before is not None:
        rendered_diff = diff_html(
            before.markdown, changed.markdown, f"version {before.number}", f"version {diff}"
        )

    def section_name(section_id: str) -> str:
        section = current.section(section_id)
        return label(section) if section is not None else section_id

    def diff_link(number: int) -> str:
        return "?" + urlencode({**signed, "diff": number})

    blockers = view.blockers if view.state not in (APPROVED, PUBLISHED) else []
    return {
        "view": view,
        "blockers": blockers,
        "blocked": said(blockers),
        "unfilled": set(unfilled(blockers)),
        "waivers": [(section_name(w.section), w) for w in view.waivers.values()],
        "incident": view.incident,
        "current": current,
        "state_label": STATE_LABELS.get(view.state, view.state),
        "sections": sections_html(current.sections, view.findings),
        "diff": changed,
        "diff_html": rendered_diff,
        "verdicts": VERDICT_WORDS,
        "name": name,
        "utc": _utc,
        "section_name": section_name,
        "diff_link": diff_link,
    }


def _text(message: str, status: int) -> Response:
    return PlainTextResponse(message, status, headers=HEADERS)


def _version_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= MAX_VERSION_DIGITS


def _shown(text: str) -> str:
    """A parameter quoted back: escaped, and cut when long."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:39] + "…"


def _utc(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")

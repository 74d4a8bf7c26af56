"""The review page: ``GET /postmortems/<incident>?expires=..&sig=..[&diff=<version>]``.

Server-rendered HTML, readable without JavaScript: the current version rendered from Markdown
with the blameless-check findings highlighted, re-draft conflicts, the review state and history,
the versions with their authors, and with ``diff`` the changes a version made to the one before.

It needs a signed link (``postmortem_links``): none or a bad one answers 403 saying where links
come from; an expired one answers 403 saying how to get a new one. The URL carries the signature,
so the page sends no Referer and is not cached or indexed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.services.postmortem_review import STATE_LABELS, label
from bot.services.postmortems import VERDICT_WORDS, PostmortemService, PostmortemView
from bot.web.postmortem_html import diff_html, sections_html
from bot.web.postmortem_links import PATH, LinkCheck, ReviewLinks

UNSIGNED = (
    'This page needs a signed link. Open it from Slack: the "Open draft" button on the '
    "post-mortem summary in the incident channel, or the link /incident postmortem answers with."
)
EXPIRED = (
    "This link has expired. Ask for a new link with /incident postmortem in the incident channel."
)
HEADERS = {
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}

Namer = Callable[[str], str]


def postmortem_routes(service: PostmortemService, links: ReviewLinks, name: Namer) -> list[Route]:
    templates = Environment(
        loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"])
    )
    template = templates.get_template("postmortem.html")

    async def page(request: Request) -> Response:
        number = int(request.path_params["incident"])
        query = request.query_params
        check = links.check(number, query.get("expires"), query.get("sig"))
        if check is LinkCheck.UNSIGNED:
            return PlainTextResponse(UNSIGNED, status_code=403, headers=HEADERS)
        if check is LinkCheck.EXPIRED:
            return PlainTextResponse(EXPIRED, status_code=403, headers=HEADERS)
        wanted = query.get("diff")
        if wanted is not None and not wanted.isdigit():
            return PlainTextResponse(
                f"diff={wanted!r} is not a version number, e.g. diff=2", 400, headers=HEADERS
            )
        view = await run_in_threadpool(service.view, number)
        if view is None:
            return PlainTextResponse(
                f"Incident #{number} has no post-mortem draft yet: draft one with "
                "/incident postmortem in its channel.",
                404,
                headers=HEADERS,
            )
        diff = view.version(int(wanted)) if wanted is not None else None
        if wanted is not None and (diff is None or diff.number < 2):
            return PlainTextResponse(
                f"There is no change to show for version {wanted}: versions 2 to "
                f"{view.current.number} each have one.",
                404,
                headers=HEADERS,
            )
        signed = {"expires": query["expires"], "sig": query["sig"]}
        html = template.render(**_context(view, diff.number if diff else None, name, signed))
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

    return {
        "view": view,
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


def _utc(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")

"""What every page of the web app shares: its templates, its headers, the session check that
sends strangers to sign in, and the plain pages that say what went wrong."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from bot.insights.web.cookies import CSRF_FIELD, Cookies, Session

HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'",
}


class Pages:
    def __init__(self, cookies: Cookies, configured: bool) -> None:
        self.cookies = cookies
        self.configured = configured
        self._templates = Environment(
            loader=PackageLoader("bot.insights.web", "templates"),
            autoescape=select_autoescape(["html"]),
        )

    def render(
        self, name: str, session: Session | None, status: int = 200, **context: Any
    ) -> HTMLResponse:
        html = self._templates.get_template(name).render(
            session=session, csrf_field=CSRF_FIELD, **context
        )
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def message(
        self, title: str, text: str, status: int, session: Session | None = None
    ) -> HTMLResponse:
        return self.render("message.html", session, status, title=title, text=text)

    def session_or_redirect(self, request: Request) -> Session | Response:
        """The viewer's session; else a redirect to sign in that comes back here."""
        if not self.configured:
            return self.message(
                "Sign in with Slack is not set up",
                "Set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the Slack app's OpenID Connect "
                "credentials) to open the web app.",
                503,
            )
        session = self.cookies.session(request)
        if session is not None:
            return session
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"/auth/slack/signin?{urlencode({'next': here})}", 303, headers=HEADERS
        )


_LINK = re.compile(r"<([@#!]?)([^<>|]+)(?:\|([^<>]*))?>")


def plain(mrkdwn: str, names: Mapping[str, str] | None = None) -> str:
    """A timeline line's Slack markup as text: ``<@U1>`` reads @ and their name in ``names`` (else
    @U1), ``<#C1>`` #C1, and a link its label (or its address)."""

    def shown(match: re.Match[str]) -> str:
        sigil, target, label = match.group(1), match.group(2), match.group(3)
        if sigil == "@":
            return f"@{(names or {}).get(target) or label or target}"
        if sigil == "#":
            return f"#{label or target}"
        return label or target

    return _LINK.sub(shown, mrkdwn)


def mentioned(lines: list[str]) -> set[str]:
    """The Slack ids ``<@U1>`` in ``lines``."""
    return {m.group(2) for line in lines for m in _LINK.finditer(line) if m.group(1) == "@"}


def local_path(value: str | None) -> str:
    """Where to go after signing in: a path on this site, never another host."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/incidents"
    return value

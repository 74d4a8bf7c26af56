"""Sign in with Slack: ``/auth/slack/signin``, ``/auth/slack/callback``, ``POST /auth/signout``.

The callback trusts nothing it is sent: the ``state`` must match the signed sign-in cookie set
when the visitor left (so a forged or replayed callback is refused), the code is traded once, the
id_token must verify and carry the cookie's nonce, and its workspace must be ours. Each refusal is
a 400 page saying why and offering to start again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.insights.web.bodies import form_fields
from bot.insights.web.cookies import CSRF_FIELD, Cookies, PendingSignIn
from bot.insights.web.oidc import Identity, SignInFailed, SlackOpenId
from bot.insights.web.pages import HEADERS, Pages, local_path

log = logging.getLogger(__name__)
REFUSED = "Signing in did not work"

TeamId = Callable[[], str | None]
Zone = Callable[[str], str | None]


def auth_routes(
    pages: Pages, openid: SlackOpenId | None, team_id: TeamId, zone_of: Zone
) -> list[Route]:
    async def signin(request: Request) -> Response:
        if openid is None:
            return pages.message(
                "Sign in with Slack is not set up",
                "Set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to sign in.",
                503,
            )
        pending = PendingSignIn(
            secrets.token_urlsafe(24),
            secrets.token_urlsafe(24),
            local_path(request.query_params.get("next")),
        )
        response = RedirectResponse(
            openid.authorize_url(pending.state, pending.nonce), 302, headers=HEADERS
        )
        pages.cookies.start_signin(response, pending)
        return response

    async def callback(request: Request) -> Response:
        if openid is None:
            return pages.message(REFUSED, "Sign in with Slack is not set up.", 503)
        try:
            identity, pending = await _finish(request, pages.cookies, openid)
            await run_in_threadpool(_check_member, identity, team_id)
        except SignInFailed as failure:
            response = pages.render("refused.html", None, 400, title=REFUSED, text=str(failure))
            pages.cookies.end_signin(response)
            return response
        zone = identity.zone or await run_in_threadpool(zone_of, identity.user_id)
        done = RedirectResponse(pending.next, 303, headers=HEADERS)
        pages.cookies.end_signin(done)
        pages.cookies.start_session(done, identity.user_id, identity.team_id, identity.name, zone)
        log.info("%s signed in to the web app", identity.user_id)
        return done

    async def signout(request: Request) -> Response:
        session = pages.cookies.session(request)
        fields = await form_fields(request)
        if session is not None and not session.csrf_ok(fields.get(CSRF_FIELD)):
            return pages.message(
                "This form has expired",
                "The form was not sent from this site's page (its CSRF token is missing or "
                "wrong). Go back, reload the page and try again.",
                403,
                session,
            )
        response = pages.message("Signed out", "You are signed out.", 200)
        pages.cookies.end_session(response)
        return response

    return [
        Route("/auth/slack/signin", signin, methods=["GET"]),
        Route("/auth/slack/callback", callback, methods=["GET"]),
        Route("/auth/signout", signout, methods=["POST"]),
    ]


async def _finish(
    request: Request, cookies: Cookies, openid: SlackOpenId
) -> tuple[Identity, PendingSignIn]:
    query = request.query_params
    if query.get("error"):
        raise SignInFailed(f"Slack did not sign you in ({query['error'][:80]}).")
    pending = cookies.pending(request)
    if pending is None:
        raise SignInFailed(
            "This sign-in did not start here, or took longer than ten minutes: start again."
        )
    state, code = query.get("state"), query.get("code")
    if not state or not secrets.compare_digest(state.encode(), pending.state.encode()):
        raise SignInFailed("The sign-in's state does not match the one this browser started.")
    if not code:
        raise SignInFailed("Slack sent no sign-in code.")
    identity = await run_in_threadpool(openid.sign_in, code, pending.nonce)
    return identity, pending


def _check_member(identity: Identity, team_id: TeamId) -> None:
    ours = team_id()
    if ours is None:
        raise SignInFailed("The bot's Slack workspace cannot be read right now: try again.")
    if identity.team_id != ours:
        raise SignInFailed(
            "Only members of this Slack workspace can sign in: you signed in to another one."
        )

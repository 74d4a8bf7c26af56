"""Who may read a private incident's post-mortem review page: the web app's answer to
``bot.postmortems.web.page.PrivateReaders``. The signed link is not enough for a private
incident: its reader must be signed in and in the incident's channel (asked of Slack through
``ChannelMembers``, remembered briefly), like on its incident page."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from bot.insights.web.pages import Pages
from bot.kernel.slack.members import ChannelMembers
from bot.postmortems.web.page import PrivateCheck


def private_review_check(pages: Pages, members: ChannelMembers) -> PrivateCheck:
    async def check(request: Request, number: int, channel_id: str | None) -> Response | None:
        if not pages.configured:
            return None  # no sign-in to ask: the signed link is the gate (docs/postmortems.md)
        viewer = pages.session_or_redirect(request)  # signed out: to Slack and back here
        if isinstance(viewer, Response):
            return viewer
        if await run_in_threadpool(members.is_member, channel_id, viewer.user_id):
            return None
        return pages.message(
            f"Incident {number} is private",
            f"Incident {number} is private: only members of its channel can read its "
            "post-mortem. Ask someone in the channel to invite you.",
            403,
            viewer,
        )

    return check

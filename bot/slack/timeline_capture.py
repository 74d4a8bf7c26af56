"""A :pushpin: reaction or the "Add to timeline" shortcut puts a message on the timeline.

The message keeps its own timestamp and a permalink; adding it twice changes nothing; the bot
confirms with a reaction (DESIGN.md §1b).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.services.incidents import NotAnIncidentChannel
from bot.slack.context import SlackContext
from bot.slack.provisioning import tolerate

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"
CONFIRM_REACTION = "white_check_mark"
SHORTCUT_CALLBACK = "add_to_timeline"


def register(app: App, ctx: SlackContext) -> None:
    @app.event("reaction_added")
    def pinned(event: dict[str, Any], client: WebClient) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != PIN_REACTION or item.get("type") != "message":
            return
        channel_id, ts = item["channel"], item["ts"]
        message = _fetch(client, channel_id, ts)
        if message is None:
            return
        try:
            _add(ctx, client, channel_id, message, actor=event["user"])
        except NotAnIncidentChannel:
            return  # a pin anywhere else is just a pin

    @app.shortcut(SHORTCUT_CALLBACK)
    def shortcut(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        channel_id, message = body["channel"]["id"], body["message"]
        try:
            added = _add(ctx, client, channel_id, message, actor=body["user"]["id"])
        except NotAnIncidentChannel as error:
            respond(text=f":warning: {error}", response_type="ephemeral")
            return
        note = "Added to the timeline." if added else "That message is already on the timeline."
        respond(text=note, response_type="ephemeral")


def _add(
    ctx: SlackContext, client: WebClient, channel_id: str, message: dict[str, Any], actor: str
) -> bool:
    ts = message["ts"]
    permalink = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    added = ctx.incidents.add_message(
        channel_id=channel_id,
        ts=ts,
        text=message.get("text") or "",
        author=message.get("user"),
        permalink=permalink,
        actor=actor,
    )
    if added:
        tolerate(
            lambda: client.reactions_add(channel=channel_id, timestamp=ts, name=CONFIRM_REACTION),
            "already_reacted",
        )
    return added


def _fetch(client: WebClient, channel_id: str, ts: str) -> dict[str, Any] | None:
    """The message itself: from the channel's history, or from its thread if it is a reply."""
    history = client.conversations_history(channel=channel_id, latest=ts, inclusive=True, limit=1)
    found = _with_ts(history.get("messages") or [], ts)
    if found is None:
        replies = client.conversations_replies(channel=channel_id, ts=ts, limit=1000)
        found = _with_ts(replies.get("messages") or [], ts)
    return found


def _with_ts(messages: list[dict[str, Any]], ts: str) -> dict[str, Any] | None:
    return next((dict(m) for m in messages if m.get("ts") == ts), None)

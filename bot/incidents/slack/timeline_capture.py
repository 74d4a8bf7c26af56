"""A :pushpin: reaction or the "Add to timeline" shortcut puts a message on the timeline.

The message keeps its own timestamp and a permalink; adding it twice changes nothing; the bot
confirms with a reaction (docs/architecture.md §1).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.incidents.service import NotAnIncidentChannel
from bot.incidents.slack.context import SlackContext
from bot.incidents.slack.provisioning import tolerate
from bot.kernel.slack.payloads import (
    EventCallback,
    Message,
    MessageShortcut,
    ReactionAdded,
    request_of,
)

log = logging.getLogger(__name__)

PIN_REACTION = "pushpin"
CONFIRM_REACTION = "white_check_mark"
SHORTCUT_CALLBACK = "add_to_timeline"


def register(app: App, ctx: SlackContext) -> None:
    @app.event("reaction_added")
    def pinned(context: BoltContext, client: WebClient) -> None:
        event = request_of(context, EventCallback).event
        if not isinstance(event, ReactionAdded):
            return
        item = event.item
        if event.reaction != PIN_REACTION or item.type != "message" or not item.channel:
            return
        if item.ts is None:
            return
        message = _fetch(client, item.channel, item.ts)
        if message is None:
            return
        try:
            _add(ctx, client, item.channel, message, actor=event.user)
        except NotAnIncidentChannel:
            return  # a pin anywhere else is just a pin

    @app.shortcut(SHORTCUT_CALLBACK)
    def shortcut(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        request = request_of(context, MessageShortcut)
        channel_id, message = request.channel.id, request.message
        try:
            added = _add(ctx, client, channel_id, message, actor=request.user.id)
        except NotAnIncidentChannel as error:
            respond(text=f":warning: {error}", response_type="ephemeral")
            return
        note = "Added to the timeline." if added else "That message is already on the timeline."
        respond(text=note, response_type="ephemeral")


def _add(
    ctx: SlackContext, client: WebClient, channel_id: str, message: Message, actor: str
) -> bool:
    ts = message.ts
    permalink = client.chat_getPermalink(channel=channel_id, message_ts=ts).get("permalink")
    added = ctx.incidents.add_message(
        channel_id=channel_id,
        ts=ts,
        text=message.text,
        author=message.user,
        permalink=permalink,
        actor=actor,
    )
    if added:
        tolerate(
            lambda: client.reactions_add(channel=channel_id, timestamp=ts, name=CONFIRM_REACTION),
            "already_reacted",
        )
    return added


def _fetch(client: WebClient, channel_id: str, ts: str) -> Message | None:
    """The message itself: from the channel's history, or from its thread if it is a reply."""
    history = client.conversations_history(channel=channel_id, latest=ts, inclusive=True, limit=1)
    found = _with_ts(history.get("messages") or [], ts)
    if found is None:
        replies = client.conversations_replies(channel=channel_id, ts=ts, limit=1000)
        found = _with_ts(replies.get("messages") or [], ts)
    return found


def _with_ts(messages: list[dict[str, Any]], ts: str) -> Message | None:
    found = next((m for m in messages if m.get("ts") == ts), None)
    return None if found is None else Message.model_validate(found)

"""The "Declare incident" message shortcut: the declare form, pre-filled from the message.

The form's title is the message's first line and its description the whole text
(``domain/from_message.py``). Its hidden data carries the message's permalink, so the declared
incident links it on its timeline and replies in its thread. A message warroom cannot see (a
private channel or a DM it is not in: ``chat.getPermalink`` answers ``channel_not_found``) still
opens the form, which says that the incident will not link it.
"""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.incidents.domain.from_message import is_ts, prefill, readable
from bot.incidents.slack import blocks
from bot.kernel.slack.payloads import MessageShortcut, request_of

log = logging.getLogger(__name__)

# chat.getPermalink's answers for a message warroom cannot link.
UNLINKABLE = {"channel_not_found", "not_in_channel", "message_not_found"}
CANNOT_SEE = (
    ":lock: warroom cannot see this conversation (a private channel or a direct message it is "
    "not in), so the incident will not link this message and no reply will go to its thread. "
    "The text is copied below; to link it, invite warroom to the channel and run the shortcut "
    "again."
)
OPEN_FAILED = (
    ":warning: warroom could not open the Declare incident form ({error}). Run the shortcut "
    "again, or use `/incident declare <title>`."
)


def register(app: App) -> None:
    @app.shortcut(blocks.DECLARE_FROM_MESSAGE)
    def declare_from_message(
        ack: Ack, context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        request = request_of(context, MessageShortcut)
        channel_id, message = request.channel.id, request.message
        note: str | None = None
        source: blocks.SourceMeta | None = None
        try:
            link = client.chat_getPermalink(channel=channel_id, message_ts=message.ts)
            source = blocks.SourceMeta(
                channel_id=channel_id,
                ts=message.ts,
                author=message.user,
                thread_ts=message.thread_ts if is_ts(message.thread_ts) else None,
                permalink=str(link["permalink"]),
                text=readable(message.text)[: blocks.PRIVATE_METADATA_LIMIT],
            )
        except SlackApiError as error:
            if error.response.get("error") not in UNLINKABLE:
                raise
            note = CANNOT_SEE
        meta = blocks.DeclareMeta(
            channel_id=channel_id, response_url=request.response_url, source=source
        )
        view = blocks.declare_modal(channel_id, prefill(message.text), meta, note)
        try:
            client.views_open(trigger_id=request.trigger_id, view=view)
        except SlackApiError as error:  # e.g. expired_trigger_id: Slack took over 3 s
            log.warning("could not open the declare form: %s", error.response.get("error"))
            code = str(error.response.get("error"))
            respond(text=OPEN_FAILED.format(error=code), response_type="ephemeral")

"""The "Declare incident" message shortcut: the declare form, pre-filled from the message.

The form's title is the message's first line and its description the whole text
(``domain/from_message.py``). Its hidden data carries the message's permalink, so the declared
incident links it on its timeline and replies in its thread. A message warroom cannot see (a
private channel or a DM it is not in: ``chat.getPermalink`` answers ``channel_not_found``) still
opens the form, which says that the incident will not link it. A message from a private
conversation opens it with a warning: a public incident shows the copied text to everyone.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
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
    "again. A public incident shows that text to everyone in the workspace: tick *Private* or "
    "edit the description first."
)
FROM_PRIVATE = (
    ":lock: This message is from a private conversation. A public incident shows its text (on "
    "the timeline, the incident page and the post-mortem) to everyone in the workspace: tick "
    "*Private* or edit the description first."
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
            note = FROM_PRIVATE if _is_private(client, channel_id) else None
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


class _Conversation(BaseModel):
    """What ``conversations.info`` says of who can read a conversation."""

    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False


def _is_private(client: WebClient, channel_id: str) -> bool:
    """Whether only some people can read the conversation; unknown counts as private."""
    try:
        answer = client.conversations_info(channel=channel_id)
    except SlackApiError as error:  # e.g. missing_scope for a DM: warn rather than leak
        log.info("conversations.info %s: %s", channel_id, error.response.get("error"))
        return True
    seen = _Conversation.model_validate(answer.get("channel") or {})
    return seen.is_private or seen.is_im or seen.is_mpim

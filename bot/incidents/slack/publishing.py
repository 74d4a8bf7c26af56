"""The customer-facing half of a status update: chosen in the update modal, previewed, then sent.

Nothing reaches the status page by accident: the update modal's "Publish to the status page?"
must be answered yes, and the text is shown in a preview step ("what the public will see") that
the person confirms with Publish. ``/incident update ... --public ...`` opens the same preview.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ValidationError
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.models.blocks import ContextBlock, DividerBlock, MarkdownTextObject, SectionBlock
from slack_sdk.models.views import View

from bot.incidents.domain import commands as cmd
from bot.incidents.domain.incident import InvalidChange, affected
from bot.incidents.slack.context import USER_ERRORS, SlackContext
from bot.kernel.slack.payloads import BadMetadata, Id, ViewSubmission, metadata, request_of

PREVIEW_CALLBACK = "post_update_preview"
PUBLIC_LIMIT = 1000  # characters of customer-facing text
METADATA_LIMIT = 3000  # Slack's private_metadata
_SPLIT = re.compile(r"[\s,]+")
NOT_A_MEMBER = "Only members of the incident channel can publish its updates; join it first."


class PublishMeta(BaseModel):
    """The preview's ``private_metadata``: exactly what Publish will send."""

    channel_id: Id
    text: str
    public: str
    components: tuple[str, ...]
    statuspage: bool = False


class StatuspageUnavailable(InvalidChange):
    """Statuspage was chosen but cannot take this update (not set up, a component unmapped)."""


def components_of(typed: str | None) -> tuple[str, ...]:
    """``checkout-api, search`` -> the names, lower case, in order, once each."""
    names = [name.lower() for name in _SPLIT.split(typed or "") if name]
    return tuple(dict.fromkeys(names))


def preview(
    ctx: SlackContext,
    channel_id: str,
    text: str,
    public: str,
    typed: tuple[str, ...],
    statuspage: bool = False,
) -> dict[str, Any]:
    """The preview modal; ``InvalidChange`` (worded for the person) for an unknown component,
    no component at all, or texts too long to carry."""
    if len(public) > PUBLIC_LIMIT:
        raise InvalidChange(
            f"the customer-facing text has {len(public)} characters; keep it to {PUBLIC_LIMIT}"
        )
    for name in typed:
        ctx.incidents.check_component(name)
    incident = ctx.incidents.card_view(channel_id).incident
    if incident.private:
        raise InvalidChange(
            f"incident #{incident.number} is private: it is never published on a status page; "
            "post the update without a customer-facing text"
        )
    components = affected(incident, typed)
    problem = ctx.statuspage(components) if statuspage else None
    if problem:
        raise StatuspageUnavailable(problem)
    meta = PublishMeta(
        channel_id=channel_id,
        text=text,
        public=public,
        components=components,
        statuspage=statuspage,
    )
    raw = meta.model_dump_json()
    if len(raw) > METADATA_LIMIT:
        raise InvalidChange(
            "the internal and customer-facing texts are too long together to preview: "
            f"shorten them by {len(raw) - METADATA_LIMIT} characters"
        )
    state = incident.severity.public_state
    shown = "\n".join(f"• *{name}*: {state}" for name in components)
    view = View(
        type="modal",
        callback_id=PREVIEW_CALLBACK,
        title="Preview",
        submit="Publish",
        close="Back",
        private_metadata=raw,
        blocks=[
            SectionBlock(
                block_id="public_heading",
                text=MarkdownTextObject(
                    text=":globe_with_meridians: *This is what the public will see on the "
                    f"status page{' and on Statuspage' if statuspage else ''}*\n{shown}"
                ),
            ),
            SectionBlock(block_id="public_text", text=MarkdownTextObject(text=_quote(public))),
            DividerBlock(),
            SectionBlock(
                block_id="internal_text",
                text=MarkdownTextObject(
                    text=":lock: *Internal update* (incident channel, announcement, followers)\n"
                    + _quote(text)
                ),
            ),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Publish posts both. Back changes them; nothing is sent until then."
                    )
                ]
            ),
        ],
    )
    return view.to_dict()


def _notice(text: str) -> dict[str, Any]:
    """The preview replaced by why nothing was published (a preview has no field to mark)."""
    blocks = [SectionBlock(text=MarkdownTextObject(text=f":warning: {text}"))]
    view = View(type="modal", title="Not published", close="Close", blocks=blocks)
    return view.to_dict()


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def register(app: App, ctx: SlackContext) -> None:
    @app.view(PREVIEW_CALLBACK)
    def publish_confirmed(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        try:
            meta = metadata(PublishMeta, submission.view.private_metadata)
        except (BadMetadata, ValidationError) as error:
            ack(response_action="update", view=_notice(str(error)))
            return
        user_id = submission.user.id
        if not ctx.members.confirms(meta.channel_id, user_id):
            ack(response_action="update", view=_notice(NOT_A_MEMBER))
            return
        ack(response_action="clear")
        command = cmd.PostUpdate(meta.text, meta.public, meta.components, meta.statuspage)
        try:
            ctx.incidents.execute(command, channel_id=meta.channel_id, user=user_id)
        except USER_ERRORS as error:
            client.chat_postEphemeral(
                channel=meta.channel_id, user=user_id, text=f":warning: {error}"
            )

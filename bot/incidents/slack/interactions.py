"""Buttons on the incident card and the declare / status-update modals."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.incidents.domain.incident import InvalidChange, validate_title
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.slack import blocks, publishing
from bot.incidents.slack.context import USER_ERRORS, SlackContext, usage_of
from bot.kernel.slack.payloads import (
    BadMetadata,
    BlockActions,
    ViewSubmission,
    metadata,
    request_of,
)

log = logging.getLogger(__name__)

_TRANSITION_BUTTONS = {
    blocks.ACTION_MITIGATE: Status.MITIGATED,
    blocks.ACTION_RESOLVE: Status.RESOLVED,
    blocks.ACTION_REOPEN: Status.INVESTIGATING,
}
_PUBLISHING = (blocks.PUBLISH_YES, blocks.PUBLISH_WITH_STATUSPAGE)
PUBLISH_UNCHOSEN = (
    "Choose Yes to publish the customer-facing text (after a preview), or clear it to post "
    "internally only."
)
NOT_A_MEMBER = (
    ":no_entry: Only members of this incident channel can change the incident; join it first."
)


def register(app: App, ctx: SlackContext) -> None:
    for action_id, target in _TRANSITION_BUTTONS.items():
        app.action(action_id)(_transition_button(ctx, target))

    @app.action(blocks.ACTION_UPDATE)
    def open_update_modal(ack: Ack, context: BoltContext, client: WebClient) -> None:
        ack()
        click = request_of(context, BlockActions)
        client.views_open(trigger_id=click.trigger_id, view=blocks.update_modal(click.channel_id))

    @app.view(blocks.DECLARE_CALLBACK)
    def declare_submitted(ack: Ack, context: BoltContext) -> None:
        submission = request_of(context, ViewSubmission)
        values = submission.view.values()
        title = values.get("title") or ""
        service = (values.get("service") or "").strip().lower() or None
        try:
            title = validate_title(title)
        except ValueError as error:
            ack(response_action="errors", errors={"title": str(error)[:150]})
            return
        try:
            if service is not None:
                ctx.incidents.check_service(service)
        except InvalidChange as error:
            ack(response_action="errors", errors={"service": str(error)[:150]})
            return
        try:
            severity = Severity.parse(values.get("severity") or "SEV3")
            meta = metadata(blocks.DeclareMeta, submission.view.private_metadata)
        except (ValueError, BadMetadata) as error:
            ack(response_action="errors", errors={"title": str(error)[:150]})
            return
        ack()
        with ctx.metrics.timed("modal-declare"):
            ctx.incidents.declare(
                title=title,
                severity=severity,
                service=service,
                description=(values.get("description") or "").strip(),
                private=blocks.PRIVATE in submission.view.checked("private"),
                declarer=submission.user.id,
                origin_channel_id=meta.channel_id,
                response_url=meta.response_url,
                source=meta.source.to_domain() if meta.source else None,
            )

    @app.view(blocks.UPDATE_CALLBACK)
    def update_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        text = (submission.view.value("text") or "").strip()
        if not text:
            ack(response_action="errors", errors={"text": "Write what changed."})
            return
        try:
            channel_id = metadata(blocks.UpdateMeta, submission.view.private_metadata).channel_id
        except BadMetadata as error:
            ack(response_action="errors", errors={"text": str(error)})
            return
        user_id = submission.user.id
        if not ctx.members.confirms(channel_id, user_id):
            ack(response_action="errors", errors={"text": NOT_A_MEMBER})
            return
        public = (submission.view.value("public") or "").strip()
        if submission.view.value("publish") in _PUBLISHING or public:
            _preview(ctx, ack, submission, channel_id, text, public)
            return
        ack()
        try:
            ctx.incidents.execute(cmd.PostUpdate(text), channel_id=channel_id, user=user_id)
        except USER_ERRORS as error:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=f":warning: {error}")


def _preview(
    ctx: SlackContext, ack: Ack, submission: ViewSubmission, channel_id: str, text: str, public: str
) -> None:
    """Publishing is chosen explicitly and previewed first: a customer-facing text without the
    choice, or the choice without a text, is pointed out; otherwise the preview is pushed."""
    chosen = submission.view.value("publish")
    if chosen not in _PUBLISHING:
        ack(response_action="errors", errors={"publish": PUBLISH_UNCHOSEN})
        return
    if not public:
        ack(response_action="errors", errors={"public": "Write what customers will see."})
        return
    typed = publishing.components_of(submission.view.value("components"))
    statuspage = chosen == blocks.PUBLISH_WITH_STATUSPAGE
    try:
        view = publishing.preview(ctx, channel_id, text, public, typed, statuspage)
    except publishing.StatuspageUnavailable as error:
        ack(response_action="errors", errors={"publish": str(error)[:150]})
        return
    except USER_ERRORS as error:
        field = "components" if "component" in str(error) else "public"
        ack(response_action="errors", errors={field: str(error)[:150]})
        return
    ack(response_action="push", view=view)


def _transition_button(ctx: SlackContext, target: Status) -> Any:
    def on_click(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        channel_id, user_id = click.channel_id, click.user.id
        if not ctx.members.confirms(channel_id, user_id):
            respond(text=NOT_A_MEMBER, response_type="ephemeral", replace_original=False)
            return
        try:
            with ctx.metrics.timed(f"button-{target.value}"):
                command = cmd.Transition(target, "")
                ctx.incidents.execute(command, channel_id=channel_id, user=user_id)
        except USER_ERRORS as error:
            text = blocks.usage_text(str(error), usage_of(error))
            respond(text=text, response_type="ephemeral", replace_original=False)

    on_click.__name__ = f"on_{target.value}_click"
    return on_click

"""Buttons on the incident card and the declare / status-update modals."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import commands as cmd
from bot.domain.incident import InvalidChange, validate_title
from bot.domain.lifecycle import Status
from bot.domain.naming import TitleHasNoWords, channel_name
from bot.domain.severity import Severity
from bot.slack import blocks
from bot.slack.context import USER_ERRORS, SlackContext, is_member, usage_of

log = logging.getLogger(__name__)

_TRANSITION_BUTTONS = {
    blocks.ACTION_MITIGATE: Status.MITIGATED,
    blocks.ACTION_RESOLVE: Status.RESOLVED,
    blocks.ACTION_REOPEN: Status.INVESTIGATING,
}
NOT_A_MEMBER = (
    ":no_entry: Only members of this incident channel can change the incident; join it first."
)


def register(app: App, ctx: SlackContext) -> None:
    for action_id, target in _TRANSITION_BUTTONS.items():
        app.action(action_id)(_transition_button(ctx, target))

    @app.action(blocks.ACTION_UPDATE)
    def open_update_modal(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        channel_id = body["channel"]["id"]
        client.views_open(trigger_id=body["trigger_id"], view=blocks.update_modal(channel_id))

    @app.view(blocks.DECLARE_CALLBACK)
    def declare_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = _values(view)
        title = values.get("title") or ""
        service = (values.get("service") or "").strip().lower() or None
        try:
            title = validate_title(title)
            channel_name(0, title)
        except (ValueError, TitleHasNoWords) as error:
            ack(response_action="errors", errors={"title": str(error)[:150]})
            return
        try:
            if service is not None:
                ctx.incidents.check_service(service)
        except InvalidChange as error:
            ack(response_action="errors", errors={"service": str(error)[:150]})
            return
        ack()
        origin = json.loads(view.get("private_metadata") or "{}").get("channel_id")
        with ctx.timed("modal-declare"):
            ctx.incidents.declare(
                title=title,
                severity=Severity(values.get("severity") or "SEV3"),
                service=service,
                description=(values.get("description") or "").strip(),
                declarer=body["user"]["id"],
                origin_channel_id=origin,
            )

    @app.view(blocks.UPDATE_CALLBACK)
    def update_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        text = (_values(view).get("text") or "").strip()
        if not text:
            ack(response_action="errors", errors={"text": "Write what changed."})
            return
        channel_id = json.loads(view.get("private_metadata") or "{}")["channel_id"]
        user_id = body["user"]["id"]
        if not is_member(client, channel_id, user_id):
            ack(response_action="errors", errors={"text": NOT_A_MEMBER})
            return
        ack()
        try:
            ctx.incidents.execute(cmd.PostUpdate(text), channel_id=channel_id, user=user_id)
        except USER_ERRORS as error:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=f":warning: {error}")


def _transition_button(ctx: SlackContext, target: Status) -> Any:
    def on_click(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        channel_id, user_id = body["channel"]["id"], body["user"]["id"]
        if not is_member(client, channel_id, user_id):
            respond(text=NOT_A_MEMBER, response_type="ephemeral", replace_original=False)
            return
        try:
            with ctx.timed(f"button-{target.value}"):
                command = cmd.Transition(target, "")
                ctx.incidents.execute(command, channel_id=channel_id, user=user_id)
        except USER_ERRORS as error:
            text = blocks.usage_text(str(error), usage_of(error))
            respond(text=text, response_type="ephemeral", replace_original=False)

    on_click.__name__ = f"on_{target.value}_click"
    return on_click


def _values(view: dict[str, Any]) -> dict[str, str | None]:
    """Flatten ``view.state.values`` to ``{block_id: value}`` for our single-input blocks."""
    flat: dict[str, str | None] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for action in actions.values():
            if action.get("type") == "static_select":
                selected = action.get("selected_option") or {}
                flat[block_id] = selected.get("value")
            else:
                flat[block_id] = action.get("value")
    return flat

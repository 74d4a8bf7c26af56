"""Post-mortems in Slack: ``/incident postmortem``, the offer's button, the summary's buttons and
the edit and request-changes modals.

Only members of the incident channel may draft, edit, request changes or approve. Every refusal is
worded for the person and keeps what they typed: a refused edit comes back in the modal (a stale
one with the current text above it), an empty note keeps the modal open.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.domain import commands as cmd
from bot.services.postmortem_review import PostmortemRefused, StaleEdit
from bot.services.postmortems import DraftFailed, PostmortemService
from bot.slack import postmortem_blocks as pm
from bot.slack.context import USER_ERRORS, is_member
from bot.web.postmortem_links import ReviewLinks

NOT_A_MEMBER = (
    ":no_entry: Only members of this incident channel can work on its post-mortem; join it first."
)


class PostmortemSlack:
    """The use cases behind every post-mortem surface in Slack; also the ``/incident
    postmortem`` handler (``SubcommandHandler``)."""

    def __init__(self, service: PostmortemService, links: ReviewLinks, client: WebClient) -> None:
        self.service = service
        self.links = links
        self.client = client

    def handle(self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond) -> None:
        number = self.service.incident_in(channel_id)
        if not is_member(self.client, channel_id, user_id):
            respond(text=NOT_A_MEMBER, response_type="ephemeral")
            return
        self.draft(number, user_id, respond)

    def draft(
        self, number: int, user_id: str, respond: Respond, replace_original: bool | None = None
    ) -> None:
        """Draft or re-draft; a template error is said in the channel, where the team sees it.

        ``replace_original=False`` keeps the message a button was clicked on.
        """
        try:
            drafted = self.service.draft(number, user_id)
        except DraftFailed as error:
            respond(
                text=(
                    f":x: Could not draft the post-mortem: {error}. Nothing was saved; fix the "
                    "template and run `/incident postmortem` again."
                ),
                response_type="in_channel",
                replace_original=replace_original,
            )
            return
        view = self.service.view(number, check=False)
        assert view is not None  # just drafted
        text = pm.drafted_text(drafted, view, self.links.url(number))
        respond(text=text, response_type="ephemeral", replace_original=replace_original)


def register(app: App, slack: PostmortemSlack) -> None:
    service = slack.service

    @app.action(pm.ACTION_DRAFT)
    def draft_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        channel_id, user_id = body["channel"]["id"], body["user"]["id"]
        if not _member(client, channel_id, user_id, respond):
            return
        slack.draft(int(body["actions"][0]["value"]), user_id, respond, replace_original=False)

    @app.action(pm.ACTION_OPEN)
    def open_clicked(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL, and still tells the app

    @app.action(pm.ACTION_EDIT)
    def edit_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        channel_id, user_id = body["channel"]["id"], body["user"]["id"]
        if not _member(client, channel_id, user_id, respond):
            return
        view = service.view(int(body["actions"][0]["value"]), check=False)
        if view is not None:
            client.views_open(trigger_id=body["trigger_id"], view=pm.edit_modal(view, channel_id))

    @app.action(pm.ACTION_PICK_SECTION)
    def section_picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        modal = body["view"]
        meta = json.loads(modal["private_metadata"])
        picked = body["actions"][0]["selected_option"]["value"]
        view = service.view(int(meta["incident"]), check=False)
        if view is not None:
            client.views_update(
                view_id=modal["id"],
                hash=modal["hash"],
                view=pm.edit_modal(view, meta["channel_id"], picked),
            )

    @app.view(pm.EDIT_CALLBACK)
    def edit_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = json.loads(view["private_metadata"])
        number, channel_id, user_id = int(meta["incident"]), meta["channel_id"], body["user"]["id"]
        section_id, version, body_block, text = _edit_values(view)
        if not is_member(client, channel_id, user_id):
            ack(response_action="errors", errors={body_block: NOT_A_MEMBER})
            return
        try:
            edited = service.edit(number, section_id, text, version, user_id)
        except StaleEdit as stale:
            now = service.view(number, check=False)
            assert now is not None
            modal = pm.edit_modal(now, channel_id, section_id, text=stale.text, notice=str(stale))
            ack(response_action="update", view=modal)
            return
        except PostmortemRefused as refused:
            ack(response_action="errors", errors={body_block: str(refused)})
            return
        ack()
        client.chat_postEphemeral(channel=channel_id, user=user_id, text=pm.edited_text(edited))

    @app.action(pm.ACTION_REQUEST_CHANGES)
    def changes_clicked(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        channel_id, user_id = body["channel"]["id"], body["user"]["id"]
        if not _member(client, channel_id, user_id, respond):
            return
        view = service.view(int(body["actions"][0]["value"]), check=False)
        if view is not None:
            modal = pm.changes_modal(view.incident.number, channel_id, view.current.number)
            client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.view(pm.CHANGES_CALLBACK)
    def changes_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        meta = json.loads(view["private_metadata"])
        channel_id, user_id = meta["channel_id"], body["user"]["id"]
        note = (view["state"]["values"].get(pm.NOTE_BLOCK, {}).get("value", {}).get("value")) or ""
        if not is_member(client, channel_id, user_id):
            ack(response_action="errors", errors={pm.NOTE_BLOCK: NOT_A_MEMBER})
            return
        try:
            version = service.request_changes(int(meta["incident"]), user_id, note)
        except PostmortemRefused as refused:
            ack(response_action="errors", errors={pm.NOTE_BLOCK: str(refused)})
            return
        ack()
        client.chat_postEphemeral(
            channel=channel_id,
            user=user_id,
            text=f":memo: You requested changes on version {version}; the authors see your note.",
        )

    @app.action(pm.ACTION_APPROVE)
    def approve_clicked(
        ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        channel_id, user_id = body["channel"]["id"], body["user"]["id"]
        if not _member(client, channel_id, user_id, respond):
            return
        try:
            number = service.incident_in(channel_id)
            approved = service.approve(number, user_id, int(body["actions"][0]["value"]))
        except (*USER_ERRORS, PostmortemRefused) as refused:
            respond(text=f":warning: {refused}", response_type="ephemeral", replace_original=False)
            return
        respond(text=pm.approved_text(approved), response_type="ephemeral", replace_original=False)


def _member(client: WebClient, channel_id: str, user_id: str, respond: Respond) -> bool:
    """Whether the person clicking is in the incident channel; tells them if not."""
    if is_member(client, channel_id, user_id):
        return True
    respond(text=NOT_A_MEMBER, response_type="ephemeral", replace_original=False)
    return False


def _edit_values(view: dict[str, Any]) -> tuple[str, int, str, str]:
    """The section and version the text was loaded from (they name its block: a section picked
    meanwhile has not replaced it yet), the block's id and the text typed in it."""
    values: dict[str, dict[str, Any]] = view["state"]["values"]
    for block_id, actions in values.items():
        if block_id.startswith(pm.BODY_BLOCK + ":"):
            _, section_id, version = block_id.split(":")
            text = actions.get("value", {}).get("value") or ""
            return section_id, int(version), block_id, text
    raise ValueError("the edit modal has no text block")

"""Post-mortems in Slack: ``/incident postmortem``, the offer's button, the summary's buttons and
the edit and request-changes modals.

Only members of the incident channel may draft, edit, request changes or approve. Every refusal is
worded for the person and keeps what they typed: a refused edit comes back in the modal (a stale
one with the current text above it), an empty note keeps the modal open.
"""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.incidents.slack.context import USER_ERRORS, member_or_told
from bot.kernel.slack.members import ChannelMembers
from bot.kernel.slack.payloads import (
    BadMetadata,
    BlockActions,
    View,
    ViewSubmission,
    metadata,
    request_of,
    row_id,
)
from bot.postmortems.review import PostmortemRefused, StaleEdit
from bot.postmortems.service import (
    ApprovalBlocked,
    DraftFailed,
    PostmortemService,
    PostmortemView,
)
from bot.postmortems.slack import blocks as pm
from bot.postmortems.web.links import ReviewLinks

NOT_A_MEMBER = (
    ":no_entry: Only members of this incident channel can work on its post-mortem; join it first."
)


class PostmortemSlack:
    """The use cases behind every post-mortem surface in Slack; also the ``/incident
    postmortem`` handler (``SubcommandHandler``)."""

    def __init__(
        self, service: PostmortemService, links: ReviewLinks, members: ChannelMembers
    ) -> None:
        self.service = service
        self.links = links
        self.members = members  # who may work on a post-mortem: its incident channel's members

    def handle(self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond) -> None:
        number = self.service.incident_in(channel_id)
        if not self.members.confirms(channel_id, user_id):
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
    def draft_clicked(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        if not _member(slack.members, click.channel_id, click.user.id, respond):
            return
        try:
            number = row_id(click.action.chosen)
        except BadMetadata as error:
            respond(text=f":warning: {error}", response_type="ephemeral", replace_original=False)
            return
        slack.draft(number, click.user.id, respond, replace_original=False)

    @app.action(pm.ACTION_OPEN)
    def open_clicked(ack: Ack) -> None:
        ack()  # a link button: Slack opens the URL, and still tells the app

    @app.action(pm.ACTION_EDIT)
    def edit_clicked(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        if not _member(slack.members, click.channel_id, click.user.id, respond):
            return
        view = _postmortem(service, click.action.chosen)
        if view is not None:
            modal = pm.edit_modal(view, click.channel_id)
            client.views_open(trigger_id=click.trigger_id, view=modal)

    @app.action(pm.ACTION_PICK_SECTION)
    def section_picked(ack: Ack, context: BoltContext, client: WebClient) -> None:
        ack()
        click = request_of(context, BlockActions)
        if click.view is None:
            return
        try:
            meta = metadata(pm.ModalMeta, click.view.private_metadata)
        except BadMetadata:
            return  # the modal stays as it is; its Save button re-checks everything
        view = service.view(meta.incident, check=False)
        if view is not None:
            client.views_update(
                view_id=click.view.id,
                hash=click.view.hash,
                view=pm.edit_modal(view, meta.channel_id, click.action.chosen),
            )

    @app.view(pm.EDIT_CALLBACK)
    def edit_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        user_id = submission.user.id
        try:
            meta = metadata(pm.ModalMeta, submission.view.private_metadata)
            section_id, version, body_block, text = _edit_values(submission.view)
            title = submission.view.value(f"{pm.TITLE_BLOCK}:{version}")
        except BadMetadata as error:
            _refuse_form(ack, submission, str(error))
            return
        number, channel_id = meta.incident, meta.channel_id
        if not slack.members.confirms(channel_id, user_id):
            ack(response_action="errors", errors={body_block: NOT_A_MEMBER})
            return
        try:
            edited = service.edit(number, section_id, text, version, user_id, title)
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
        ack: Ack, context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        click = request_of(context, BlockActions)
        if not _member(slack.members, click.channel_id, click.user.id, respond):
            return
        view = _postmortem(service, click.action.chosen)
        if view is not None:
            modal = pm.changes_modal(view.incident.number, click.channel_id, view.current.number)
            client.views_open(trigger_id=click.trigger_id, view=modal)

    @app.view(pm.CHANGES_CALLBACK)
    def changes_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        try:
            meta = metadata(pm.ModalMeta, submission.view.private_metadata)
        except BadMetadata as error:
            ack(response_action="errors", errors={pm.NOTE_BLOCK: str(error)})
            return
        channel_id, user_id = meta.channel_id, submission.user.id
        note = submission.view.value(pm.NOTE_BLOCK) or ""
        if not slack.members.confirms(channel_id, user_id):
            ack(response_action="errors", errors={pm.NOTE_BLOCK: NOT_A_MEMBER})
            return
        try:
            version = service.request_changes(meta.incident, user_id, note)
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
        ack: Ack, context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        ack()
        click = request_of(context, BlockActions)
        channel_id, user_id = click.channel_id, click.user.id
        if not _member(slack.members, channel_id, user_id, respond):
            return
        try:
            number = service.incident_in(channel_id)
            approved = service.approve(number, user_id, row_id(click.action.chosen))
        except ApprovalBlocked:
            # Findings or unfilled sections: the approver may give reasons in a modal.
            view = service.view(number)
            if view is not None:
                modal = pm.approve_modal(view, channel_id)
                client.views_open(trigger_id=click.trigger_id, view=modal)
            return
        except (*USER_ERRORS, PostmortemRefused, BadMetadata) as refused:
            respond(text=f":warning: {refused}", response_type="ephemeral", replace_original=False)
            return
        respond(text=pm.approved_text(approved), response_type="ephemeral", replace_original=False)

    @app.view(pm.APPROVE_CALLBACK)
    def approve_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        user_id = submission.user.id
        try:
            meta = metadata(pm.ApproveMeta, submission.view.private_metadata)
        except BadMetadata as error:
            _refuse_form(ack, submission, str(error))
            return
        if not slack.members.confirms(meta.channel_id, user_id):
            _refuse_form(ack, submission, NOT_A_MEMBER)
            return
        values = submission.view.values()
        waive = {
            block.split(":", 1)[1]: value or ""
            for block, value in values.items()
            if block.startswith(f"{pm.WAIVE_BLOCK}:")
        }
        try:
            approved = service.approve(
                meta.incident,
                user_id,
                meta.version,
                anyway=values.get(pm.ANYWAY_BLOCK),
                waive=waive,
            )
        except PostmortemRefused as refused:
            block = pm.ANYWAY_BLOCK if pm.ANYWAY_BLOCK in values else None
            if block is None:
                _refuse_form(ack, submission, str(refused))
            else:
                ack(response_action="errors", errors={block: str(refused)})
            return
        ack()
        client.chat_postEphemeral(
            channel=meta.channel_id, user=user_id, text=pm.approved_text(approved)
        )


def _member(members: ChannelMembers, channel_id: str, user_id: str, respond: Respond) -> bool:
    return member_or_told(members, channel_id, user_id, respond, NOT_A_MEMBER)


def _postmortem(service: PostmortemService, value: str) -> PostmortemView | None:
    try:
        return service.view(row_id(value), check=False)
    except BadMetadata:
        return None


def _refuse_form(ack: Ack, submission: ViewSubmission, message: str) -> None:
    """Show ``message`` under the form's first field (a form with none just closes)."""
    block = submission.view.first_block()
    if block is None:
        ack()
    else:
        ack(response_action="errors", errors={block: message})


def _edit_values(view: View) -> tuple[str, int, str, str]:
    """The section and version the text was loaded from (they name its block: a section picked
    meanwhile has not replaced it yet), the block's id and the text typed in it."""
    for block_id in view.state.values:
        parts = block_id.split(":")
        if parts[0] == pm.BODY_BLOCK and len(parts) == 3:
            return parts[1], row_id(parts[2]), block_id, view.value(block_id) or ""
    raise BadMetadata("the edit form has no text block; open it again")

"""``/incident playbook [name]``, the checklist's buttons and the playbook modals.

Every listener acks first. Buttons on a checklist or an undo offer work only for members of the
incident channel; others get an ephemeral refusal. Run, Dry run and Run undo open a modal at once
(the trigger id lives 3 s), then read the provider's current state and update the modal with
exactly what would be done. Refusals ("already done by ...") are ephemeral; nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.incidents.slack import blocks
from bot.incidents.slack.context import USER_ERRORS, member_or_told
from bot.kernel.slack.members import ChannelMembers
from bot.kernel.slack.payloads import (
    BadMetadata,
    BlockActions,
    ViewSubmission,
    metadata,
    request_of,
)
from bot.playbooks.actions.base import ActionError
from bot.playbooks.automation import PlaybookRuns, Purpose
from bot.playbooks.domain.run import StepRefused
from bot.playbooks.library import PlaybookUnavailable
from bot.playbooks.service import PlaybookService
from bot.playbooks.slack import blocks as render
from bot.playbooks.slack import modals
from bot.playbooks.steps import PlaybookSteps

# Refusals worded for the person who asked: shown ephemerally, never logged as failures.
REFUSALS = (*USER_ERRORS, PlaybookUnavailable, StepRefused, BadMetadata)
NOT_A_MEMBER = (
    ":no_entry: Only members of this incident channel can work on its playbooks; join it first."
)
Listener = Callable[..., None]


@dataclass(frozen=True)
class Playbooks:
    """The playbook use cases behind the Slack surface."""

    service: PlaybookService
    steps: PlaybookSteps
    runs: PlaybookRuns
    members: ChannelMembers  # who may work on an incident's playbooks: its channel's members


class PlaybookCommands:
    """The ``/incident playbook`` subcommands (``SubcommandHandler``), already acked."""

    def __init__(self, service: PlaybookService) -> None:
        self._service = service

    def handle(self, command: cmd.Command, channel_id: str, user_id: str, respond: Respond) -> None:
        try:
            if isinstance(command, cmd.StartPlaybook):
                self._service.start(channel_id, user_id, command.name)
                return
            found = self._service.applicable(channel_id)
            listing = render.playbook_list(found.playbooks, found.service, found.severity)
            respond(
                text=f"{len(found.playbooks)} playbook(s) for this incident",
                blocks=blocks.to_dicts(listing),
                response_type="ephemeral",
            )
        except PlaybookUnavailable as error:
            respond(text=f":warning: {error.message}", response_type="ephemeral")


def register(app: App, playbooks: Playbooks) -> None:
    app.action(render.ACTION_START)(_start(playbooks.service, playbooks.members))
    for action_id in (
        render.ACTION_DONE,
        render.ACTION_SKIP,
        render.ACTION_RUN,
        render.ACTION_DRY_RUN,
        render.ACTION_UNDO,
    ):
        app.action(action_id)(_button(playbooks, action_id))
    app.action(render.ACTION_MENU)(_menu(playbooks))
    app.view(modals.SKIP_CALLBACK)(_skip_submitted(playbooks.service, playbooks.members))
    app.view(modals.CONFIRM_CALLBACK)(_confirm_submitted(playbooks.runs, playbooks.members))


def _start(service: PlaybookService, members: ChannelMembers) -> Listener:
    def start_clicked(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        channel_id, user_id = click.channel_id, click.user.id
        if not _member(members, channel_id, user_id, respond):
            return
        try:
            service.start(channel_id, user_id, click.action.chosen)
        except REFUSALS as error:
            _refuse(respond, error)

    return start_clicked


@dataclass(frozen=True)
class _Click:
    """A press of a step's button (or menu entry): by whom, where, on which step."""

    channel_id: str
    user_id: str
    trigger_id: str
    run_id: int
    step_id: str

    @classmethod
    def of(cls, click: BlockActions, value: str) -> _Click:
        run_id, step_id = render.parse_step_value(value)
        return cls(click.channel_id, click.user.id, click.trigger_id, run_id, step_id)


def _button(playbooks: Playbooks, action_id: str) -> Listener:
    def clicked(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        request = request_of(context, BlockActions)
        _on_click(playbooks, client, respond, action_id, request, request.action.chosen)

    clicked.__name__ = f"on_{action_id}"
    return clicked


def _menu(playbooks: Playbooks) -> Listener:
    """The compact checklist's overflow menu: an option's value is ``<action_id>|<step value>``."""

    def picked(ack: Ack, context: BoltContext, client: WebClient, respond: Respond) -> None:
        ack()
        request = request_of(context, BlockActions)
        action_id, _, value = request.action.chosen.partition("|")
        _on_click(playbooks, client, respond, action_id, request, value)

    return picked


def _on_click(
    playbooks: Playbooks,
    client: WebClient,
    respond: Respond,
    action_id: str,
    request: BlockActions,
    value: str,
) -> None:
    try:
        click = _Click.of(request, value)
    except ValueError:
        _refuse(respond, BadMetadata("this button's value is damaged; use a fresh checklist"))
        return
    _on_step(playbooks, client, respond, action_id, click)


def _on_step(
    playbooks: Playbooks, client: WebClient, respond: Respond, action_id: str, click: _Click
) -> None:
    if not _member(playbooks.members, click.channel_id, click.user_id, respond):
        return
    try:
        if action_id == render.ACTION_DONE:
            playbooks.service.mark_done(click.run_id, click.step_id, click.user_id)
        elif action_id == render.ACTION_SKIP:
            step = playbooks.steps.step(click.run_id, click.step_id).step
            modal = modals.skip_modal(click.run_id, step, click.channel_id)
            client.views_open(trigger_id=click.trigger_id, view=modal)
        elif action_id == render.ACTION_DRY_RUN:
            _dry_run_in_modal(playbooks, client, click)
        elif action_id in (render.ACTION_RUN, render.ACTION_UNDO):
            purpose: Purpose = "run" if action_id == render.ACTION_RUN else "undo"
            _plan_in_modal(playbooks, client, click, purpose)
    except REFUSALS as error:
        _refuse(respond, error)


def _plan_in_modal(
    playbooks: Playbooks, client: WebClient, click: _Click, purpose: Purpose
) -> None:
    """Refuse at once if the step cannot run; else open a modal, read the state, show the plan.

    A failed read is said in the channel too: the step stays open and nothing was changed.
    """
    view = playbooks.steps.step(click.run_id, click.step_id)
    playbooks.runs.check(view, purpose)
    loading = modals.loading_modal(purpose, view.step)
    opened = client.views_open(trigger_id=click.trigger_id, view=loading)
    try:
        planned = playbooks.runs.plan(click.run_id, click.step_id, purpose)
        shown = modals.confirm_modal(planned, click.channel_id)
    except StepRefused as error:
        shown = modals.problem_modal(purpose, str(error))
    except ActionError as error:
        playbooks.runs.report_unreadable(click.run_id, click.step_id, click.user_id, purpose, error)
        shown = modals.problem_modal(purpose, _reading_failed(error))
    client.views_update(view_id=str(opened["view"]["id"]), view=shown)


def _dry_run_in_modal(playbooks: Playbooks, client: WebClient, click: _Click) -> None:
    view = playbooks.steps.step(click.run_id, click.step_id)
    if view.step.action is None:
        raise StepRefused("This step is manual: there is nothing to dry-run.")
    loading = modals.loading_modal("dry", view.step)
    opened = client.views_open(trigger_id=click.trigger_id, view=loading)
    try:
        shown = modals.dry_run_modal(*playbooks.runs.dry_run(click.run_id, click.step_id))
    except StepRefused as error:
        shown = modals.problem_modal("dry", str(error))
    except ActionError as error:
        shown = modals.problem_modal("dry", _reading_failed(error))
    client.views_update(view_id=str(opened["view"]["id"]), view=shown)


def _reading_failed(error: ActionError) -> str:
    return f"Could not read the current state, so nothing was changed: {error.message}"


def _skip_submitted(service: PlaybookService, members: ChannelMembers) -> Listener:
    def skip_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        reason = (submission.view.value("reason") or "").strip()
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why: it goes on the timeline."})
            return
        try:
            meta = metadata(modals.SkipMeta, submission.view.private_metadata)
        except BadMetadata as error:
            ack(response_action="errors", errors={"reason": str(error)})
            return
        ack()
        channel_id, user_id = meta.channel, submission.user.id
        if not members.confirms(channel_id, user_id):
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=NOT_A_MEMBER)
            return
        try:
            service.skip(meta.run, meta.step, user_id, reason)
        except REFUSALS as error:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=f":warning: {error}")

    return skip_submitted


def _confirm_submitted(runs: PlaybookRuns, members: ChannelMembers) -> Listener:
    def confirm_submitted(ack: Ack, context: BoltContext, client: WebClient) -> None:
        submission = request_of(context, ViewSubmission)
        try:
            meta = metadata(modals.ConfirmMeta, submission.view.private_metadata)
        except BadMetadata as error:
            ack(response_action="push", view=modals.problem_modal("run", str(error)))
            return
        ack()
        channel_id, user_id = meta.channel, submission.user.id
        if not members.confirms(channel_id, user_id):
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=NOT_A_MEMBER)
            return
        try:
            runs.confirm(meta.run, meta.step, meta.purpose, meta.token, meta.attempt, user_id)
        except REFUSALS as error:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=f":warning: {error}")

    return confirm_submitted


def _member(members: ChannelMembers, channel_id: str, user_id: str, respond: Respond) -> bool:
    return member_or_told(members, channel_id, user_id, respond, NOT_A_MEMBER)


def _refuse(respond: Respond, error: Exception) -> None:
    message = error.message if isinstance(error, PlaybookUnavailable) else str(error)
    respond(text=f":warning: {message}", response_type="ephemeral", replace_original=False)

"""The ``/incident`` slash command: ack within Slack's 3 s, then do the work and answer."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.incidents.domain import commands as cmd
from bot.incidents.domain.incident import Incident, InvalidChange
from bot.incidents.service import CardView, IncidentView
from bot.incidents.slack import blocks, publishing
from bot.incidents.slack.context import USER_ERRORS, SlackContext, usage_of
from bot.kernel.slack.members import ChannelMembers
from bot.kernel.slack.payloads import SlashCommand, request_of

log = logging.getLogger(__name__)


_READS = (
    cmd.ShowHelp,
    cmd.OpenDeclareModal,
    cmd.ShowStatus,
    cmd.ShowTimeline,
    cmd.ListPlaybooks,
    cmd.ListFollowups,
)


def changes_state(text: str) -> bool:
    """Whether ``/incident <text>`` changes anything (and so is recorded before its answer)."""
    try:
        command = cmd.parse(text)
    except cmd.CommandError:
        return False
    return not isinstance(command, _READS) and not _opens_preview(command)


def _opens_preview(command: cmd.Command) -> bool:
    """``update ... --public ...`` only opens the preview; Publish there changes the incident."""
    return isinstance(command, cmd.PostUpdate) and command.public is not None


def register(app: App, ctx: SlackContext) -> None:
    @app.command("/incident")
    def incident_command(
        ack: Ack, context: BoltContext, client: WebClient, respond: Respond
    ) -> None:
        request = request_of(context, SlashCommand)
        text = request.text
        verb = text.split()[0].lower() if text.split() else "modal"
        with ctx.metrics.timed(verb if verb in cmd.USAGES or verb == "modal" else "unknown"):
            try:
                command = cmd.parse(text)
            except cmd.CommandError as error:
                ack(text=blocks.usage_text(error.message, error.usage))
                return
            _run(ctx, command, ack, request, client, respond)


def _run(
    ctx: SlackContext,
    command: cmd.Command,
    ack: Ack,
    request: SlashCommand,
    client: WebClient,
    respond: Respond,
) -> None:
    channel_id, user_id = request.channel_id, request.user_id
    if isinstance(command, cmd.ShowHelp):
        ack(text="warroom commands", blocks=blocks.to_dicts(blocks.help_blocks()))
        return
    if isinstance(command, cmd.OpenDeclareModal):
        ack()
        client.views_open(trigger_id=request.trigger_id, view=blocks.declare_modal(channel_id))
        return
    if isinstance(command, cmd.ShowStatus | cmd.ShowTimeline):
        _answer_read(ctx, command, ack, request)
        return
    ack()
    try:
        if isinstance(command, cmd.PostUpdate) and command.public is not None:
            modal = publishing.preview(ctx, channel_id, command.text, command.public, ())
            client.views_open(trigger_id=request.trigger_id, view=modal)
        elif isinstance(command, cmd.Declare):
            ctx.incidents.declare(
                title=command.title,
                severity=command.severity,
                service=command.service,
                private=command.private,
                declarer=user_id,
                origin_channel_id=channel_id,
                response_url=request.response_url,
            )
            if command.service is not None:
                _tell_maintenance(ctx, command.service, respond)
        elif handler := ctx.subcommands.get(type(command)):
            if (number := cmd.named_number(command)) is not None:
                _card(ctx, number, channel_id, user_id)  # refuses a private one
            handler.handle(command, channel_id, user_id, respond)
        elif isinstance(command, cmd.ListPlaybooks | cmd.StartPlaybook | cmd.DraftPostmortem):
            respond(text="This warroom is not set up for that yet.", response_type="ephemeral")
        else:
            ctx.incidents.execute(command, channel_id=channel_id, user=user_id)
    except USER_ERRORS as error:
        respond(text=blocks.usage_text(str(error), usage_of(error)), response_type="ephemeral")


def _answer_read(
    ctx: SlackContext, command: cmd.ShowStatus | cmd.ShowTimeline, ack: Ack, request: SlashCommand
) -> None:
    """Status and timeline are answered in the ack itself: one Slack round trip fewer than a
    ``response_url`` answer, and nothing left to do after it. A read slower than Slack's
    deadline still arrives: the edge sends it through ``response_url`` (``_Handoff``)."""
    channel_id, user_id = request.channel_id, request.user_id
    try:
        if isinstance(command, cmd.ShowStatus):
            view = _card(ctx, command.number, channel_id, user_id)
            ack(
                text=blocks.title_line(view.incident),
                blocks=blocks.to_dicts(blocks.status(view, ctx.people)),
            )
        else:
            full = _view(ctx, command.number, channel_id, user_id)
            ack(
                text=f"Timeline of incident #{full.incident.number}",
                blocks=blocks.to_dicts(blocks.timeline(full.incident, full.timeline, ctx.people)),
            )
    except USER_ERRORS as error:
        ack(text=blocks.usage_text(str(error), usage_of(error)))


def _view(ctx: SlackContext, number: int | None, channel_id: str, user_id: str) -> IncidentView:
    """The incident a command names by number (else this channel's), with its whole timeline.
    A private incident is shown, and acted on, only for members of its channel."""
    if number is None:
        return ctx.incidents.view(channel_id)
    view = ctx.incidents.view_by_number(number)
    if view is None:
        raise InvalidChange(f"incident #{number} does not exist")
    _refuse_private(ctx.members, view.incident, view.channel_id, channel_id, user_id)
    return view


def _card(ctx: SlackContext, number: int | None, channel_id: str, user_id: str) -> CardView:
    """``_view`` as the card shows it (reads a few timeline events, not all)."""
    if number is None:
        return ctx.incidents.card_view(channel_id)
    view = ctx.incidents.card_view_by_number(number)
    if view is None:
        raise InvalidChange(f"incident #{number} does not exist")
    _refuse_private(ctx.members, view.incident, view.channel_id, channel_id, user_id)
    return view


def _refuse_private(
    members: ChannelMembers, incident: Incident, home: str | None, channel_id: str, user_id: str
) -> None:
    """Refuses a private incident named from outside its channel (``home``) to a non-member."""
    if not incident.private or home == channel_id:
        return
    if not (home and members.confirms(home, user_id)):
        raise InvalidChange(
            f"incident #{incident.number} is private: only members of its channel can see or "
            "act on it"
        )


def _tell_maintenance(ctx: SlackContext, service: str, respond: Respond) -> None:
    """A declaration during a maintenance window still opens and pages; say why alerts did not."""
    window = ctx.incidents.maintenance_of(service)
    if window is None:
        return
    respond(
        text=f":construction: {window.in_maintenance}: its alerts page nobody and open no "
        "incident, but this incident is declared and paged as usual.",
        response_type="ephemeral",
    )

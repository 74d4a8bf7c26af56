"""The announcement post's buttons: Join asks warroom to invite the presser into the incident
channel (a durable invite, on the timeline); the click is recorded by the Slack edge first."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from bot.announcements.domain import ACTION_JOIN
from bot.incidents.service import IncidentService
from bot.kernel.slack.payloads import BadMetadata, BlockActions, request_of, row_id

JOIN_REASON = "pressed Join on the announcement"


def register(app: App, incidents: IncidentService) -> None:
    @app.action(ACTION_JOIN)
    def join(ack: Ack, context: BoltContext, respond: Respond) -> None:
        ack()
        click = request_of(context, BlockActions)
        try:
            number = row_id(click.action.chosen)
            channel = incidents.invite(number, click.user.id, JOIN_REASON)
        except (BadMetadata, LookupError) as error:
            respond(text=f":warning: {error}", replace_original=False, response_type="ephemeral")
            return
        where = f"<#{channel}>" if channel else f"incident #{number}'s channel (being created)"
        respond(text=f"Adding you to {where}.", replace_original=False, response_type="ephemeral")

"""What incidents plug into the running bot: ``/incident``, its modals and buttons, the
channel's timeline capture, and the timers that provision the channel and keep its card."""

from __future__ import annotations

from slack_bolt import App

from bot.config.live import LiveConfig
from bot.incidents.domain.call_link import BadCallTemplate, CallLink
from bot.incidents.service import IncidentService
from bot.incidents.slack import (
    blocks,
    commands,
    from_message,
    interactions,
    publishing,
    timeline_capture,
)
from bot.incidents.slack.context import (
    SlackContext,
    StatuspageCheck,
    Subcommands,
    statuspage_not_set_up,
)
from bot.incidents.slack.people import People
from bot.incidents.slack.provisioning import IncidentEffects
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel, MissingSetting
from bot.kernel.settings import Settings


def build(
    kernel: Kernel,
    incidents: IncidentService,
    subcommands: Subcommands,
    config: LiveConfig,
    statuspage: StatuspageCheck = statuspage_not_set_up,
) -> Feature:
    """``subcommands``: the ``/incident`` subcommands other features handle; ``statuspage``:
    whether an update may also go to Atlassian Statuspage (``bot/statuspage``)."""
    people = People(config, kernel.directory)
    ctx = SlackContext(incidents, kernel.metrics, kernel.members, subcommands, people, statuspage)

    def listeners(app: App) -> None:
        commands.register(app, ctx)
        interactions.register(app, ctx)
        publishing.register(app, ctx)
        timeline_capture.register(app, ctx)
        from_message.register(app)

    return Feature(
        "incidents",
        timers=[
            IncidentEffects(incidents, kernel.client, kernel.bot_user_id, kernel.clock, people)
        ],
        listeners=listeners,
        slash_commands={"/incident": commands.changes_state},
        # Buttons and shortcuts that only open a form: nothing to record.
        read_only_actions=frozenset({blocks.ACTION_UPDATE, blocks.DECLARE_FROM_MESSAGE}),
    )


def call_link(settings: Settings) -> CallLink | None:
    """``INCIDENT_CALL_URL_TEMPLATE`` checked; a bad one stops the start with what is wrong."""
    if not settings.incident_call_url_template:
        return None
    try:
        return CallLink.parse(settings.incident_call_url_template)
    except BadCallTemplate as error:
        raise MissingSetting(str(error)) from error

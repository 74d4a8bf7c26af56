"""What on-call plugs into the running bot: ``/oncall``, the handoff reminders and digests
(planned again whenever the config changes), user group syncs, cover requests and their buttons,
and the calendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from slack_bolt import App
from starlette.routing import Route

from bot.config.live import LiveConfig
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.oncall.cover import CoverService
from bot.oncall.reminders import OnCallReminders
from bot.oncall.service import OnCallService
from bot.oncall.slack import command, cover
from bot.oncall.slack.blocks import Names
from bot.oncall.slack.cover import CoverEffects
from bot.oncall.slack.handlers import OnCallEffects
from bot.oncall.slack.usergroups import UserGroupEffects
from bot.oncall.web.ical import CalendarFeeds, feed_endpoint


@dataclass(frozen=True)
class OnCall:
    service: OnCallService
    reminders: OnCallReminders
    feature: Feature


def build(kernel: Kernel, config: LiveConfig) -> OnCall:
    settings, sessions, clock = kernel.settings, kernel.sessions, kernel.clock
    feeds = CalendarFeeds(settings.public_url, settings.ical_secret)
    handoff_lead = timedelta(minutes=settings.handoff_reminder_minutes)
    service = OnCallService(
        sessions, clock, config, kernel.directory, kernel.wake, handoff_lead, feeds.url
    )
    reminders = OnCallReminders(service, sessions, clock, kernel.wake)
    covers = CoverService(service, sessions, clock, kernel.wake)
    config.subscribe(lambda _: reminders.seed())

    def listeners(app: App) -> None:
        command.register(app, service, covers, kernel.metrics)
        cover.register(app, covers, lambda: Names(service.config, service.directory))

    feature = Feature(
        "oncall",
        timers=[
            OnCallEffects(service, reminders, kernel.client, clock),
            UserGroupEffects(service, reminders, kernel.client, clock),
            CoverEffects(covers, reminders, kernel.client, clock),
        ],
        listeners=listeners,
        slash_commands={"/oncall": command.changes_state},
        routes=[Route("/oncall/{schedule}.ics", feed_endpoint(service, feeds))],
        seed=[reminders.seed],
    )
    return OnCall(service, reminders, feature)

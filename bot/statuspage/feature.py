"""What the status page plugs into the running bot: its three public routes, and the
Atlassian Statuspage sync (a change hook planning durable timers, and their handler)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.incidents.slack.context import StatuspageCheck
from bot.kernel.feature import Feature
from bot.kernel.http.sender import HttpSender
from bot.kernel.runtime import Kernel
from bot.statuspage.service import StatusPages
from bot.statuspage.sync import StatuspageEffects, StatuspagePlans, check
from bot.statuspage.web.routes import status_routes


@dataclass(frozen=True)
class StatusPage:
    feature: Feature
    check: StatuspageCheck  # for the update modal: may this update go to Statuspage too?


def build(kernel: Kernel, config: LiveConfig, incidents: IncidentService) -> StatusPage:
    settings = kernel.settings
    pages = StatusPages(incidents, config, kernel.clock)
    incidents.add_change_hook(StatuspagePlans(settings).on_change)
    sender = HttpSender(logging.getLogger("bot.statuspage"))
    effects = StatuspageEffects(settings, sender, incidents, kernel.client)
    feature = Feature(
        "statuspage", timers=[effects], routes=status_routes(pages), close=[sender.close]
    )
    return StatusPage(feature, check(settings))

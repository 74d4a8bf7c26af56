"""What the status page plugs into the running bot: its three public routes."""

from __future__ import annotations

from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel
from bot.statuspage.service import StatusPages
from bot.statuspage.web.routes import status_routes


def build(kernel: Kernel, config: LiveConfig, incidents: IncidentService) -> Feature:
    pages = StatusPages(incidents, config, kernel.clock)
    return Feature("statuspage", routes=status_routes(pages))

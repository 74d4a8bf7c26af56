"""What the clock histograms plug into the running bot: a hook on every incident change and a
reader of ``/metrics`` families."""

from __future__ import annotations

from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.insights.clocks.histograms import Reader, record
from bot.kernel.feature import Feature


def build(incidents: IncidentService, config: LiveConfig) -> Feature:
    incidents.add_change_hook(record)
    services = Reader(lambda: (service.name for service in config().services))
    return Feature("incident-clock-histograms", metrics=[services])

"""What the clock histograms plug into the running bot: a hook on every incident change and a
reader of ``/metrics`` families."""

from __future__ import annotations

from bot.incidents.service import IncidentService
from bot.insights.clocks.histograms import read, record
from bot.kernel.feature import Feature


def build(incidents: IncidentService) -> Feature:
    incidents.add_change_hook(record)
    return Feature("incident-clock-histograms", metrics=[read])

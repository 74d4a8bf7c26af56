"""What heartbeat monitors plug into the running bot: the beat webhook and the timers that
declare an incident when a monitor goes silent and note when it beats again."""

from __future__ import annotations

from bot.config.live import LiveConfig
from bot.heartbeats.config import LiveMonitors
from bot.heartbeats.service import Heartbeats
from bot.heartbeats.web.beats import beat_routes
from bot.incidents.service import IncidentService
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel


def build(kernel: Kernel, config: LiveConfig, incidents: IncidentService) -> Feature:
    settings = kernel.settings
    monitors = LiveMonitors(settings.config_dir, config, settings.config_reload_seconds)
    heartbeats = Heartbeats(kernel.sessions, kernel.clock, monitors, incidents, kernel.wake)
    token = settings.heartbeats_token.get_secret_value() if settings.heartbeats_token else None
    return Feature("heartbeats", timers=[heartbeats], routes=beat_routes(heartbeats, token))

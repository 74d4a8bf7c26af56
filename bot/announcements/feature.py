"""What announcements plug into the running bot: the incident change hook that plans the posts,
the timer that posts and edits them, and the announcement's Join button."""

from __future__ import annotations

from slack_bolt import App

from bot.announcements.config import LiveAnnouncing
from bot.announcements.service import Announcements
from bot.announcements.slack import listeners
from bot.announcements.slack.handlers import AnnouncementEffects
from bot.config.live import LiveConfig
from bot.incidents.service import IncidentService
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel


def build(kernel: Kernel, config: LiveConfig, incidents: IncidentService) -> Feature:
    settings = kernel.settings
    announcing = LiveAnnouncing(settings.config_dir, config, settings.config_reload_seconds)
    announcements = Announcements(kernel.sessions, announcing)
    incidents.add_change_hook(announcements.on_change)

    def register(app: App) -> None:
        listeners.register(app, incidents)

    effects = AnnouncementEffects(announcements, incidents, kernel.client, kernel.clock)
    return Feature("announcements", timers=[effects], listeners=register)

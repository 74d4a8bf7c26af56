"""What announcements plug into the running bot: the incident change hooks that plan the posts
and the followers' DMs, the timers that make them, the announcement's Join and Follow buttons,
and ``/incident follow`` / ``unfollow`` (subcommands handed over by incidents)."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt import App

from bot.announcements.config import LiveAnnouncing
from bot.announcements.followers import Followers
from bot.announcements.service import Announcements
from bot.announcements.slack import followers as follower_slack
from bot.announcements.slack import listeners
from bot.announcements.slack.handlers import AnnouncementEffects
from bot.config.live import LiveConfig
from bot.incidents.domain import commands as cmd
from bot.incidents.service import IncidentService
from bot.incidents.slack.context import Subcommands
from bot.kernel.feature import Feature
from bot.kernel.runtime import Kernel


@dataclass(frozen=True)
class Comms:
    feature: Feature
    subcommands: Subcommands


def build(kernel: Kernel, config: LiveConfig, incidents: IncidentService) -> Comms:
    settings = kernel.settings
    announcing = LiveAnnouncing(settings.config_dir, config, settings.config_reload_seconds)
    announcements = Announcements(kernel.sessions, announcing)
    followers = Followers(kernel.sessions, kernel.clock, announcing)
    incidents.add_change_hook(announcements.on_change)
    incidents.add_change_hook(followers.on_change)

    def register(app: App) -> None:
        listeners.register(app, incidents)
        follower_slack.register(app, followers)

    effects = AnnouncementEffects(announcements, incidents, kernel.client, kernel.clock)
    dms = follower_slack.FollowerEffects(followers, incidents, kernel.client, kernel.clock)
    follow = follower_slack.FollowCommands(followers, incidents)
    feature = Feature("announcements", timers=[effects, dms], listeners=register)
    return Comms(feature, {cmd.Follow: follow, cmd.Unfollow: follow})

"""Credentials the config names but the environment does not hold, found before anyone is paged.

Each extra notification channel in ``users.yaml`` names the setting that holds its credential;
a missing one would make every page to that person over that channel fail. ``warroom config
check`` and the start of ``warroom serve`` report each one once; the Slack DM still goes out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.config.model import (
    Config,
    NotificationChannel,
    OpsgenieChannel,
    PagerDutyChannel,
    WebhookChannel,
)


@dataclass(frozen=True)
class MissingCredential:
    user: str
    channel: str
    setting: str

    def __str__(self) -> str:
        return (
            f"users.yaml: {self.user}: notify.{self.channel}: the setting {self.setting} is not "
            f"set here, so pages to {self.user} over {self.channel} will fail (the Slack DM "
            "still goes out); set it in the environment"
        )


def missing_credentials(
    config: Config, lookup: Callable[[str], str | None]
) -> list[MissingCredential]:
    missing: list[MissingCredential] = []
    for user in config.users:
        for channel in user.channels:
            name, setting = _credential(channel)
            value = lookup(setting)
            if value is None or not value.strip():
                missing.append(MissingCredential(user.name, name, setting))
    return missing


def _credential(channel: NotificationChannel) -> tuple[str, str]:
    match channel:
        case PagerDutyChannel(routing_key_setting=setting):
            return "pagerduty", setting
        case OpsgenieChannel(api_key_setting=setting):
            return "opsgenie", setting
        case WebhookChannel(secret_setting=setting):
            return "webhook", setting

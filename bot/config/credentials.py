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
    SmsChannel,
    VoiceChannel,
    WebhookChannel,
)

# Twilio's account is one for everyone (settings), unlike the per-person pager keys.
TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")


@dataclass(frozen=True)
class MissingCredential:
    user: str
    channel: str
    setting: str

    def __str__(self) -> str:
        what = (
            f"the settings {self.setting} are"
            if ", " in self.setting
            else f"the setting {self.setting} is"
        )
        return (
            f"users.yaml: {self.user}: notify.{self.channel}: {what} not "
            f"set here, so pages to {self.user} over {self.channel} will fail (the Slack DM "
            "still goes out); set it in the environment"
        )


def missing_credentials(
    config: Config, lookup: Callable[[str], str | None]
) -> list[MissingCredential]:
    missing: list[MissingCredential] = []
    for user in config.users:
        for channel in user.channels:
            name, settings = _credential(channel)
            unset = [s for s in settings if not (lookup(s) or "").strip()]
            if unset:
                missing.append(MissingCredential(user.name, name, ", ".join(unset)))
    return missing


def _credential(channel: NotificationChannel) -> tuple[str, tuple[str, ...]]:
    match channel:
        case SmsChannel():
            return "sms", TWILIO_SETTINGS
        case VoiceChannel():
            return "voice", TWILIO_SETTINGS
        case PagerDutyChannel(routing_key_setting=setting):
            return "pagerduty", (setting,)
        case OpsgenieChannel(api_key_setting=setting):
            return "opsgenie", (setting,)
        case WebhookChannel(secret_setting=setting):
            return "webhook", (setting,)

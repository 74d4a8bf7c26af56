"""Credentials the config names but the environment does not hold, found before anyone is paged.

Each extra notification channel in ``users.yaml`` names the setting that holds its credential;
a missing one would make every page to that person over that channel fail. ``warroom config
check`` and the start of ``warroom serve`` report each one once; the Slack DM still goes out.
"""

from __future__ import annotations

import os
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
from bot.kernel.settings import Settings

# Twilio's account is one for everyone (settings), unlike the per-person pager keys.
TWILIO_SETTINGS = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")

Lookup = Callable[[str], str | None]


@dataclass(frozen=True)
class MissingCredential:
    """Settings a channel needs and lacks; ``users``: everyone paged over it (one warning for
    Twilio's shared account, not one per person and channel)."""

    users: tuple[str, ...]
    channel: str
    setting: str

    def __str__(self) -> str:
        what = (
            f"the settings {self.setting} are"
            if ", " in self.setting
            else f"the setting {self.setting} is"
        )
        who = ", ".join(self.users)
        return (
            f"users.yaml: {who}: notify.{self.channel}: {what} not "
            f"set here, so pages to {who} over {self.channel} will fail (the Slack DM "
            "still goes out); set it in the environment"
        )


def credential_lookup(settings: Settings) -> Lookup:
    """The environment, and for Twilio's account the values the settings read (which include
    ``.env``), so the check sees what the notifiers will use."""
    token = settings.twilio_auth_token
    twilio = {
        "TWILIO_ACCOUNT_SID": settings.twilio_account_sid,
        "TWILIO_AUTH_TOKEN": token.get_secret_value() if token else None,
        "TWILIO_FROM_NUMBER": settings.twilio_from_number,
    }
    return lambda name: twilio[name] if name in twilio else os.environ.get(name)


def missing_credentials(config: Config, lookup: Lookup) -> list[MissingCredential]:
    missing: list[MissingCredential] = []
    shared: dict[tuple[str, str], list[str]] = {}  # (channel, settings) -> people
    for user in config.users:
        for channel in user.channels:
            name, settings = _credential(channel)
            unset = ", ".join(s for s in settings if not (lookup(s) or "").strip())
            if not unset:
                continue
            if settings == TWILIO_SETTINGS:
                shared.setdefault((name, unset), []).append(user.name)
            else:
                missing.append(MissingCredential((user.name,), name, unset))
    missing += [MissingCredential(tuple(people), c, s) for (c, s), people in shared.items()]
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


# The settings each issue tracker of postmortems/config.yaml ``followups`` needs.
TRACKER_SETTINGS = {
    "github": ("GITHUB_TOKEN",),
    "linear": ("LINEAR_API_KEY",),
    "jira": ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"),
}


def missing_tracker_credentials(
    trackers: list[tuple[str, str, str]], settings: Settings
) -> list[str]:
    """``trackers``: (where in the config, kind, target) per follow-up target; one warning per
    tracker whose settings are unset (the action items would fail to export)."""
    values = settings.model_dump()
    warned: dict[str, list[str]] = {}
    for where, kind, target in trackers:
        unset = [s for s in TRACKER_SETTINGS.get(kind, ()) if not values.get(s.lower())]
        if unset:
            warned.setdefault(", ".join(unset), []).append(f"{where} ({kind} {target})")
    return [
        f"{', '.join(places)}: {names} not set, so action items exported there will fail; "
        "set it in the environment"
        for names, places in warned.items()
    ]

"""Display names for post-mortems: the people in ``users.yaml`` by Slack id and by email."""

from __future__ import annotations

from bot.config.model import Config


def display_names(config: Config) -> dict[str, str]:
    names: dict[str, str] = {}
    for user in config.users:
        if user.email:
            names[user.email.lower()] = user.name
        if user.slack_id:
            names[user.slack_id] = user.name
    return names

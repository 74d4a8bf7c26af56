"""People that paging names by their config reference, as the incident's messages show them.

Schedules and policies name people by Slack id or, for people configured by email only, by
email. Messages show a mention when Slack knows the person (an id as it is, an email through the
directory's cached ``users.lookupByEmail``), else the name from users.yaml, and the bare
reference only when nobody by that reference is configured.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.config.model import Config
from bot.kernel.slack.directory import SlackDirectory


class People:
    def __init__(self, config: Callable[[], Config], directory: SlackDirectory) -> None:
        self._config = config
        self._directory = directory

    def __call__(self, ref: str) -> str:
        slack_id = self._directory.slack_id(ref)
        if slack_id:
            return f"<@{slack_id}>"
        user = self._config().user(ref)
        return user.name if user is not None else ref

"""Config as code: the YAML folder of users, schedules, escalation policies and services.

Map of the package:

- ``loader``: ``load_config(folder) -> Config`` (raises ``SourceErrors`` with every error) and
  ``check_config(folder) -> list[SourceError]``.
- ``model``: the ``Config`` value and its lookups; ``User``, ``Service``, notification channels.
- ``files``: which files, their YAML and top-level shape; ``schema``: the pydantic shape of items.
- ``users``, ``schedules``, ``policies``, ``services``, ``names``: the checks beyond types
  (references, duplicates, time zones, rotations, windows, delays), each building its values.
- ``report``/``hints``: errors with file, line, field and a how-to-fix hint.

The format is documented with a full example in ``config/README.md``. Nothing here knows Slack.
"""

from bot.config.loader import check_config, load_config
from bot.config.model import (
    Config,
    NotificationChannel,
    OpsgenieChannel,
    PagerDutyChannel,
    Service,
    SmsChannel,
    User,
    VoiceChannel,
    WebhookChannel,
)

__all__ = [
    "Config",
    "NotificationChannel",
    "OpsgenieChannel",
    "PagerDutyChannel",
    "Service",
    "SmsChannel",
    "User",
    "VoiceChannel",
    "WebhookChannel",
    "check_config",
    "load_config",
]

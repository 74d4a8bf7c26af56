"""Reading a credential from the setting a channel names.

A channel in the config names a *setting* (``PAGERDUTY_KEY_ALICE``); the value is looked up when
the notification is sent, so a rotated secret is used at once and a missing one is reported as
a permanent :class:`DeliveryFailed` that names the setting, never a value.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.paging.notify.errors import DeliveryFailed

SecretLookup = Callable[[str], str | None]
"""Looks a setting up by name (e.g. ``os.environ.get``); ``None`` or ``""`` when unset."""


def require_secret(
    secrets: SecretLookup, setting: str, what: str, provider: str, action: str
) -> str:
    """The value of ``setting`` (``what`` names it for people, e.g. "PagerDuty routing key")."""
    value = secrets(setting)
    if value is None or not value.strip():
        raise DeliveryFailed(
            provider,
            action,
            f"the setting {setting} is not set (it should hold the {what})",
            permanent=True,
        )
    return value.strip()

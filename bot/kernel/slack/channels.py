"""Channels given in the config by ``#name`` or by id, as the id Slack's methods need."""

from __future__ import annotations

import re

from slack_sdk import WebClient

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")


def channel_id(client: WebClient, channel: str) -> str | None:
    """The id of ``channel`` (``#name``, ``name`` or an id); None when no public channel has
    that name. An id is taken as it is, without a call."""
    if CHANNEL_ID.match(channel):
        return channel
    name = channel.removeprefix("#")
    for page in client.conversations_list(
        types="public_channel", exclude_archived=True, limit=1000
    ):
        for found in page.get("channels", []):
            if found.get("name") == name:
                return str(found["id"])
    return None

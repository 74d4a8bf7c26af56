"""Messages that carry their idempotency key in Slack message metadata.

``chat.postMessage`` has no idempotency key, so a replica killed after Slack accepted a message but
before it recorded that fact would post it again on retry. Marked messages make that retry safe:
the key rides in the message's metadata, and before posting, the channel's history since the
effect was planned is searched for it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient

EVENT_TYPE = "warroom_effect"
# Slack's clock and ours may disagree; a margin keeps the search from starting too late.
CLOCK_SKEW_SECONDS = 600


def metadata(key: str) -> dict[str, Any]:
    return {"event_type": EVENT_TYPE, "event_payload": {"key": key}}


def find(client: WebClient, channel: str, key: str, since: datetime) -> str | None:
    """The ts of a message in ``channel`` marked with ``key``, posted after ``since``.

    Every page of history is read: in a storm the channel (a person's DM with the bot) may have
    had more than a page of other messages between the crash and this retry.
    """
    oldest = f"{since.timestamp() - CLOCK_SKEW_SECONDS:.6f}"
    cursor: str | None = None
    while True:
        history = client.conversations_history(
            channel=channel, oldest=oldest, limit=200, cursor=cursor, include_all_metadata=True
        )
        for message in history.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == key:
                return str(message["ts"])
        cursor = (history.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None

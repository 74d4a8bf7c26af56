"""Kinds and keys of the durable timers that carry the incident's side effects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

PROVISION = "incident.provision"  # create the channel, invite, topic, pin the card
CARD = "incident.card"  # refresh the pinned card and the topic (coalesced: one key per incident)
ANNOUNCE = "incident.announce"  # post one timeline event in the channel
INVITE = "incident.invite"  # invite someone who got a role
STATUS_REMINDER = "incident.status_reminder"
SOURCE_REPLY = "incident.source_reply"  # answer the message it was declared from, in its thread


def provision_key(number: int) -> str:
    return f"incident:{number}:provision"


def card_key(number: int) -> str:
    return f"incident:{number}:card"


def announce_key(number: int, event_id: int) -> str:
    return f"incident:{number}:announce:{event_id}"


def invite_key(number: int, user: str) -> str:
    return f"incident:{number}:invite:{user}"


def source_reply_key(number: int) -> str:
    return f"incident:{number}:source-reply"


def reminder_key(number: int) -> str:
    return f"incident:{number}:status-reminder"


def reminder_payload(number: int, due: datetime) -> dict[str, Any]:
    """``due`` names the occurrence: the one reminder key is planned again and again, and a retry
    of one occurrence must find the message it posted, not skip (or repeat) another's."""
    return {"incident": number, "due": due.isoformat()}

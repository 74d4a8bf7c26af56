"""Kinds and keys of the durable timers that carry the incident's side effects."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.kernel.timers import store as timers

PROVISION = "incident.provision"  # create the channel, invite, topic, pin the card
CARD = "incident.card"  # refresh the pinned card and the topic (coalesced: one key per incident)
ANNOUNCE = "incident.announce"  # post one timeline event in the channel
INVITE = "incident.invite"  # invite someone who got a role
STATUS_REMINDER = "incident.status_reminder"
SOURCE_REPLY = "incident.source_reply"  # answer the message it was declared from, in its thread
# The card is refreshed at once after a quiet second, then at most about once a second while
# changes keep coming, always ending on the last one (``timers.schedule_coalesced``): a busy
# incident's card would otherwise be re-read, re-rendered and sent for every update, and Slack
# allows ``chat.update`` about once a second per workspace and method anyway (Tier 3: 50/min).
CARD_WINDOW = timedelta(seconds=1)


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


def announce(session: Session, number: int, event_ids: list[int], now: datetime) -> None:
    """Post each of these events, just added to the incident's timeline, in its channel."""
    for event_id in event_ids:
        payload = {"incident": number, "event_id": event_id}
        timers.schedule(session, announce_key(number, event_id), ANNOUNCE, now, payload, now)


def refresh_card(session: Session, number: int, now: datetime) -> None:
    """Have the pinned card show this transaction's change (coalesced: ``CARD_WINDOW``)."""
    payload = {"incident": number}
    timers.schedule_coalesced(session, card_key(number), CARD, payload, now, CARD_WINDOW)

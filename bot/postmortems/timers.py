"""Kinds and keys of the durable timers that carry a post-mortem's side effects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.incidents import timers as incident_timers
from bot.kernel.timers import store as timers

OFFER = "postmortem.offer"  # offer a (re-)draft in the channel each time the incident is resolved
SUMMARY = "postmortem.summary"  # post or update the summary message (coalesced per incident)
EXPORT_FILE = "postmortem.export_file"  # write an approved version to the export folder
EXPORT_WEBHOOK = "postmortem.webhook"  # post an approved version to the webhook


def offer_key(number: int, resolve: int = 1) -> str:
    """The offer made on the ``resolve``-th resolve (the first keeps its original key)."""
    first = f"incident:{number}:postmortem:offer"
    return first if resolve == 1 else f"{first}:{resolve}"


def summary_key(number: int) -> str:
    return f"incident:{number}:postmortem:summary"


def export_key(number: int, version: int, target: str) -> str:
    return f"incident:{number}:postmortem:v{version}:{target}"


def refresh(session: Session, number: int, now: datetime) -> None:
    """The summary message and the pinned card (it counts timeline events) show the change."""
    payload = {"incident": number}
    timers.schedule(session, summary_key(number), SUMMARY, now, payload, now)
    incident_timers.refresh_card(session, number, now)


FOLLOWUP = "postmortem.followup"  # export one action item to the team's issue tracker


def followup_key(number: int, item_id: int) -> str:
    return f"incident:{number}:followup:{item_id}"


FOLLOWUP_SYNC = "postmortem.followup_sync"  # poll an open exported item's issue (Linear, Jira)
POLLED = frozenset({"linear", "jira"})  # GitHub tells by webhook


def followup_sync_key(number: int, item_id: int) -> str:
    return f"incident:{number}:followup:{item_id}:sync"

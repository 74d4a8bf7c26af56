"""Declaring from a Slack message (the "Declare incident" message shortcut): what the declare
form is pre-filled with, and the message the incident links back to.

Slack sends a message's text in its markup (``&lt;``, ``<https://x|label>``, ``<#C1|name>``);
the form shows what a person reads: entities unescaped, links by their label, channels by name.
Mentions stay ``<@U1>`` (Slack gives no name for them).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.incidents.domain.incident import MAX_TITLE

# Slack's bound on a plain-text input's ``initial_value`` (and ``max_length``).
MAX_DESCRIPTION = 3000
# A Slack message timestamp, e.g. ``1700000090.000300``.
_TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")
# ``<https://x|label>``, ``<https://x>``, ``<#C1|name>``, ``<!here>``; ``<@U1>`` is kept as is.
_MARKUP = re.compile(r"<([^<>@][^<>|]*)(?:\|([^<>]*))?>")


@dataclass(frozen=True)
class Prefill:
    title: str
    description: str


@dataclass(frozen=True)
class SourceMessage:
    """The message an incident was declared from: linked on its timeline at the message's own
    time, and answered in its thread once the incident channel exists."""

    channel_id: str
    ts: str
    text: str
    author: str | None
    permalink: str
    thread_ts: str | None = None  # the message is a reply in this thread

    @property
    def reply_thread(self) -> str:
        """Where a reply to it goes: its own thread, or the thread it is a reply in."""
        return self.thread_ts or self.ts

    @property
    def posted_at(self) -> datetime:
        return datetime.fromtimestamp(float(self.ts), tz=UTC)

    @property
    def dedup_key(self) -> str:
        """The timeline key of a linked message (the one the Add to timeline shortcut uses)."""
        return f"message:{self.channel_id}:{self.ts}"


def is_ts(text: str | None) -> bool:
    return text is not None and _TS.fullmatch(text) is not None


def readable(text: str) -> str:
    """Slack markup as a person reads it."""

    def label(match: re.Match[str]) -> str:
        target, shown = match.group(1), match.group(2)
        if shown:
            return f"#{shown}" if target.startswith("#") else shown
        if target.startswith("!"):
            return "@" + target[1:].split("^", 1)[0]
        return target

    return html.unescape(_MARKUP.sub(label, text))


def prefill(text: str) -> Prefill:
    """The title is the first line that says something, on one line and cut to ``MAX_TITLE``;
    the description is the whole message, cut to what Slack lets a form field hold."""
    whole = readable(text).strip()
    first = next((line for line in whole.splitlines() if line.strip()), "")
    return Prefill(_clip(" ".join(first.split()), MAX_TITLE), _clip(whole, MAX_DESCRIPTION))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

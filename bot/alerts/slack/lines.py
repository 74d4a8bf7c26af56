"""Alerts as lines of mrkdwn, for the pinned card, the channel messages and the page DMs.

Kept apart from ``blocks`` (which renders the card with them) so neither imports the other;
``when`` is the Slack date token renderer the caller uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.alerts.domain import AlertLine, AlertStatus, as_line
from bot.incidents.domain.card import AlertTally
from bot.incidents.domain.events import AlertFiring, AlertResolved

When = Callable[[datetime], str]
SECTION_LIMIT = 3000  # Slack's limit on a section's text
LABELS_SHOWN = 6
HIDDEN_LABELS = frozenset({"alertname"})


def card_text(alerts: AlertTally, when: When) -> str | None:
    """The card's alerts section: counts, then the latest alerts; None when there are none."""
    if alerts.firing + alerts.resolved == 0:
        return None
    head = f"*Alerts* {alerts.firing} firing · {alerts.resolved} resolved"
    changes = [e.payload for e in alerts.latest]
    lines = [as_line(c) for c in changes if isinstance(c, AlertFiring | AlertResolved)]
    return within_limit(head, [alert_line(line, when) for line in lines])


def within_limit(head: str, lines: list[str], limit: int = SECTION_LIMIT) -> str:
    """``head`` and as many whole ``lines`` as fit in ``limit`` characters, then how many not."""
    text = head
    for index, line in enumerate(lines):
        rest = f"\n… and {len(lines) - index} more"
        if len(text) + 1 + len(line) + len(rest) > limit:
            return text + rest
        text += "\n" + line
    return text[:limit]


def alert_line(line: AlertLine, when: When) -> str:
    """``• :rotating_light: Name (summary) `k=v, ...` since <date> · source``."""
    firing = line.status is AlertStatus.FIRING
    emoji = ":rotating_light:" if firing else ":white_check_mark:"
    text = f"• {emoji} *{line.name}*"
    if line.summary:
        text += f" ({line.summary})"
    labels = label_text(line.labels)
    if labels:
        text += f" `{labels}`"
    if line.starts_at is not None:
        text += f" since {when(line.starts_at)}"
    if not firing and line.ends_at is not None:
        text += f", resolved {when(line.ends_at)}"
    if line.generator_url:
        text += f" · <{line.generator_url}|source>"
    return text


def label_text(labels: Mapping[str, str]) -> str:
    shown = [f"{k}={v}" for k, v in sorted(labels.items()) if k not in HIDDEN_LABELS]
    more = len(shown) - LABELS_SHOWN
    return ", ".join(shown[:LABELS_SHOWN]) + (f", +{more} more" if more > 0 else "")

"""Personal notification rules: which of a person's contacts a page uses, and when.

As in GoAlert and PagerDuty, each person may list, per urgency, steps such as "Slack DM at once,
SMS after 2 minutes, voice call after 5". When a page notifies them (at ``notified_at``), each step
is due ``after_minutes`` later, until the page is acknowledged or its incident resolved.

Without rules, every contact the person has is used at once (the ``notify:`` block's meaning before
rules existed). A missing list for one urgency falls back to the other urgency's list.

A contact is named as in ``users.yaml``: ``slack`` (always available) or a channel of the person's
``notify:`` block (``pagerduty``, ``opsgenie``, ``webhook``, ...); nothing here lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.oncall.domain.instants import require_utc
from bot.paging.domain.escalation import Urgency

SLACK = "slack"

# How the contacts read in a sentence; a contact not listed reads as its name.
_LABELS = {
    SLACK: "Slack DM",
    "sms": "SMS",
    "voice": "voice call",
    "pagerduty": "PagerDuty",
    "opsgenie": "Opsgenie",
    "webhook": "webhook",
}


@dataclass(frozen=True)
class NotificationRule:
    """Use ``contact`` ``after_minutes`` after the person is notified of a page."""

    contact: str
    after_minutes: int = 0

    def __post_init__(self) -> None:
        if self.after_minutes < 0:
            raise ValueError(f"after_minutes must not be negative, got {self.after_minutes}")

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.after_minutes)

    def describe(self) -> str:
        """``SMS after 2 min``, ``Slack DM at once``."""
        when = "at once" if self.after_minutes == 0 else f"after {self.after_minutes} min"
        return f"{label(self.contact)} {when}"


def label(contact: str) -> str:
    """A contact as a sentence names it: ``sms`` is ``SMS``, ``slack`` is ``Slack DM``."""
    return _LABELS.get(contact, contact)


@dataclass(frozen=True)
class NotificationRules:
    """A person's rules per urgency; an empty tuple means "not given"."""

    high: tuple[NotificationRule, ...] = ()
    low: tuple[NotificationRule, ...] = ()

    @property
    def given(self) -> bool:
        return bool(self.high or self.low)

    def steps(self, urgency: Urgency, contacts: Sequence[str]) -> tuple[NotificationRule, ...]:
        """The steps a page of ``urgency`` takes, in time order (stable for equal delays):
        the urgency's own list, else the other one, else every contact in ``contacts`` at once."""
        own, other = (self.high, self.low) if urgency is Urgency.HIGH else (self.low, self.high)
        chosen = own or other or tuple(NotificationRule(c) for c in dict.fromkeys(contacts))
        return tuple(sorted(chosen, key=lambda rule: rule.after_minutes))


@dataclass(frozen=True)
class PlannedDelivery:
    """One step of a person's rules for one notification: ``contact`` at ``due``."""

    contact: str
    after_minutes: int
    due: datetime

    def key(self, round_key: str, user_ref: str) -> str:
        """The delivery's idempotency key. An at-once step keeps the key deliveries always had
        (``<round>:<user>:<contact>``); a delayed one adds its delay, so the same contact may be
        used again later (duplicates of one contact and delay are refused by the config)."""
        base = f"{round_key}:{user_ref}:{self.contact}"
        return base if self.after_minutes == 0 else f"{base}:+{self.after_minutes}m"


def notification_plan(
    rules: NotificationRules,
    urgency: Urgency,
    contacts: Sequence[str],
    notified_at: datetime,
) -> tuple[PlannedDelivery, ...]:
    """Every delivery a page notifying the person at ``notified_at`` makes if nobody
    acknowledges, each due ``after_minutes`` after ``notified_at``."""
    at = require_utc(notified_at, "notified_at")
    return tuple(
        PlannedDelivery(rule.contact, rule.after_minutes, at + rule.delay)
        for rule in rules.steps(urgency, contacts)
    )


def describe(rules: NotificationRules, contacts: Sequence[str]) -> list[str]:
    """The rules in plain words, one line per urgency: ``High urgency: Slack DM at once, SMS after
    2 min``; one line for both when they are the same (as without rules)."""
    high = ", ".join(r.describe() for r in rules.steps(Urgency.HIGH, contacts))
    low = ", ".join(r.describe() for r in rules.steps(Urgency.LOW, contacts))
    if high == low:
        return [f"Any urgency: {high}"]
    return [f"High urgency: {high}", f"Low urgency: {low}"]

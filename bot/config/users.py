"""``users.yaml``: the people who can be paged, and how references to them are resolved.

A reference elsewhere in the config is a Slack id (``U0ONCALL``) or an email; ``People.canonical``
turns either into the one spelling the core compares (the Slack id when known, else the email in
lower case) and reports unknown references with a close-name suggestion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.config.hints import SETTING_HINT, SETTING_NAME, join, zone_problem
from bot.config.model import (
    NotificationChannel,
    OpsgenieChannel,
    PagerDutyChannel,
    SmsChannel,
    User,
    VoiceChannel,
    WebhookChannel,
)
from bot.config.notification_rules import check_rules
from bot.config.report import Item, Loc, Report
from bot.config.schema import UserModel
from bot.kernel.suggest import did_you_mean

SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")  # ITU-T E.164: a + and at most 15 digits
PHONE_HINT = (
    "write the number in E.164 form: + then country code and number, no spaces or dashes "
    "(e.g. +4915123456789)"
)


@dataclass
class People:
    """Users by every reference that names them, for the other files' checks."""

    users: list[User] = field(default_factory=list)
    by_ref: dict[str, User] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)

    def canonical(self, ref: str, item: Item[Any], sub: Loc, report: Report) -> str | None:
        """The canonical reference for ``ref``, or None after reporting it as unknown.

        A reference to a user whose entry failed validation is not reported again.
        """
        user = self.by_ref.get(ref) or self.by_ref.get(ref.lower())
        if user is not None:
            return user.ref
        if ref not in self.declared and ref.lower() not in self.declared:
            report.add(
                item,
                sub,
                f"unknown user {ref!r}",
                join(
                    did_you_mean(ref, self.by_ref),
                    "add them to users.yaml, or use the slack_id or email written there",
                ),
            )
        return None


def check_users(items: list[Item[UserModel]], declared: set[str], report: Report) -> People:
    people = People(declared=declared)
    first_line: dict[str, int | None] = {}
    for item in items:
        user = item.model
        ok = True
        if not user.slack_id and not user.email:
            report.add(
                item,
                (),
                "a user needs a slack_id or an email",
                "add slack_id: (e.g. U0123ABCD, from Slack: profile > Copy member ID) or email:",
            )
            ok = False
        if user.slack_id is not None and not SLACK_USER_ID.match(user.slack_id):
            report.add(
                item,
                ("slack_id",),
                f"{user.slack_id!r} is not a Slack user id",
                "Slack user ids look like U0123ABCD (profile > Copy member ID)",
            )
            ok = False
        if user.email is not None and not EMAIL.match(user.email):
            report.add(item, ("email",), f"{user.email!r} is not an email address", "")
            ok = False
        for field_name, ref in (("slack_id", user.slack_id), ("email", user.email)):
            if ref is None:
                continue
            key = ref.lower() if field_name == "email" else ref
            if key in first_line:
                report.add(
                    item,
                    (field_name,),
                    f"duplicate user {ref!r}",
                    f"each person is listed once; the first entry is at line {first_line[key]}",
                )
                ok = False
            else:
                first_line[key] = item.line()
        if user.tz is not None and (problem := zone_problem(user.tz)):
            report.add(item, ("tz",), *problem)
        channels = _channels(item, report)
        rules = check_rules(item, report)
        if ok:
            value = User(user.name, user.slack_id, user.email, user.tz, channels, rules)
            people.users.append(value)
            if user.slack_id is not None:
                people.by_ref[user.slack_id] = value
            if user.email is not None:
                people.by_ref[user.email.lower()] = value
    return people


def _channels(item: Item[UserModel], report: Report) -> tuple[NotificationChannel, ...]:
    notify = item.model.notify
    channels: list[NotificationChannel] = []
    settings: list[tuple[Loc, str]] = []
    if notify.pagerduty is not None:
        channels.append(PagerDutyChannel(notify.pagerduty.routing_key_setting))
        settings.append(
            (("pagerduty", "routing_key_setting"), notify.pagerduty.routing_key_setting)
        )
    if notify.opsgenie is not None:
        channels.append(OpsgenieChannel(notify.opsgenie.api_key_setting))
        settings.append((("opsgenie", "api_key_setting"), notify.opsgenie.api_key_setting))
    if notify.webhook is not None:
        channels.append(WebhookChannel(notify.webhook.url, notify.webhook.secret_setting))
        settings.append((("webhook", "secret_setting"), notify.webhook.secret_setting))
        if not notify.webhook.url.startswith(("https://", "http://")):
            report.add(
                item,
                ("notify", "webhook", "url"),
                f"{notify.webhook.url!r} is not an http(s) URL",
                "write the full URL, e.g. https://hooks.example.com/warroom",
            )
    if notify.sms is not None and (phone := _phone(item, "sms", notify.sms.phone, report)):
        channels.append(SmsChannel(phone))
    if notify.voice is not None and (phone := _phone(item, "voice", notify.voice.phone, report)):
        channels.append(VoiceChannel(phone))
    for sub, name in settings:
        if not SETTING_NAME.match(name):
            report.add(
                item, ("notify", *sub), f"{_shown(name)} is not a setting name", SETTING_HINT
            )
    return tuple(channels)


def _phone(item: Item[UserModel], kind: str, phone: str, report: Report) -> str | None:
    """``phone`` if it is an E.164 number, else None after reporting it."""
    if E164.match(phone):
        return phone
    report.add(
        item,
        ("notify", kind, "phone"),
        f"{phone!r} is not a phone number in E.164 form",
        PHONE_HINT,
    )
    return None


def _shown(name: str) -> str:
    # The value may be a pasted secret: show only enough to find it.
    return repr(name) if len(name) <= 8 else repr(name[:4] + "...")

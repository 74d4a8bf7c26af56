"""``notification_rules:`` in users.yaml: loaded as written, and every mistake reported with its
file, line and field (same conventions as test_config_errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import check_config, load_config
from bot.paging.domain.rules import NotificationRule, NotificationRules
from tests.oncall.test_config_errors import USERS, expect, folder, one_error

# Liam (users[1], lines 6-8) gets PagerDuty and rules from line 9 on.
LIAM_RULES = (
    USERS
    + """\
    notify: {pagerduty: {routing_key_setting: PD_KEY}}
    notification_rules:
      high:
        - contact: slack
        - {contact: pagerduty, after_minutes: 2}
      low:
        - {contact: slack}
"""
)


def with_rule(old: str, new: str) -> str:
    assert old in LIAM_RULES
    return LIAM_RULES.replace(old, new)


def test_rules_are_loaded_per_urgency(tmp_path: Path) -> None:
    config = load_config(folder(tmp_path, users=LIAM_RULES))
    liam = config.user("U0LEAD")
    assert liam is not None
    assert liam.rules == NotificationRules(
        high=(NotificationRule("slack"), NotificationRule("pagerduty", 2)),
        low=(NotificationRule("slack"),),
    )
    assert liam.contacts == ("slack", "pagerduty")
    olivia = config.user("U0ONCALL")
    assert olivia is not None
    assert not olivia.rules.given  # no rules: everything at once


def test_an_unknown_contact_suggests_the_close_one(tmp_path: Path) -> None:
    path = folder(tmp_path, users=with_rule("contact: pagerduty,", "contact: pagerdty,"))
    expect(
        one_error(path),
        path,
        "users.yaml",
        13,
        "users[1].notification_rules.high[1].contact",
        "unknown contact 'pagerdty'",
        "did you mean 'pagerduty'?; a contact is one of slack, pagerduty, opsgenie, webhook",
    )


def test_a_contact_the_user_has_not_configured(tmp_path: Path) -> None:
    path = folder(tmp_path, users=with_rule("- {contact: slack}", "- {contact: opsgenie}"))
    expect(
        one_error(path),
        path,
        "users.yaml",
        15,
        "users[1].notification_rules.low[0].contact",
        "Liam has no opsgenie contact",
        "add opsgenie: under their notify: block",
    )


def test_a_negative_delay(tmp_path: Path) -> None:
    path = folder(tmp_path, users=with_rule("after_minutes: 2", "after_minutes: -2"))
    expect(
        one_error(path),
        path,
        "users.yaml",
        13,
        "users[1].notification_rules.high[1].after_minutes",
        "after_minutes must not be negative, got -2",
        "0 (or leaving it out) means at once",
    )


@pytest.mark.parametrize("duplicate", ["{contact: slack}", "{contact: slack, after_minutes: 0}"])
def test_a_duplicate_rule(tmp_path: Path, duplicate: str) -> None:
    text = with_rule(
        "        - contact: slack\n", f"        - contact: slack\n        - {duplicate}\n"
    )
    path = folder(tmp_path, users=text)
    expect(
        one_error(path),
        path,
        "users.yaml",
        13,
        "users[1].notification_rules.high[1]",
        "duplicate rule: slack after 0 minutes",
        "the same rule is at line 12; remove one",
    )


def test_the_same_contact_again_later_is_a_reminder_not_a_duplicate(tmp_path: Path) -> None:
    text = with_rule("      low:\n", "        - {contact: slack, after_minutes: 10}\n      low:\n")
    liam = load_config(folder(tmp_path, users=text)).user("U0LEAD")
    assert liam is not None
    assert [r.after_minutes for r in liam.rules.high if r.contact == "slack"] == [0, 10]


def test_an_empty_list_would_reach_nobody(tmp_path: Path) -> None:
    path = folder(
        tmp_path, users=with_rule("      low:\n        - {contact: slack}\n", "      low: []\n")
    )
    expect(
        one_error(path),
        path,
        "users.yaml",
        14,
        "users[1].notification_rules.low",
        "no low-urgency rules: such a page would reach Liam by nothing",
        "leave low: out to use the high list",
    )


def test_a_misspelt_field_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = folder(tmp_path, users=with_rule("after_minutes: 2", "after_mins: 2"))
    errors = check_config(path)
    assert [(e.line, e.field) for e in errors] == [
        (13, "users[1].notification_rules.high[1].after_mins")
    ]

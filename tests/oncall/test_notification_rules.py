"""Personal notification rules, pure: which contacts a page uses for a person, and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.paging.domain.escalation import Urgency
from bot.paging.domain.rules import (
    NotificationRule,
    NotificationRules,
    describe,
    notification_plan,
)

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CONTACTS = ("slack", "pagerduty", "sms", "voice")
HIGH = (
    NotificationRule("slack"),
    NotificationRule("voice", 5),
    NotificationRule("sms", 2),
)
LOW = (NotificationRule("slack"), NotificationRule("pagerduty", 10))


def test_the_urgency_picks_its_list_in_time_order() -> None:
    rules = NotificationRules(HIGH, LOW)
    high = notification_plan(rules, Urgency.HIGH, CONTACTS, AT)
    assert [(p.contact, p.due - AT) for p in high] == [
        ("slack", timedelta()),
        ("sms", timedelta(minutes=2)),
        ("voice", timedelta(minutes=5)),
    ]
    low = notification_plan(rules, Urgency.LOW, CONTACTS, AT)
    assert [(p.contact, p.after_minutes) for p in low] == [("slack", 0), ("pagerduty", 10)]


def test_without_rules_every_contact_is_used_at_once() -> None:
    plan = notification_plan(NotificationRules(), Urgency.LOW, CONTACTS, AT)
    assert [(p.contact, p.due) for p in plan] == [(c, AT) for c in CONTACTS]


@pytest.mark.parametrize("urgency", list(Urgency))
def test_a_missing_urgency_list_falls_back_to_the_other(urgency: Urgency) -> None:
    only_high = notification_plan(NotificationRules(high=LOW), urgency, CONTACTS, AT)
    only_low = notification_plan(NotificationRules(low=LOW), urgency, CONTACTS, AT)
    assert [p.contact for p in only_high] == [p.contact for p in only_low] == ["slack", "pagerduty"]


def test_an_at_once_step_keeps_the_key_deliveries_always_had() -> None:
    plan = notification_plan(NotificationRules(HIGH), Urgency.HIGH, CONTACTS, AT)
    keys = [p.key("incident:1:page:1:escalation:0:loop:0", "U1") for p in plan]
    assert keys == [
        "incident:1:page:1:escalation:0:loop:0:U1:slack",
        "incident:1:page:1:escalation:0:loop:0:U1:sms:+2m",
        "incident:1:page:1:escalation:0:loop:0:U1:voice:+5m",
    ]


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        NotificationRule("sms", -1)


def test_rules_in_plain_words() -> None:
    assert describe(NotificationRules(HIGH, LOW), CONTACTS) == [
        "High urgency: Slack DM at once, SMS after 2 min, voice call after 5 min",
        "Low urgency: Slack DM at once, PagerDuty after 10 min",
    ]
    assert describe(NotificationRules(high=LOW), CONTACTS) == [
        "Any urgency: Slack DM at once, PagerDuty after 10 min"
    ]
    assert describe(NotificationRules(), ("slack", "webhook")) == [
        "Any urgency: Slack DM at once, webhook at once"
    ]


rule_lists = st.lists(
    st.builds(NotificationRule, st.sampled_from(CONTACTS), st.integers(0, 24 * 60)),
    max_size=6,
    unique_by=lambda r: (r.contact, r.after_minutes),  # the config refuses duplicates
).map(tuple)


@given(rule_lists, rule_lists, st.sampled_from(list(Urgency)))
def test_every_plan_is_the_chosen_list_timed_from_the_notification(
    high: tuple[NotificationRule, ...], low: tuple[NotificationRule, ...], urgency: Urgency
) -> None:
    rules = NotificationRules(high, low)
    plan = notification_plan(rules, urgency, CONTACTS, AT)
    own, other = (high, low) if urgency is Urgency.HIGH else (low, high)
    chosen = own or other or tuple(NotificationRule(c) for c in CONTACTS)
    # Exactly the chosen steps, each due its delay after the notification, earliest first.
    assert sorted((p.contact, p.after_minutes) for p in plan) == sorted(
        (r.contact, r.after_minutes) for r in chosen
    )
    assert all(p.due == AT + timedelta(minutes=p.after_minutes) for p in plan)
    assert [p.due for p in plan] == sorted(p.due for p in plan)
    # Never nobody: a person always hears of a page somehow.
    assert plan
    # One delivery key per step, so each is sent exactly once.
    keys = [p.key("round", "U1") for p in plan]
    assert len(set(keys)) == len(keys)

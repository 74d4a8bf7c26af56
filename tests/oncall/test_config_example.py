"""The shipped example config (``config/``) loads cleanly and means what its comments say."""

from __future__ import annotations

from pathlib import Path

from bot.config import Config, PagerDutyChannel, WebhookChannel, check_config, load_config
from bot.oncall.domain.schedule import final_shifts, on_call_at
from bot.paging.domain.escalation import TargetKind, Urgency, escalation_plan
from bot.paging.domain.paging import resolve_targets
from bot.paging.domain.rules import describe
from tests.oncall.helpers import local, utc

EXAMPLE = Path(__file__).resolve().parents[2] / "config"


def example() -> Config:
    return load_config(EXAMPLE)


def test_the_example_validates_cleanly() -> None:
    assert check_config(EXAMPLE) == []


def test_the_example_has_what_it_promises() -> None:
    config = example()
    assert [s.name for s in config.schedules] == ["payments-primary", "payments-secondary"]
    assert [p.name for p in config.escalation_policies] == [
        "payments-critical",
        "payments-standard",
    ]
    assert [s.name for s in config.services] == [
        "checkout-api",
        "payment-gateway",
        "refunds-worker",
    ]
    assert all(len(s.layers) >= 2 for s in config.schedules)
    assert all(p.repeat > 0 for p in config.escalation_policies)
    assert any(layer.restrictions for s in config.schedules for layer in s.layers)


def test_lookups_and_canonical_user_references() -> None:
    config = example()
    olivia = config.user("olivia@EXAMPLE.com")
    assert olivia is not None
    assert olivia is config.user("U0ONCALL")
    assert olivia.time_zone == "Europe/Berlin"
    assert olivia.channels == (PagerDutyChannel("PAGERDUTY_ROUTING_KEY_PAYMENTS"),)
    maya = config.user("U0MGR")
    assert maya is not None
    assert maya.channels == (
        WebhookChannel("https://hooks.example.com/warroom/pages", "WARROOM_WEBHOOK_SECRET"),
    )
    priya = config.user("priya@example.com")
    assert priya is not None
    assert priya.ref == "priya@example.com"
    assert config.user("nobody@example.com") is None
    # Policies written with an email point at the Slack id when the config knows it.
    critical = config.escalation_policy("payments-critical")
    assert critical is not None
    assert critical.levels[2].targets[0].ref == "U0MGR"
    assert config.schedule("nope") is None
    assert config.escalation_policy("nope") is None
    refunds = config.service("refunds-worker")
    assert refunds is not None
    assert refunds.urgency is Urgency.LOW
    assert config.service("checkout-api") is not None


def test_primary_weekly_rotation_with_office_hours() -> None:
    config = example()
    primary = config.schedule("payments-primary")
    assert primary is not None
    # Wednesday 2025-01-08: week 53 of the rotation (noah), day 373 of office hours (priya).
    noon = on_call_at(primary, local("Europe/Berlin", 2025, 1, 8, 12))
    assert [x.user for x in noon.layers] == ["noah@example.com", "priya@example.com"]
    assert noon.user == "priya@example.com"
    evening = on_call_at(primary, local("Europe/Berlin", 2025, 1, 8, 19))
    assert evening.user == "noah@example.com"
    saturday = on_call_at(primary, local("Europe/Berlin", 2025, 1, 11, 12))
    assert saturday.user == "noah@example.com"


def test_planned_override_covers_christmas() -> None:
    config = example()
    primary = config.schedule("payments-primary")
    assert primary is not None
    overrides = config.schedule_overrides("payments-primary")
    assert on_call_at(primary, utc(2025, 12, 25, 12), overrides).user == "U0MGR"
    assert config.schedule_overrides("payments-secondary") == ()


def test_secondary_follows_the_sun_and_takes_weekends_off() -> None:
    config = example()
    secondary = config.schedule("payments-secondary")
    assert secondary is not None
    weekday = final_shifts(secondary, utc(2025, 1, 8, 7), utc(2025, 1, 9, 7))
    assert [(s.start.hour, s.user) for s in weekday] == [
        (7, "U0ONCALL"),
        (15, "U0LEAD"),
        (23, "priya@example.com"),
    ]
    assert on_call_at(secondary, utc(2025, 1, 11, 12)).user in {"U0MGR", "noah@example.com"}


def test_critical_policy_pages_the_primary_on_call_first() -> None:
    config = example()
    policy = config.escalation_policy("payments-critical")
    assert policy is not None
    plan = escalation_plan(policy, utc(2025, 1, 8, 11))
    assert len(plan) == 9
    first = plan[0]
    assert first.targets[0].kind is TargetKind.SCHEDULE
    resolved = resolve_targets(first.targets, first.fire_at, config.schedules_by_name)
    assert resolved.users == ("priya@example.com",)


def test_priya_is_texted_at_once_and_called_after_five_minutes_when_it_is_urgent() -> None:
    priya = example().user("priya@example.com")
    assert priya is not None
    assert describe(priya.rules, priya.contacts) == [
        "High urgency: Slack DM at once, SMS at once, voice call after 5 min",
        "Low urgency: Slack DM at once, SMS after 10 min",
    ]

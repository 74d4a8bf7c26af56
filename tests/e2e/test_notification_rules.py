"""Personal notification rules end to end: a page reaches a person by their own steps and delays
for its urgency (simulated clock), stops at the acknowledgement, and `/oncall me` says the rules."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import TimelineEventRow
from bot.kernel.timers import store
from bot.paging.rows import DeliveryRow
from bot.paging.timers import delivery_key
from tests.e2e import test_paging
from tests.e2e.conftest import LEAD, ONCALL, Bot, eventually
from tests.e2e.test_paging import Providers, page_dm

# The provider fakes and the settings pointing at them, as test_paging has them.
providers = test_paging.providers


@pytest.fixture
def extra_settings(providers: Providers) -> dict[str, Any]:
    """As test_paging's, and the config folder looked at often (a test edits it mid-page)."""
    return {
        "pagerduty_events_url": providers.pagerduty.url,
        "opsgenie_api_url": providers.opsgenie.url,
        "notify_max_attempts": 2,
        "notify_time_budget_seconds": 5.0,
        "config_reload_seconds": 0.05,
    }


@pytest.fixture
def config_dir(tmp_path: Path, providers: Providers) -> Path:
    """Olivia (always on call) has rules: high urgency Slack DM at once, PagerDuty after 2 min;
    low urgency the webhook at once, a Slack DM after 3 min. Liam, next level, has none."""
    hook = providers.webhook.url_for("/pages")
    (tmp_path / "users.yaml").write_text(f"""
users:
  - name: Olivia Oncall
    slack_id: {ONCALL}
    notify:
      pagerduty: {{routing_key_setting: PD_KEY_E2E}}
      webhook: {{url: "{hook}", secret_setting: WH_SECRET_E2E}}
    notification_rules:
      high:
        - contact: slack
        - {{contact: pagerduty, after_minutes: 2}}
      low:
        - contact: webhook
        - {{contact: slack, after_minutes: 3}}
  - name: Liam Lead
    slack_id: {LEAD}
""")
    (tmp_path / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - name: all-week
        users: [{ONCALL}]
        rotation_virtual_start: "2024-01-01 09:00"
        turn: weekly
""")
    (tmp_path / "escalation_policies.yaml").write_text(f"""
escalation_policies:
  - name: checkout
    levels:
      - {{delay_minutes: 10, targets: [{{schedule: primary}}]}}
      - {{delay_minutes: 10, targets: [{{user: {LEAD}}}]}}
""")
    (tmp_path / "services.yaml").write_text("""
services:
  - {name: checkout-api, escalation_policy: checkout}
  - {name: search, escalation_policy: checkout, urgency: low}
""")
    return tmp_path


def settle(bot: Bot, minutes: float) -> None:
    """Skip ``minutes`` ahead and run whatever fell due."""
    bot.clock.advance(timedelta(minutes=minutes))
    bot.app.runner.run_due_once()


def deliveries(bot: Bot) -> list[tuple[str, str]]:
    with bot.app.sessions() as session:
        rows = session.scalars(select(DeliveryRow).order_by(DeliveryRow.id))
        return [(r.channel, r.status) for r in rows]


def notified_events(bot: Bot) -> int:
    with bot.app.sessions() as session:
        query = select(TimelineEventRow).where(TimelineEventRow.kind == EventKind.NOTIFIED)
        return len(session.scalars(query).all())


def test_high_urgency_slack_at_once_and_pagerduty_only_after_its_delay(
    bot: Bot, providers: Providers
) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    eventually(lambda: ("slack", "sent") in deliveries(bot), what="the DM recorded as sent")
    settle(bot, 1.5)
    assert providers.pagerduty.events() == []  # not before its 2 minutes
    assert ("pagerduty", "pending") in deliveries(bot)
    settle(bot, 0.6)
    event = eventually(lambda: providers.pagerduty.events(), what="the PagerDuty step")[0]
    assert event["dedup_key"] == f"incident:1:page:1:escalation:0:loop:0:{ONCALL}:pagerduty:+2m"
    # The card and the timeline say "paged" once for the level, not once per step.
    bot.posted(channel.id, f"Paged <@{ONCALL}> (level 1, round 1)")
    assert notified_events(bot) == 1
    assert (
        len([m for m in bot.slack.state.dm_messages(ONCALL) if "You are paged" in m.all_text]) == 1
    )


def test_acknowledging_before_a_step_is_due_means_it_is_never_sent(
    bot: Bot, providers: Providers
) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_acknowledge", value="1")
    bot.posted(channel.id, f"<@{ONCALL}> acknowledged the page")
    with bot.app.sessions() as session:
        step = session.scalars(select(DeliveryRow).where(DeliveryRow.channel == "pagerduty")).one()
        timer = store.get(session, delivery_key(step.id))
    assert timer is not None
    assert timer.status == "cancelled"  # in the acknowledging transaction
    settle(bot, 30)
    assert providers.pagerduty.events() == []
    assert bot.slack.state.dm_messages(LEAD) == []


def test_resolving_before_a_step_is_due_means_it_is_never_sent(
    bot: Bot, providers: Providers
) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    bot.command(channel, "resolve")
    eventually(lambda: "resolved" in bot.card(channel.id).all_text.lower(), what="the resolve")
    settle(bot, 30)
    assert providers.pagerduty.events() == []


def test_low_urgency_follows_the_low_list(bot: Bot, providers: Providers) -> None:
    channel = bot.declare("Search results stale sev3 service:search")
    hook = eventually(lambda: providers.webhook.deliveries(), what="the webhook at once")[0]
    assert hook.event == "trigger"
    eventually(  # paged, though not over Slack yet
        lambda: (
            f"paged <@{ONCALL}>; waiting for an acknowledgement" in bot.card(channel.id).all_text
        ),
        what="the card's paging line",
    )
    settle(bot, 2)
    assert bot.slack.state.dm_messages(ONCALL) == []  # the DM waits its 3 minutes
    settle(bot, 1.1)
    page_dm(bot, ONCALL)
    assert providers.pagerduty.events() == []  # not in the low list


def test_oncall_me_says_the_rules_per_urgency(bot: Bot) -> None:
    response = bot.driver.slash_command(text="me", user_id=ONCALL, command="/oncall")
    assert response.status_code == 200
    told = bot.said_to(ONCALL, "How a page reaches you:")
    assert "High urgency: Slack DM at once, PagerDuty after 2 min" in told
    assert "Low urgency: webhook at once, Slack DM after 3 min" in told
    bot.driver.slash_command(text="me", user_id=LEAD, command="/oncall")
    assert "A page reaches you by Slack DM." in bot.said_to(LEAD, "A page reaches you")


def test_editing_the_rules_does_not_change_a_page_in_flight(
    bot: Bot, providers: Providers, config_dir: Path
) -> None:
    bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    users = config_dir / "users.yaml"
    users.write_text(users.read_text().replace("after_minutes: 2", "after_minutes: 20"))

    def reloaded() -> bool:
        olivia = bot.app.oncall.user(ONCALL)
        return olivia is not None and olivia.rules.high[-1].after_minutes == 20

    eventually(reloaded, what="the edited rules in force")
    settle(bot, 2.1)  # the page keeps the rules it was sent with
    eventually(lambda: providers.pagerduty.events(), what="the PagerDuty step at 2 minutes")
    channel = bot.declare("Checkout still down sev1 service:checkout-api")  # the new rules
    eventually(lambda: len(page_dms(bot)) == 2, what="the second page's DM")
    settle(bot, 5)
    assert len(providers.pagerduty.events()) == 1
    bot.command(channel, "ack", user=ONCALL)


def page_dms(bot: Bot) -> list[Any]:
    return [m for m in bot.slack.state.dm_messages(ONCALL) if "You are paged" in m.all_text]


def test_a_failing_delayed_step_is_reported_once_when_it_comes_due(
    bot: Bot, providers: Providers
) -> None:
    providers.pagerduty.fail(times=100, status=500)
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    settle(bot, 2.1)
    said = bot.posted(channel.id, "via pagerduty").all_text
    assert "HTTP 500" in said
    failures = [m for m in bot.slack.state.messages(channel.id) if "via pagerduty" in m.all_text]
    assert len(failures) == 1

"""Paging end to end: declare for a service, escalate, acknowledge, resolve; over real HTTP to the
fake Slack and to local fakes of PagerDuty, Opsgenie and a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow, TimelineEventRow
from bot.kernel.slack import marked
from bot.kernel.timers.rows import Timer
from bot.paging.rows import DeliveryRow, PageRow
from bot.paging.timers import escalation_key
from tests.e2e.conftest import BOB, LEAD, MANAGER, ONCALL, Bot, eventually
from warroom_sandbox.providers.opsgenie import FakeOpsgenie
from warroom_sandbox.providers.pagerduty import FakePagerDuty
from warroom_sandbox.providers.webhook import FakeWebhookReceiver

PD_KEY = "e2epagerdutyroutingkey0000000001"  # 32 characters, like a real routing key
OG_KEY = "e2e-opsgenie-api-key"
WH_SECRET = "e2e-webhook-secret"


@dataclass
class Providers:
    pagerduty: FakePagerDuty
    opsgenie: FakeOpsgenie
    webhook: FakeWebhookReceiver


@pytest.fixture
def providers(monkeypatch: pytest.MonkeyPatch) -> Iterator[Providers]:
    monkeypatch.setenv("PD_KEY_E2E", PD_KEY)
    monkeypatch.setenv("OG_KEY_E2E", OG_KEY)
    monkeypatch.setenv("WH_SECRET_E2E", WH_SECRET)
    with (
        FakePagerDuty() as pagerduty,
        FakeOpsgenie(api_keys={OG_KEY}) as opsgenie,
        FakeWebhookReceiver(WH_SECRET) as webhook,
    ):
        yield Providers(pagerduty, opsgenie, webhook)


@pytest.fixture
def extra_settings(providers: Providers) -> dict[str, Any]:
    return {
        "pagerduty_events_url": providers.pagerduty.url,
        "opsgenie_api_url": providers.opsgenie.url,
        "notify_max_attempts": 2,
        "notify_time_budget_seconds": 5.0,
    }


@pytest.fixture
def config_dir(tmp_path: Path, providers: Providers) -> Path:
    """Olivia is always on call (PagerDuty too); then Liam (Opsgenie); then Maya (webhook)."""
    hook = providers.webhook.url_for("/pages")
    (tmp_path / "users.yaml").write_text(f"""
users:
  - name: Olivia Oncall
    slack_id: {ONCALL}
    notify: {{pagerduty: {{routing_key_setting: PD_KEY_E2E}}}}
  - name: Liam Lead
    slack_id: {LEAD}
    email: liam@example.com
    notify: {{opsgenie: {{api_key_setting: OG_KEY_E2E}}}}
  - name: Maya Manager
    slack_id: {MANAGER}
    notify: {{webhook: {{url: "{hook}", secret_setting: WH_SECRET_E2E}}}}
  - {{name: Bob Builder, email: bob@example.com}}
""")
    (tmp_path / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: Europe/Berlin
    layers:
      - name: all-week
        users: [{ONCALL}]
        rotation_virtual_start: "2024-01-01 09:00"
        turn: weekly
  - name: secondary
    time_zone: UTC
    layers:
      - name: bob
        users: [bob@example.com]
        rotation_virtual_start: "2024-01-01 00:00"
        turn: weekly
""")
    (tmp_path / "escalation_policies.yaml").write_text(f"""
escalation_policies:
  - name: checkout
    levels:
      - {{delay_minutes: 5, targets: [{{schedule: primary}}]}}
      - {{delay_minutes: 10, targets: [{{user: {LEAD}}}]}}
      - {{delay_minutes: 10, targets: [{{user: {MANAGER}}}]}}
""")
    (tmp_path / "services.yaml").write_text("""
services:
  - {name: checkout-api, escalation_policy: checkout, team_channel: "#payments"}
  - {name: search, escalation_policy: checkout, urgency: low}
""")
    return tmp_path


def page_dm(bot: Bot, user: str) -> Any:
    def find() -> Any:
        return next(
            (m for m in bot.slack.state.dm_messages(user) if "You are paged" in m.all_text), None
        )

    return eventually(find, what=f"a page DM to {user}")


def test_declaring_for_a_service_pages_its_policy(bot: Bot, providers: Providers) -> None:
    channel = bot.declare("Checkout latency high sev2 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    assert "incident #1 (SEV2): Checkout latency high" in dm.all_text
    assert "Acknowledge" in dm.all_text
    assert "Escalate now" in dm.all_text
    event = eventually(lambda: providers.pagerduty.events(), what="the PagerDuty trigger")[0]
    assert event["routing_key"] == PD_KEY
    assert event["event_action"] == "trigger"
    assert event["dedup_key"].startswith("incident:1:page:1:escalation:0:loop:0")
    assert event["payload"]["severity"] == "error"
    bot.posted(channel.id, f"Paged <@{ONCALL}> (level 1, round 1)")
    eventually(
        lambda: (
            f"paged <@{ONCALL}>; waiting for an acknowledgement" in bot.card(channel.id).all_text
        ),
        what="the card's paging line",
    )
    assert bot.slack.state.dm_messages(LEAD) == []


def test_no_ack_escalates_level_by_level(bot: Bot, providers: Providers) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    bot.clock.advance(timedelta(minutes=4))
    bot.app.runner.run_due_once()
    assert bot.slack.state.dm_messages(LEAD) == []
    bot.clock.advance(timedelta(minutes=2))
    page_dm(bot, LEAD)
    alert = eventually(lambda: providers.opsgenie.alerts(), what="the Opsgenie alert")[0]
    assert alert.alias.startswith("incident:1:page:1:escalation:1:loop:0")
    # A pager app opens the incident channel from a real URL, not Slack markup.
    assert alert.body["details"]["link"] == f"https://slack.com/app_redirect?channel={channel.id}"
    bot.clock.advance(timedelta(minutes=11))
    page_dm(bot, MANAGER)
    delivery = eventually(lambda: providers.webhook.deliveries(), what="the webhook")[0]
    # The receiver records only deliveries whose signature it verified with WH_SECRET.
    assert (delivery.path, delivery.event) == ("/pages", "trigger")
    assert delivery.idempotency_key == f"{delivery.key}:trigger"
    bot.clock.advance(timedelta(hours=2))
    bot.posted(channel.id, "Nobody acknowledged the page for service checkout-api")
    # Exactly one PagerDuty incident per page (a retried request merges into it by dedup_key).
    keys = [i.dedup_key for i in providers.pagerduty.incidents()]
    assert keys == [f"incident:1:page:1:escalation:0:loop:0:{ONCALL}:pagerduty"]


def test_acknowledge_button_stops_escalation_and_tells_providers(
    bot: Bot, providers: Providers
) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    eventually(lambda: providers.pagerduty.incidents(), what="the trigger")
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_acknowledge", value="1")
    bot.posted(channel.id, f"<@{ONCALL}> acknowledged the page")
    eventually(
        lambda: [i.status for i in providers.pagerduty.incidents()] == ["acknowledged"],
        what="the acknowledge at PagerDuty",
    )
    eventually(
        lambda: "Acknowledged by" in bot.slack.state.message(dm.channel, dm.ts).all_text,
        what="the DM updated in place",
    )
    # It still says which incident it was about, and where.
    updated = bot.slack.state.message(dm.channel, dm.ts).all_text
    assert "incident #1 (SEV1): Checkout down" in updated
    assert f"<#{channel.id}>" in updated
    eventually(lambda: "Acknowledged" in bot.card(channel.id).all_text, what="card clock")
    bot.clock.advance(timedelta(hours=1))
    bot.app.runner.run_due_once()
    assert bot.slack.state.dm_messages(LEAD) == []


def test_a_page_dm_follows_the_incident_severity_and_keeps_its_buttons(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    assert "incident #1 (SEV1): Checkout down" in dm.all_text
    bot.command(channel, "sev sev2", user=ONCALL)
    eventually(
        lambda: "(SEV2)" in bot.slack.state.message(dm.channel, dm.ts).all_text,
        what="the DM saying the new severity",
    )
    actions = bot.slack.state.message(dm.channel, dm.ts).blocks[-1]["elements"]
    assert [a["action_id"] for a in actions] == ["page_acknowledge", "page_escalate_now"]


def test_ack_command_and_resolve_propagate(bot: Bot, providers: Providers) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    eventually(lambda: providers.pagerduty.incidents(), what="the trigger")
    bot.command(channel, "ack", user=ONCALL)
    bot.posted(channel.id, "acknowledged the page")
    eventually(
        lambda: [i.status for i in providers.pagerduty.incidents()] == ["acknowledged"],
        what="the acknowledge at PagerDuty",
    )
    bot.command(channel, "resolve")
    eventually(
        lambda: [i.status for i in providers.pagerduty.incidents()] == ["resolved"],
        what="the resolve at PagerDuty",
    )


def test_ack_when_nothing_is_paged_says_so(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev3")
    bot.command(channel, "ack")
    bot.said_to(ONCALL, "nothing is paged for this incident")


def test_page_more_people_by_mention_and_by_email_only_user(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev2")
    bot.command(channel, f"page <@{LEAD}|liam> Need the DB expert")
    dm = page_dm(bot, LEAD)
    assert "Need the DB expert" in dm.all_text
    bot.posted(channel.id, f"paged <@{LEAD}>")
    bot.command(channel, "page primary")
    page_dm(bot, ONCALL)
    bot.command(channel, "page nosuchthing")
    answer = bot.said_to(ONCALL, "`nosuchthing` is not a service or schedule")
    assert "checkout-api" in answer
    assert "primary" in answer


def test_unknown_service_on_declare_creates_nothing(bot: Bot) -> None:
    bot.driver.slash_command(text="declare Checkout down service:payments", user_id=ONCALL)
    bot.said_to(ONCALL, "`payments` is not a service or schedule")
    assert bot.slack.state.calls("conversations.create") == []


def test_a_failing_provider_is_reported_and_slack_still_pages(
    bot: Bot, providers: Providers
) -> None:
    providers.pagerduty.fail(times=100, status=500)
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    text = bot.posted(channel.id, f"Could not reach <@{ONCALL}> via pagerduty").all_text
    assert "HTTP 500" in text
    assert PD_KEY not in text


def test_a_missing_credential_is_said_once_per_incident_and_slack_still_pages(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PD_KEY_E2E")
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    page_dm(bot, ONCALL)
    said = bot.posted(channel.id, f"Could not reach <@{ONCALL}> via pagerduty").all_text
    assert "PD_KEY_E2E is not set" in said
    bot.command(channel, f"page <@{ONCALL}> still down", user=LEAD)  # a second page, same person
    eventually(lambda: _failed_pagerduty_deliveries(bot) == 2, what="both PagerDuty failures")
    eventually(lambda: len(_page_dms(bot, ONCALL)) == 2, what="the second page DM")
    bot.app.runner.run_due_once()
    with bot.app.sessions() as session:
        failures = session.scalars(
            select(TimelineEventRow).where(TimelineEventRow.kind == EventKind.DELIVERY_FAILED)
        ).all()
    assert len(failures) == 1


def _failed_pagerduty_deliveries(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return len(
            session.scalars(
                select(DeliveryRow).where(
                    DeliveryRow.channel == "pagerduty", DeliveryRow.status == "failed"
                )
            ).all()
        )


def _page_dms(bot: Bot, user: str) -> list[Any]:
    return [m for m in bot.slack.state.dm_messages(user) if "You are paged" in m.all_text]


def test_escalate_now_pages_the_next_level_at_once(bot: Bot) -> None:
    bot.declare("Checkout down sev1 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_escalate_now", value="1")
    page_dm(bot, LEAD)


def test_escalate_now_on_a_low_urgency_page_pages_the_next_level_and_says_who_asked(
    bot: Bot,
) -> None:
    channel = bot.declare("Search results stale sev3 service:search")
    dm = page_dm(bot, ONCALL)
    bot.clock.advance(timedelta(minutes=30))  # low urgency: nobody else is paged by itself
    bot.app.runner.run_due_once()
    assert bot.slack.state.dm_messages(LEAD) == []
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_escalate_now", value="1")
    page_dm(bot, LEAD)
    bot.posted(channel.id, f"<@{ONCALL}> escalated: paged <@{LEAD}> (level 2, round 1)")
    bot.clock.advance(timedelta(hours=3))
    bot.app.runner.run_due_once()
    assert bot.slack.state.dm_messages(MANAGER) == []  # and still no escalation by itself
    bot.command(channel, "ack", user=LEAD)
    bot.posted(channel.id, f"<@{LEAD}> acknowledged the page")


def test_a_page_nobody_acknowledged_can_still_be_acknowledged(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    dm = page_dm(bot, ONCALL)
    for minutes, person in [(6, LEAD), (11, MANAGER)]:  # each level after the previous one's delay
        bot.clock.advance(timedelta(minutes=minutes))
        page_dm(bot, person)
    bot.clock.advance(timedelta(hours=2))
    bot.posted(channel.id, "Nobody acknowledged the page for service checkout-api")
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_escalate_now", value="1")
    bot.said_to(ONCALL, "every level of checkout was paged already (1 round)")
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_acknowledge", value="1")
    bot.posted(channel.id, f"<@{ONCALL}> acknowledged the page")


def test_a_person_known_only_by_email_is_found_in_slack(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev2")
    bot.command(channel, "page secondary")
    page_dm(bot, BOB)
    assert bot.slack.state.calls("users.lookupByEmail")


def test_a_dm_posted_before_a_crash_is_adopted_not_repeated(bot: Bot) -> None:
    """A replica that died between posting the DM and recording it must not DM twice.

    The marked DM plays the post of the attempt that died; a failing first claim makes the next
    one a retry, which looks for it (a first attempt posts without reading history)."""
    state = bot.slack.state
    bot.slack.fail("conversations.open", error="fatal_error")
    dm, _ = state.open_conversation([ONCALL])
    key = "incident:1:page:1:escalation:0:loop:0:U0ONCALL:slack"
    state.append_message(
        dm.id,
        user=state.bot_user_id,
        text=":rotating_light: You are paged: incident #1",
        metadata=marked.metadata(key),
    )
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    bot.posted(channel.id, f"Paged <@{ONCALL}>")
    eventually(
        lambda: bot.slack.state.calls("conversations.history"), what="the look for an earlier DM"
    )
    bot.app.runner.run_due_once()
    pages = [m for m in state.dm_messages(ONCALL) if "You are paged" in m.all_text]
    assert len(pages) == 1


def test_a_resolve_caught_in_a_deadlock_with_an_escalation_step_is_run_again(
    bot: Bot, on_postgres: bool
) -> None:
    """PostgreSQL breaks a deadlock by aborting one of the transactions: a resolve that loses
    one runs again instead of answering that it failed (seen in CI: a resolve locks the page's
    timer, then the page; an escalation step the page, then its timer)."""
    if not on_postgres:
        pytest.skip("PostgreSQL's row locks: SQLite's one writer never deadlocks")
    channel = bot.declare("Checkout down sev3 service:checkout-api")
    with bot.app.sessions() as session:
        page_id = session.scalars(select(PageRow.id)).one()
    page_locked = threading.Event()

    def escalation_step() -> None:
        with bot.app.sessions.begin() as session:
            session.execute(update(PageRow).where(PageRow.id == page_id).values(status="active"))
            page_locked.set()
            eventually(lambda: _waiting_for_a_lock(bot), what="the resolve waiting for the page")
            timer = update(Timer).where(Timer.key == escalation_key(page_id))
            session.execute(timer.values(due_at=Timer.due_at))  # the resolve holds it: deadlock

    step = threading.Thread(target=escalation_step)
    step.start()
    assert page_locked.wait(10)
    bot.command(channel, "resolve")
    step.join(30)

    eventually(lambda: _status(bot, channel.id) == "resolved", what="the resolve applied")
    assert not [t for t in bot.slack.state.ephemerals(ONCALL) if "hit an error" in t.all_text]


def _waiting_for_a_lock(bot: Bot) -> bool:
    with bot.app.sessions() as session:  # a new transaction: PostgreSQL's activity view is cached
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        return bool(session.scalar(text(waiting)))


def _status(bot: Bot, channel_id: str) -> str | None:
    with bot.app.sessions() as session:
        query = select(IncidentRow.status).where(IncidentRow.channel_id == channel_id)
        return session.scalar(query)

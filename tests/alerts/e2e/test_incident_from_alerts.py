"""Alerts open, update and close the loop on incidents, end to end over HTTP: the webhook, the
durable processing, the incident channel on the fake Slack, the page DM, the card, the prompt."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot.alerts.rows import AlertPayloadRow
from bot.incidents.domain.commands import Transition
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.timeline import EventKind
from bot.incidents.rows import IncidentRow
from bot.incidents.slack import blocks
from tests.alerts.e2e.conftest import Webhooks, fixture
from tests.e2e.conftest import ONCALL, Bot, eventually
from warroom_sandbox.model import Channel

CHANNEL = "inc-1-checkout-p99-latency-above-2s"


def page_dm(bot: Bot, user: str) -> Any:
    return eventually(
        lambda: next(
            (m for m in bot.slack.state.dm_messages(user) if "You are paged" in m.all_text), None
        ),
        what=f"a page DM to {user}",
    )


def alert_events(bot: Bot, number: int) -> list[tuple[str, str]]:
    """The incident's alert events as (kind, fingerprint), in timeline order."""
    view = bot.app.incidents.view_by_number(number)
    assert view is not None
    alerts = (EventKind.ALERT_FIRING, EventKind.ALERT_RESOLVED, EventKind.ALERTS_NOTICE)
    return [
        (event.kind.value, str(event.data.get("fingerprint", event.data.get("text"))))
        for event in view.timeline
        if event.kind in alerts
    ]


def processed(bot: Bot) -> bool:
    with bot.app.sessions() as session:
        statuses = session.scalars(select(AlertPayloadRow.status)).all()
    return bool(statuses) and set(statuses) == {"processed"}


def incidents(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


def open_checkout_incident(bot: Bot, webhooks: Webhooks) -> Channel:
    response = webhooks.post("alertmanager", fixture("alertmanager-firing-v4.json"))
    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "payload": 1, "alerts": 2}
    return bot.incident_channel(CHANNEL)


def resolved(payload: dict[str, Any], *fingerprints: str) -> dict[str, Any]:
    """``payload`` with the alerts of ``fingerprints`` resolved now."""
    changed = copy.deepcopy(payload)
    ended = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for alert in changed["alerts"]:
        if alert["fingerprint"] in fingerprints:
            alert["status"], alert["endsAt"] = "resolved", ended
    changed["status"] = (
        "resolved" if all(a["status"] == "resolved" for a in changed["alerts"]) else "firing"
    )
    return changed


def test_a_firing_alertmanager_group_opens_an_incident_and_pages(
    bot: Bot, webhooks: Webhooks
) -> None:
    channel = open_checkout_incident(bot, webhooks)

    card = bot.card(channel.id).all_text
    assert "SEV1 (critical)" in card  # severity: critical -> SEV1
    assert "*Service*\ncheckout" in card
    assert "unassigned (the first to acknowledge the page leads)" in card
    assert "*Alerts* 2 firing · 0 resolved" in card
    assert "*CheckoutHighLatency* (Checkout p99 latency above 2s)" in card
    assert "instance=checkout-7d9f:8080" in card
    assert "<http://prometheus.example.com:9090/graph?" in card
    assert "2026-11-20 14:02 UTC" in card  # the alert's start, as the Detected clock
    dm = page_dm(bot, ONCALL)
    assert "incident #1 (SEV1): Checkout p99 latency above 2s" in dm.all_text
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.detected_at == datetime(2026, 11, 20, 14, 2, 11, 372_000, tzinfo=UTC)
    assert view.incident.declarer == "warroom"
    firing = [e for e in view.timeline if e.kind is EventKind.ALERT_FIRING]
    assert [e.data["fingerprint"] for e in firing] == ["4f1c2a9be0d3a7c1", "9a0e77c3d51b2f08"]
    assert firing[0].data["labels"]["instance"] == "checkout-7d9f:8080"
    assert firing[0].data["starts_at"] == "2026-11-20T14:02:11.372000+00:00"
    assert firing[0].data["ends_at"] is None
    assert firing[0].data["generator_url"].startswith("http://prometheus.example.com:9090/")
    assert firing[0].at == view.incident.detected_at
    # Nobody but the bot is in the channel: the declarer is warroom itself.
    assert bot.slack.state.channel(channel.id).members == ["U0BOT"]


def test_later_alerts_of_the_group_attach_and_resends_change_nothing(
    bot: Bot, webhooks: Webhooks
) -> None:
    first = fixture("alertmanager-firing-v4.json")
    channel = open_checkout_incident(bot, webhooks)
    eventually(lambda: processed(bot), what="the first payload processed")
    before = alert_events(bot, 1)
    assert before == [
        ("alert_firing", "4f1c2a9be0d3a7c1"),
        ("alert_firing", "9a0e77c3d51b2f08"),
    ]

    again = webhooks.post("alertmanager", first)
    assert again.json() == {"status": "duplicate", "payload": None, "alerts": 2}
    # The same alerts in a body that differs (Alertmanager orders keys its own way): stored,
    # processed, and still nothing new.
    reordered = json.dumps(first, sort_keys=True, indent=1).encode()
    assert webhooks.post("alertmanager", reordered).json()["status"] == "accepted"
    eventually(lambda: processed(bot), what="the re-sent payload processed")
    assert alert_events(bot, 1) == before

    grown = copy.deepcopy(first)
    third = copy.deepcopy(grown["alerts"][0])
    third["labels"]["instance"] = "checkout-7d9f:8082"
    third["fingerprint"] = "77aa77aa77aa77aa"
    third["startsAt"] = "2026-11-20T14:05:00Z"
    grown["alerts"].append(third)
    assert webhooks.post("alertmanager", grown).status_code == 200
    eventually(lambda: "*Alerts* 3 firing" in bot.card(channel.id).all_text, what="the third alert")
    assert incidents(bot) == 1
    assert alert_events(bot, 1) == [*before, ("alert_firing", "77aa77aa77aa77aa")]


def test_all_resolved_asks_once_and_resolve_from_the_prompt_works(
    bot: Bot, webhooks: Webhooks
) -> None:
    firing = fixture("alertmanager-firing-v4.json")
    channel = open_checkout_incident(bot, webhooks)
    dm = page_dm(bot, ONCALL)

    half = resolved(firing, "4f1c2a9be0d3a7c1")
    assert webhooks.post("alertmanager", half).status_code == 200
    eventually(
        lambda: "*Alerts* 1 firing · 1 resolved" in bot.card(channel.id).all_text,
        what="one alert resolved on the card",
    )
    everything = resolved(firing, "4f1c2a9be0d3a7c1", "9a0e77c3d51b2f08")
    everything["alerts"][0]["endsAt"] = half["alerts"][0]["endsAt"]
    assert webhooks.post("alertmanager", everything).status_code == 200
    prompt = bot.posted(channel.id, "All alerts resolved: mitigate or resolve?")
    assert webhooks.post("alertmanager", everything).json()["status"] == "duplicate"
    assert webhooks.post("alertmanager", json.dumps(everything, indent=2).encode()).is_success
    eventually(lambda: processed(bot), what="the re-sent resolution processed")
    prompts = [
        m for m in bot.slack.state.messages(channel.id) if "mitigate or resolve?" in m.all_text
    ]
    assert len(prompts) == 1
    labels = [
        e["text"]["text"] for b in prompt.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels == ["Mitigate", "Resolve"]
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.is_open  # never resolved by itself
    assert alert_events(bot, 1)[-1] == (
        "alerts_notice",
        "Every alert of this incident has resolved",
    )
    assert [kind for kind, _ in alert_events(bot, 1)].count("alerts_notice") == 1

    # Olivia acknowledges the page from her DM: she becomes the lead and joins the channel.
    bot.driver.block_action(ONCALL, dm.channel, dm.ts, "page_acknowledge", value="1")
    bot.posted(channel.id, f"<@{ONCALL}> made <@{ONCALL}> the lead")
    eventually(lambda: ONCALL in bot.slack.state.channel(channel.id).members, what="invited")
    bot.driver.block_action(ONCALL, channel.id, prompt.ts, blocks.ACTION_RESOLVE, value="1")
    eventually(lambda: "Resolved" in bot.card(channel.id).all_text, what="the resolved card")
    assert "Lead*\n<@U0ONCALL>" in bot.card(channel.id).all_text


def test_a_new_firing_after_the_incident_is_resolved_opens_a_new_one(
    bot: Bot, webhooks: Webhooks
) -> None:
    firing = fixture("alertmanager-firing-v4.json")
    channel = open_checkout_incident(bot, webhooks)
    bot.app.incidents.execute(Transition(Status.RESOLVED, ""), channel_id=channel.id, user=ONCALL)
    again = copy.deepcopy(firing)
    for alert in again["alerts"]:
        alert["startsAt"] = "2026-11-21T08:00:00Z"
    assert webhooks.post("alertmanager", again).status_code == 200
    bot.incident_channel("inc-2-checkout-p99-latency-above-2s")
    assert incidents(bot) == 2


def test_truncated_alerts_are_said_on_the_incident(bot: Bot, webhooks: Webhooks) -> None:
    assert webhooks.post("alertmanager", fixture("alertmanager-truncated-v4.json")).is_success
    channel = bot.incident_channel("inc-1-orders-db-disk-fills-within-4-hours")
    bot.posted(channel.id, "alertmanager dropped 3 alert(s) of this group before sending")
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.severity.value == "SEV3"  # warning -> SEV3


def test_a_storm_of_groups_within_the_window_becomes_one_incident(
    bot: Bot, webhooks: Webhooks
) -> None:
    channel = open_checkout_incident(bot, webhooks)
    other = copy.deepcopy(fixture("alertmanager-firing-v4.json"))
    other["groupKey"] = '{}:{alertname="CheckoutErrors"}'
    for index, alert in enumerate(other["alerts"]):
        alert["labels"]["alertname"] = "CheckoutErrors"
        alert["fingerprint"] = f"e{index}e{index}e{index}e{index}e{index}e{index}e{index}e{index}"
    assert webhooks.post("alertmanager", other).status_code == 200
    eventually(lambda: "*Alerts* 4 firing" in bot.card(channel.id).all_text, what="merged")
    assert incidents(bot) == 1

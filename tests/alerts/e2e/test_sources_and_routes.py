"""Grafana and generic senders, page-only and channel-only routes, and processing that survives
a process that stops after storing: end to end over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.alerts.rows import AlertPayloadRow
from bot.composition import build
from tests.alerts.e2e.conftest import Webhooks, fixture
from tests.e2e.conftest import GENERAL, ONCALL, Bot, e2e_settings, eventually


def generic(name: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    alert = {"name": name, "labels": labels, "starts_at": "2026-11-22T07:30:00Z", **extra}
    return {"alerts": [alert]}


def inc_channels(bot: Bot) -> list[str]:
    return [c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-")]


def payload_statuses(bot: Bot) -> list[str]:
    with bot.app.sessions() as session:
        return list(session.scalars(select(AlertPayloadRow.status).order_by(AlertPayloadRow.id)))


def test_a_grafana_alert_opens_an_incident(bot: Bot, webhooks: Webhooks) -> None:
    response = webhooks.post("grafana", fixture("grafana-firing.json"))
    assert response.status_code == 200
    channel = bot.incident_channel("inc-1-orders-db-connection-pool-above-95")
    card = bot.card(channel.id).all_text
    assert "SEV3 (minor)" in card  # severity: warning -> SEV3
    assert "*Database connections saturated* (orders-db connection pool above 95%)" in card
    assert "<https://grafana.example.com/alerting/grafana/f3b1c9/view|source>" in card
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.detected_at is not None
    assert view.incident.detected_at.isoformat() == "2026-11-21T02:10:00+00:00"  # +01:00 in


def test_a_signed_generic_alert_opens_an_incident(bot: Bot, webhooks: Webhooks) -> None:
    body = generic(
        "Checkout 5xx above 2%",
        {"service": "checkout", "severity": "error"},
        summary="Checkout answers 5xx to 3% of requests",
        url="https://monitor.example.com/checks/42",
    )
    assert webhooks.post("generic", body).status_code == 200
    channel = bot.incident_channel("inc-1-checkout-answers-5xx-to-3-of-requests")
    assert "SEV2 (major)" in bot.card(channel.id).all_text
    assert "<https://monitor.example.com/checks/42|source>" in bot.card(channel.id).all_text


def test_a_page_only_route_pages_the_on_call_without_an_incident(
    bot: Bot, webhooks: Webhooks
) -> None:
    body = generic("Refunds backlog growing", {"service": "refunds"}, summary="4,000 queued")
    assert webhooks.post("generic", body).status_code == 200
    dm = eventually(lambda: bot.slack.state.dm_messages(ONCALL), what="the page DM")[0]
    assert "You are paged for refunds: Refunds backlog growing (4,000 queued)" in dm.all_text
    assert "without opening an incident" in dm.all_text
    second = generic("Refunds backlog growing", {"service": "refunds", "queue": "eu"})
    assert webhooks.post("generic", second).status_code == 200
    eventually(lambda: set(payload_statuses(bot)) == {"processed"}, what="both processed")
    assert len(bot.slack.state.dm_messages(ONCALL)) == 1  # the group was told once
    assert inc_channels(bot) == []


def test_a_channel_only_route_posts_once_per_group(bot: Bot, webhooks: Webhooks) -> None:
    info = fixture("alertmanager-firing-v4.json")
    for alert in info["alerts"]:
        alert["labels"]["severity"] = "info"
    assert webhooks.post("alertmanager", info).status_code == 200
    message = bot.posted(GENERAL, "CheckoutHighLatency: 2 firing (route chatter)")
    assert "instance=checkout-7d9f:8081" in message.all_text
    info["alerts"][0]["status"] = "resolved"
    info["alerts"][0]["endsAt"] = "2026-11-20T14:30:00Z"
    assert webhooks.post("alertmanager", info).status_code == 200
    eventually(lambda: set(payload_statuses(bot)) == {"processed"}, what="both processed")
    posted = [m for m in bot.slack.state.messages(GENERAL) if "route chatter" in m.all_text]
    assert len(posted) == 1
    assert inc_channels(bot) == []


def test_a_payload_stored_before_the_process_stopped_is_processed_after_a_restart(
    bot: Bot,
    webhooks: Webhooks,
    database_url: str,
    config_dir: Path,
    extra_settings: dict[str, Any],
) -> None:
    bot.app.runner.shutdown()  # the process "dies" right after answering the webhook
    response = webhooks.post("alertmanager", fixture("alertmanager-firing-v4.json"))
    assert response.status_code == 200
    assert payload_statuses(bot) == ["pending"]
    assert inc_channels(bot) == []

    settings = e2e_settings(bot.slack, database_url, config_dir, **extra_settings)
    restarted = build(settings, clock=bot.clock, migrate=False)
    restarted.runner.start()
    try:
        bot.incident_channel("inc-1-checkout-p99-latency-above-2s")
        assert payload_statuses(bot) == ["processed"]
    finally:
        restarted.runner.shutdown()
        restarted.engine.dispose()


def test_a_payload_the_new_config_cannot_route_is_marked_failed_with_the_reason(
    bot: Bot,
    webhooks: Webhooks,
    database_url: str,
    config_dir: Path,
    extra_settings: dict[str, Any],
) -> None:
    bot.app.runner.shutdown()
    assert webhooks.post("alertmanager", fixture("alertmanager-firing-v4.json")).is_success
    (config_dir / "alert_routes.yaml").write_text("routes: []\n")

    settings = e2e_settings(bot.slack, database_url, config_dir, **extra_settings)
    restarted = build(settings, clock=bot.clock, migrate=False)
    restarted.runner.start()
    try:
        eventually(lambda: payload_statuses(bot) == ["failed"], what="the payload marked failed")
    finally:
        restarted.runner.shutdown()
        restarted.engine.dispose()
    with bot.app.sessions() as session:
        error = session.scalars(select(AlertPayloadRow.error)).one()
    assert error == (
        "alerts[0] (CheckoutHighLatency): no route in alert_routes.yaml matches its labels "
        "(alertname=CheckoutHighLatency, instance=checkout-7d9f:8080, job=checkout, "
        "service=checkout, severity=critical, team=payments)"
    )
    assert inc_channels(bot) == []

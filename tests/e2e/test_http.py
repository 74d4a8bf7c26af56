"""Health, readiness and metrics, as an operator's probes and Prometheus see them."""

import httpx

from tests.e2e.conftest import Bot


def test_health_and_readiness(bot: Bot) -> None:
    assert httpx.get(f"{bot.url}/healthz").text == "ok"
    ready = httpx.get(f"{bot.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True}


def test_metrics_count_incidents_commands_and_timers(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "status")
    text = httpx.get(f"{bot.url}/metrics").text
    assert 'warroom_incidents{severity="SEV2",status="investigating"} 1.0' in text
    assert 'warroom_command_seconds_count{command="declare"} 1.0' in text
    assert 'warroom_timer_outcomes_total{kind="incident.provision",outcome="done"} 1.0' in text
    assert "warroom_timers_due" in text


def test_metrics_count_slack_api_errors(bot: Bot) -> None:
    bot.slack.fail("conversations.create", times=1, error="fatal_error")
    bot.declare("DB down")
    text = httpx.get(f"{bot.url}/metrics").text
    series = 'warroom_slack_api_errors_total{error="fatal_error",method="conversations.create"}'
    assert f"{series} 1.0" in text

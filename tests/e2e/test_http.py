"""Health, readiness and metrics, as an operator's probes and Prometheus see them, also while
the database is locked by another process or gone."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, make_url

from bot.composition import build
from bot.oncall.web.ical import CalendarFeeds
from bot.postmortems.web.links import ReviewLinks, derived_secret
from tests.e2e.conftest import (
    ICAL_SECRET,
    SECRET,
    Bot,
    Clock,
    e2e_settings,
    eventually,
    metrics_showing,
)
from tests.tcp_proxy import TcpProxy
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.server import BackgroundServer

WEBHOOK_TOKEN = "http-e2e-generic-token"


def test_health_and_readiness(bot: Bot) -> None:
    assert httpx.get(f"{bot.url}/healthz").text == "ok"
    ready = httpx.get(f"{bot.url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True}


def test_metrics_count_incidents_commands_and_timers(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "status")
    provisioned = 'warroom_timer_outcomes_total{kind="incident.provision",outcome="done"} 1.0'

    # The channel is visible a moment before the provisioning timer's outcome is counted.
    gauge = 'warroom_incidents{severity="SEV2",status="investigating"} 1.0'
    text = metrics_showing(bot.url, provisioned, gauge)
    assert 'warroom_command_seconds_count{command="declare"} 1.0' in text
    assert "warroom_timers_due" in text


def test_metrics_count_slack_api_errors(bot: Bot) -> None:
    bot.slack.fail("conversations.create", times=1, error="fatal_error")
    bot.declare("DB down")
    text = httpx.get(f"{bot.url}/metrics").text
    series = 'warroom_slack_api_errors_total{error="fatal_error",method="conversations.create"}'
    assert f"{series} 1.0" in text


# -- a database that is locked or gone ---------------------------------------------------------
# Each request below is bounded (not measured): the bounds sit far under the 15 s that SQLite's
# busy timeout made every one of them wait before, and far over what they take.
PROBE_BOUND_SECONDS = 3.0  # /readyz and /metrics: within a second, with room for a slow machine
WEBHOOK_BOUND_SECONDS = 10.0  # a webhook waits 5 s for the database before its 503
ALERT = {
    "alerts": [
        {
            "name": "Disk almost full",
            "starts_at": "2026-11-20T14:02:11Z",
            "labels": {"service": "checkout-api"},
        }
    ]
}


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"alerts_generic_token": SecretStr(WEBHOOK_TOKEN)}


def timed(send: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = send()
    return response, time.monotonic() - started


def post_alert(url: str) -> httpx.Response:
    return httpx.post(
        f"{url}/webhooks/generic",
        json=ALERT,
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
        timeout=30,
    )


def assert_prompt_answers_without_the_database(
    url: str, clock: Clock, *, reads_served: bool = False
) -> None:
    """Prompt answers; with ``reads_served`` (SQLite whose write lock another process holds:
    WAL readers do not need it) the pages that only read are served as usual."""
    ready, took = timed(lambda: httpx.get(f"{url}/readyz", timeout=30))
    assert (ready.status_code, ready.json()["ready"], took < PROBE_BOUND_SECONDS) == (
        503,
        False,
        True,
    ), (ready.text, took)
    metrics, took = timed(lambda: httpx.get(f"{url}/metrics", timeout=30))
    assert (metrics.status_code, took < PROBE_BOUND_SECONDS) == (200, True), took
    assert "warroom_database_up" in metrics.text
    stored, took = timed(lambda: post_alert(url))
    assert (stored.status_code, took < WEBHOOK_BOUND_SECONDS) == (503, True), (stored.text, took)
    assert stored.json() == {"error": "could not store the alerts right now; send them again"}
    for page, usual in ((review_link(url, clock), 404), (feed_link(url), 200)):  # 404: no draft
        answer, took = timed(lambda: httpx.get(page, timeout=30))  # noqa: B023  (called at once)
        expected = usual if reads_served else 503
        assert (answer.status_code, took < PROBE_BOUND_SECONDS) == (expected, True), (page, took)


def review_link(url: str, clock: Clock) -> str:
    return ReviewLinks(url, derived_secret(SECRET), timedelta(hours=1), clock).url(1)


def feed_link(url: str) -> str:
    link = CalendarFeeds(url, SecretStr(ICAL_SECRET)).url("primary")
    assert link is not None
    return link


def test_a_locked_sqlite_database_gets_prompt_answers(bot: Bot, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    path = database_url.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        assert_prompt_answers_without_the_database(bot.url, bot.clock, reads_served=True)
    finally:
        locker.rollback()
        locker.close()
    eventually(lambda: httpx.get(f"{bot.url}/readyz").status_code == 200, what="ready again")
    again = post_alert(bot.url)
    assert again.status_code == 200, again.text
    assert again.json()["status"] in ("accepted", "duplicate")  # a late write may have stored it


@pytest.mark.postgres
def test_a_postgresql_server_that_went_away_gets_prompt_answers(
    slack: FakeSlackServer, engine: Engine, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (WARROOM_TEST_DATABASE_URL)")
    target = make_url(database_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        settings = e2e_settings(slack, url, alerts_generic_token=SecretStr(WEBHOOK_TOKEN))
        clock = Clock()
        app = build(settings, clock=clock, migrate=False)
        try:
            with BackgroundServer(app.asgi) as server:
                # the first check connects through the proxy: on a busy machine, past its wait
                eventually(
                    lambda: httpx.get(f"{server.url}/readyz").status_code == 200, what="ready"
                )
                proxy.refuse()  # the server's port is closed now: nothing listens there
                assert_prompt_answers_without_the_database(server.url, clock)
                assert "warroom_database_up 0.0" in httpx.get(f"{server.url}/metrics").text
        finally:
            app.engine.dispose()

"""Maintenance windows over HTTP: a service's alerts during its window are stored but open no
incident and page nobody; after the window the same alerts open and page as usual.

``checkout`` and ``refunds`` (page-only) are in maintenance from an hour ago until an hour from
now, planned in ``services.yaml``; the test clock skips past the end.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.alerts.rows import MAINTENANCE, AlertGroupRow, AlertPayloadRow, AlertRow
from tests.alerts.e2e.conftest import Webhooks, fixture, write_config
from tests.e2e.conftest import ONCALL, Bot, eventually

NOW = datetime.now(UTC).replace(microsecond=0)
START, END = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
CHANNEL = "inc-1-checkout-p99-latency-above-2s"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = write_config(tmp_path)
    window = f"{{start: '{START.isoformat()}', end: '{END.isoformat()}', reason: db upgrade}}"
    (folder / "services.yaml").write_text(f"""
services:
  - {{name: checkout, escalation_policy: checkout, maintenance: [{window}]}}
  - {{name: orders-db, escalation_policy: checkout}}
  - {{name: refunds, escalation_policy: checkout, maintenance: [{window}]}}
""")
    return folder


def processed(bot: Bot) -> bool:
    with bot.app.sessions() as session:
        statuses = set(session.scalars(select(AlertPayloadRow.status)))
    return statuses == {"processed"}


def inc_channels(bot: Bot) -> list[str]:
    return [c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-")]


def stored(bot: Bot) -> list[tuple[str, str, str]]:
    """(fingerprint, status, group action) of every stored alert."""
    with bot.app.sessions() as session:
        found = session.execute(
            select(AlertRow.fingerprint, AlertRow.status, AlertGroupRow.action)
            .join(AlertGroupRow, AlertGroupRow.id == AlertRow.group_id)
            .order_by(AlertRow.id)
        )
        return [(f, s, a) for f, s, a in found]


def test_an_alert_in_a_window_is_stored_and_opens_nothing_until_the_window_ends(
    bot: Bot, webhooks: Webhooks
) -> None:
    payload = fixture("alertmanager-firing-v4.json")
    assert webhooks.post("alertmanager", payload).status_code == 200
    eventually(lambda: processed(bot), what="the payload processed")
    assert stored(bot) == [
        ("4f1c2a9be0d3a7c1", "firing", MAINTENANCE),
        ("9a0e77c3d51b2f08", "firing", MAINTENANCE),
    ]
    repeat = copy.deepcopy(payload)  # Alertmanager's repeat during the window
    repeat["alerts"][0]["annotations"]["runbook"] = "https://runbooks.example.com/latency"
    assert webhooks.post("alertmanager", repeat).status_code == 200
    eventually(lambda: processed(bot), what="the repeat processed")
    assert len(stored(bot)) == 2  # the same alerts, held in the same group
    assert inc_channels(bot) == []
    assert bot.slack.state.dm_messages(ONCALL) == []

    bot.clock.advance(timedelta(hours=2))  # the window is over
    after = copy.deepcopy(payload)
    after["alerts"][0]["annotations"]["runbook"] = "https://runbooks.example.com/p99"
    assert webhooks.post("alertmanager", after).status_code == 200
    bot.incident_channel(CHANNEL)
    dm = eventually(lambda: bot.slack.state.dm_messages(ONCALL), what="the page DM")[0]
    assert "incident #1" in dm.all_text


def test_a_page_only_route_pages_nobody_in_a_window(bot: Bot, webhooks: Webhooks) -> None:
    alert = {
        "name": "Refunds backlog",
        "labels": {"service": "refunds"},
        "starts_at": START.isoformat(),
    }
    body = {"alerts": [alert]}
    assert webhooks.post("generic", body).status_code == 200
    eventually(lambda: processed(bot), what="the payload processed")
    assert [action for _, _, action in stored(bot)] == [MAINTENANCE]
    bot.app.runner.run_due_once()
    assert bot.slack.state.dm_messages(ONCALL) == []

    bot.clock.advance(timedelta(hours=2))
    body["alerts"][0]["summary"] = "still growing"
    assert webhooks.post("generic", body).status_code == 200
    dm = eventually(lambda: bot.slack.state.dm_messages(ONCALL), what="the page DM")[0]
    assert "You are paged for refunds" in dm.all_text

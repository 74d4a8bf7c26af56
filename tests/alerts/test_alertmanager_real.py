"""The real Prometheus Alertmanager fires at the real app: end to end over loopback HTTP.

The whole app runs with the fake Slack (``bot`` fixture; config in ``config/``: Olivia always on
call for ``checkout``, critical alerts open incidents). A real Alertmanager (``alertmanager``
harness) groups by ``alertname`` and ``service``, and its webhook receiver is the app's
``/webhooks/alertmanager`` with the app's bearer token. Alerts are posted to Alertmanager's
``/api/v2/alerts`` as Prometheus posts them; everything the test sees comes out of Slack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from bot.incidents.domain.timeline import EventKind, TimelineEvent
from bot.incidents.rows import IncidentRow
from bot.kernel.timers.rows import Timer
from tests.alerts.alertmanager import Alertmanager, api_alert, fingerprint
from tests.alerts.conftest import WEBHOOK_TOKEN
from tests.e2e.conftest import ONCALL, Bot, eventually
from warroom_sandbox.model import Channel, Message

pytestmark = pytest.mark.slow

LATENCY = {"alertname": "CheckoutHighLatency", "service": "checkout", "severity": "critical"}
FIRST = {**LATENCY, "instance": "checkout-7d9f:8080"}
SECOND = {**LATENCY, "instance": "checkout-7d9f:8081"}
PROMPT = "All alerts resolved: mitigate or resolve?"

T = TypeVar("T")


@pytest.fixture
def alertmanager(bot: Bot, tmp_path: Path) -> Iterator[Alertmanager]:
    """Re-sends an unchanged group every 2 s, so the test sees repeats."""
    receiver = f"{bot.url}/webhooks/alertmanager"
    with Alertmanager(tmp_path, receiver, WEBHOOK_TOKEN, repeat_interval="2s") as running:
        yield running


def incident_channels(bot: Bot) -> list[Channel]:
    return [c for c in bot.slack.state.conversations() if c.name.startswith("inc-")]


def waiting(alertmanager: Alertmanager, probe: Callable[[], T | None], what: str) -> T:
    """``eventually``, with Alertmanager's log in the message when it times out."""
    try:
        return eventually(probe, what=what)
    except AssertionError as error:
        raise AssertionError(alertmanager.explain(str(error))) from None


def incident_count(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


def timeline(bot: Bot, number: int) -> list[TimelineEvent]:
    view = bot.app.incidents.view_by_number(number)
    assert view is not None
    return view.timeline


def firing_fingerprints(bot: Bot, number: int) -> list[str]:
    events = timeline(bot, number)
    return [str(e.data["fingerprint"]) for e in events if e.kind is EventKind.ALERT_FIRING]


def webhooks_answered(bot: Bot, outcome: str) -> float:
    """``warroom_alert_webhooks_total{source="alertmanager",outcome=...}`` from ``/metrics``."""
    metrics = httpx.get(f"{bot.url}/metrics", timeout=10).text
    pattern = rf'^warroom_alert_webhooks_total{{[^}}]*outcome="{outcome}"[^}}]*}} (\S+)$'
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def idle(bot: Bot) -> bool:
    """No timer is due or running: the app has finished what it received."""
    with bot.app.sessions() as session:
        busy = select(func.count()).select_from(Timer)
        busy = busy.where(Timer.status == "pending", Timer.due_at <= bot.clock())
        return session.scalar(busy) == 0


def prompts(bot: Bot, channel: Channel) -> list[Message]:
    return [m for m in bot.slack.state.messages(channel.id) if PROMPT in m.all_text]


def buttons(message: Message) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_alertmanager_opens_pages_groups_and_asks_when_all_resolved(
    bot: Bot, alertmanager: Alertmanager
) -> None:
    started = datetime.now(UTC).replace(microsecond=250_000) - timedelta(minutes=4)
    details: dict[str, Any] = {"annotations": {"summary": "Checkout p99 latency above 2s"}}
    alertmanager.post(api_alert(FIRST, starts_at=started, **details))

    channel = waiting(
        alertmanager,
        lambda: next((c for c in incident_channels(bot) if bot.provisioned(c)), None),
        "an incident channel with its pinned card",
    )
    assert re.fullmatch(r"inc-1-[a-z0-9-]+", channel.name), channel.name
    card = bot.card(channel.id).all_text
    assert "Incident #1" in card
    assert "SEV1" in card
    page = waiting(
        alertmanager,
        lambda: next(
            (m for m in bot.slack.state.dm_messages(ONCALL) if "paged" in m.all_text), None
        ),
        "the page DM to the on-call engineer",
    )
    assert "incident #1" in page.all_text
    assert "Acknowledge" in page.all_text
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.detected_at == started, "detected_at is the alert's startsAt"

    alertmanager.post(api_alert(SECOND, starts_at=started + timedelta(minutes=1), **details))
    waiting(
        alertmanager,
        lambda: fingerprint(SECOND) in firing_fingerprints(bot, 1),
        "the second alert on the first incident's timeline",
    )
    assert firing_fingerprints(bot, 1) == [fingerprint(FIRST), fingerprint(SECOND)]

    # Alertmanager re-sends the unchanged group every repeat_interval: nothing changes.
    before = timeline(bot, 1)
    repeats = webhooks_answered(bot, "duplicate")
    waiting(
        alertmanager,
        lambda: webhooks_answered(bot, "duplicate") >= repeats + 2,
        "two repeats of the unchanged group",
    )
    waiting(alertmanager, lambda: idle(bot), "the app to finish")
    assert timeline(bot, 1) == before
    assert incident_count(bot) == 1
    assert [c.name for c in incident_channels(bot)] == [channel.name]

    ended = datetime.now(UTC).replace(microsecond=500_000) - timedelta(seconds=1)
    alertmanager.post(
        api_alert(FIRST, starts_at=started, ends_at=ended, **details),
        api_alert(SECOND, starts_at=started + timedelta(minutes=1), ends_at=ended, **details),
    )
    prompt = waiting(
        alertmanager, lambda: next(iter(prompts(bot, channel)), None), "the all-resolved prompt"
    )
    assert buttons(prompt) == ["Mitigate", "Resolve"]
    waiting(alertmanager, lambda: idle(bot), "the app to finish")
    assert len(prompts(bot, channel)) == 1
    resolved = [e for e in timeline(bot, 1) if e.kind is EventKind.ALERT_RESOLVED]
    assert sorted(str(e.data["fingerprint"]) for e in resolved) == sorted(
        [fingerprint(FIRST), fingerprint(SECOND)]
    )
    assert [e.data["ends_at"] for e in resolved] == [ended.isoformat()] * 2
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    assert view.incident.is_open, "resolving is the responders' call, never automatic"
    assert incident_count(bot) == 1

"""What the real Alertmanager (0.25, Debian's package) sends to a webhook receiver.

A small recording receiver stands in for warroom: these tests pin down the payloads and the
delivery behaviour that ``/webhooks/alertmanager`` must handle. The payloads have the keys of the
shared samples (``shared/fixtures/alertmanager``: ``PAYLOAD_KEYS``, ``ALERT_KEYS``): version "4",
``groupKey``, ``truncatedAlerts``, per-alert ``fingerprint`` and ``status``, a zero ``endsAt``
while firing. The bearer token comes from ``http_config.authorization``; a group is re-sent
unchanged every ``repeat_interval``; resolutions come with ``send_resolved``; a 5xx answer is
retried at once.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.alerts.alertmanager import (
    ZERO_TIME,
    Alertmanager,
    api_alert,
    notification,
    webhook_alert,
)
from warroom_sandbox.server import BackgroundServer

PAYLOAD_KEYS = {
    "receiver",
    "status",
    "alerts",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "version",
    "groupKey",
    "truncatedAlerts",
}
ALERT_KEYS = {
    "status",
    "labels",
    "annotations",
    "startsAt",
    "endsAt",
    "generatorURL",
    "fingerprint",
}
TOKEN = "am-webhook-token"
WAIT_SECONDS = 30.0
CHECKOUT = {"alertname": "CheckoutHighLatency", "service": "checkout", "severity": "critical"}
GROUP = {"alertname": "CheckoutHighLatency", "service": "checkout"}  # the route's group_by


@dataclass(frozen=True)
class Delivery:
    """One POST as the receiver saw it."""

    headers: dict[str, str]
    body: dict[str, Any]


class RecordingReceiver:
    """A webhook receiver that records every POST to ``/hook`` and answers with ``statuses`` in
    turn (200 once they are used up)."""

    def __init__(self, statuses: Iterable[int] = ()) -> None:
        self._statuses = list(statuses)
        self._deliveries: list[Delivery] = []
        self._changed = threading.Condition()
        self.app = Starlette(routes=[Route("/hook", self._receive, methods=["POST"])])

    async def _receive(self, request: Request) -> Response:
        delivery = Delivery(dict(request.headers), json.loads(await request.body()))
        with self._changed:
            self._deliveries.append(delivery)
            status = self._statuses.pop(0) if self._statuses else 200
            self._changed.notify_all()
        if status == 200:
            return JSONResponse({"status": "accepted"})
        return JSONResponse({"error": "try again"}, status_code=status)

    def wait_for(
        self, enough: Callable[[list[Delivery]], bool], what: str, alertmanager: Alertmanager
    ) -> list[Delivery]:
        """Every delivery so far, once ``enough`` holds for them (a generous deadline)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: enough(self._deliveries), WAIT_SECONDS)
            deliveries = list(self._deliveries)
        assert arrived, alertmanager.explain(f"timed out waiting for {what}; got {deliveries}")
        return deliveries


@contextmanager
def serving(receiver: RecordingReceiver) -> Iterator[str]:
    """The receiver on a loopback port; yields its hook URL."""
    with BackgroundServer(receiver.app) as server:
        yield f"{server.url}/hook"


@pytest.fixture
def receiver() -> RecordingReceiver:
    return RecordingReceiver()


@pytest.fixture
def hook_url(receiver: RecordingReceiver) -> Iterator[str]:
    with serving(receiver) as url:
        yield url


def count(n: int) -> Callable[[list[Delivery]], bool]:
    return lambda deliveries: len(deliveries) >= n


def test_a_firing_alert_arrives_as_a_version_4_webhook_with_the_bearer_token(
    tmp_path: Path, receiver: RecordingReceiver, hook_url: str
) -> None:
    started = datetime.now(UTC) - timedelta(minutes=3)
    labels = {**CHECKOUT, "instance": "checkout-7d9f:8080"}
    details: dict[str, Any] = {
        "annotations": {"summary": "Checkout p99 latency above 2s"},
        "generator_url": "http://prometheus.test:9090/graph?g0.expr=latency",
    }
    with Alertmanager(tmp_path, hook_url, TOKEN) as alertmanager:
        alertmanager.post(api_alert(labels, starts_at=started, **details))
        [delivery] = receiver.wait_for(count(1), "the first notification", alertmanager)

    headers, payload = delivery.headers, delivery.body
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["content-type"] == "application/json"
    assert headers["user-agent"].startswith("Alertmanager/")
    assert payload.keys() == PAYLOAD_KEYS
    assert payload["alerts"][0].keys() == ALERT_KEYS
    assert payload["version"] == "4"
    assert payload["groupKey"] == '{}:{alertname="CheckoutHighLatency", service="checkout"}'
    assert payload["truncatedAlerts"] == 0
    assert payload["alerts"][0]["endsAt"] == ZERO_TIME, "still firing"
    assert re.fullmatch(r"[0-9a-f]{16}", payload["alerts"][0]["fingerprint"])
    expected = webhook_alert(labels, starts_at=started, **details)
    assert payload == notification([expected], GROUP, external_url=payload["externalURL"])


@pytest.mark.slow
def test_a_group_is_resent_unchanged_every_repeat_interval_and_resolves_as_a_whole(
    tmp_path: Path, receiver: RecordingReceiver, hook_url: str
) -> None:
    first = {**CHECKOUT, "instance": "a"}
    second = {**CHECKOUT, "instance": "b"}
    started = {"a": datetime.now(UTC) - timedelta(minutes=3), "b": datetime.now(UTC)}
    with Alertmanager(tmp_path, hook_url, TOKEN, repeat_interval="3s") as alertmanager:
        alertmanager.post(api_alert(first, starts_at=started["a"]))
        receiver.wait_for(count(1), "the first alert", alertmanager)
        alertmanager.post(api_alert(second, starts_at=started["b"]))
        deliveries = receiver.wait_for(count(3), "the group, then its repeat", alertmanager)
        ended = datetime.now(UTC) - timedelta(seconds=1)
        alertmanager.post(
            *(
                api_alert(x, starts_at=started[x["instance"]], ends_at=ended)
                for x in (first, second)
            )
        )
        resolved = receiver.wait_for(
            lambda got: got[-1].body["status"] == "resolved", "the resolution", alertmanager
        )[-1]

    url = deliveries[0].body["externalURL"]

    def expect(*alerts: dict[str, Any]) -> dict[str, Any]:
        return notification(alerts, GROUP, external_url=url)

    a, b = (webhook_alert(x, starts_at=started[x["instance"]]) for x in (first, second))
    assert deliveries[0].body == expect(a)
    assert deliveries[1].body == expect(a, b), "the whole group again, with the new alert"
    assert deliveries[2].body == expect(a, b), "a repeat is the same payload: it changes nothing"
    a_end, b_end = (
        webhook_alert(x, starts_at=started[x["instance"]], ends_at=ended) for x in (first, second)
    )
    assert resolved.body == expect(a_end, b_end)
    assert resolved.body["status"] == "resolved"


def test_an_answer_of_503_is_retried_within_the_same_notification(tmp_path: Path) -> None:
    """Alertmanager retries 5xx with backoff at once, but gives a 4xx up until the group's next
    ``group_interval`` (``notify retry canceled due to unrecoverable error``): a webhook that
    cannot store a payload must answer 5xx, never 4xx, to get it again quickly."""
    receiver = RecordingReceiver(statuses=[503, 503])
    with (
        serving(receiver) as hook_url,
        Alertmanager(tmp_path, hook_url, TOKEN, group_interval="1h") as alertmanager,
    ):
        alertmanager.post(api_alert(CHECKOUT, starts_at=datetime.now(UTC)))
        deliveries = receiver.wait_for(count(3), "two retries", alertmanager)
        log = alertmanager.log()

    assert [d.body for d in deliveries[1:]] == [deliveries[0].body] * 2
    assert "Notify attempt failed, will retry later" in log

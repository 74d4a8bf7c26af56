"""The fakes answer like the real APIs, including their errors, and fail on demand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.notify.support import GENIE_KEY, ROUTING_KEY, fixture
from warroom_sandbox.providers import FakeOpsgenie, FakePagerDuty


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def _trigger(**payload: Any) -> dict[str, Any]:
    body = {"summary": "disk full", "source": "db-1", "severity": "error"} | payload
    return {"routing_key": ROUTING_KEY, "event_action": "trigger", "payload": body}


# -- PagerDuty ------------------------------------------------------------------------------------


def test_pagerduty_accepts_the_fixture_event(http: httpx.Client, pagerduty: FakePagerDuty) -> None:
    response = http.post(
        f"{pagerduty.url}/v2/enqueue", json=fixture("pagerduty/events-v2-trigger.json")
    )
    assert response.status_code == 202
    assert response.json() == fixture("pagerduty/events-v2-response-202.json")


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (_trigger() | {"routing_key": "short"}, "Length of 'routing_key' is incorrect"),
        ({k: v for k, v in _trigger().items() if k != "routing_key"}, "'routing_key' is missing"),
        (_trigger(summary=" "), "'payload.summary' is missing or blank"),
        (_trigger(summary="x" * 1025), "'payload.summary' is too long"),
        (_trigger(severity="sev1"), "'payload.severity' is invalid"),
        (_trigger(source=None), "'payload.source' is missing or blank"),
        (_trigger() | {"event_action": "close"}, "'event_action' is invalid"),
        (_trigger() | {"dedup_key": "k" * 256}, "'dedup_key' must be a string of at most 255"),
        ({"routing_key": ROUTING_KEY, "event_action": "resolve"}, "'dedup_key' is missing"),
    ],
)
def test_pagerduty_rejects_invalid_events_like_pagerduty(
    http: httpx.Client, pagerduty: FakePagerDuty, event: dict[str, Any], error: str
) -> None:
    response = http.post(f"{pagerduty.url}/v2/enqueue", json=event)
    assert response.status_code == 400
    body = response.json()
    expected = fixture("pagerduty/events-v2-response-400.json")
    assert body.keys() == expected.keys()
    assert (body["status"], body["message"]) == (expected["status"], expected["message"])
    assert any(e.startswith(error) for e in body["errors"]), body["errors"]
    assert pagerduty.events() == []


def test_pagerduty_rejects_a_body_that_is_not_json(
    http: httpx.Client, pagerduty: FakePagerDuty
) -> None:
    response = http.post(f"{pagerduty.url}/v2/enqueue", content=b"routing_key=x")
    assert response.status_code == 400
    assert response.json()["status"] == "invalid event"
    assert http.get(f"{pagerduty.url}/v2/enqueue").status_code == 405


def test_pagerduty_generates_a_dedup_key_and_drops_unmatched_follow_ups(
    http: httpx.Client, pagerduty: FakePagerDuty
) -> None:
    key = http.post(f"{pagerduty.url}/v2/enqueue", json=_trigger()).json()["dedup_key"]
    assert len(key) == 32
    ack = {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": "nope"}
    assert http.post(f"{pagerduty.url}/v2/enqueue", json=ack).status_code == 202
    other_key = "S" * 32  # follow-ups through another routing key do not apply
    resolve = {"routing_key": other_key, "event_action": "resolve", "dedup_key": key}
    assert http.post(f"{pagerduty.url}/v2/enqueue", json=resolve).status_code == 202
    [incident] = pagerduty.open_incidents()
    assert (incident.dedup_key, incident.status) == (key, "triggered")


def test_injected_failures_answer_in_the_providers_shape(
    http: httpx.Client, pagerduty: FakePagerDuty, opsgenie: FakeOpsgenie
) -> None:
    pagerduty.fail(1, status=400)
    pagerduty.fail(1, status=429, retry_after=7)
    opsgenie.fail(1, status=429, retry_after=2)
    url = f"{pagerduty.url}/v2/enqueue"
    invalid, throttled = http.post(url, json=_trigger()), http.post(url, json=_trigger())
    assert (invalid.status_code, invalid.json()["message"]) == (400, "Event object is invalid")
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "7")
    assert http.post(url, json=_trigger()).status_code == 202
    limited = http.post(f"{opsgenie.url}/v2/alerts", json={"message": "m"})
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "2")
    assert limited.headers["x-ratelimit-state"] == "THROTTLED"
    assert {"message", "took", "requestId"} <= limited.json().keys()
    assert [r.fault for r in pagerduty.requests()] == ["fail", "fail", None]
    assert len(pagerduty.incidents()) == 1


def test_refuse_and_accept_keep_the_port_and_the_state(
    http: httpx.Client, pagerduty: FakePagerDuty
) -> None:
    url = pagerduty.url
    http.post(f"{url}/v2/enqueue", json=_trigger(dedup_key="a"))
    pagerduty.refuse_connections()
    with pytest.raises(httpx.ConnectError):
        http.post(f"{url}/v2/enqueue", json=_trigger())
    pagerduty.accept_connections()
    assert pagerduty.url == url
    assert http.post(f"{url}/v2/enqueue", json=_trigger()).status_code == 202
    assert len(pagerduty.incidents()) == 2


def test_timeout_holds_the_request_until_the_client_gives_up(
    http: httpx.Client, pagerduty: FakePagerDuty
) -> None:
    pagerduty.timeout(1, seconds=10)
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            f"{pagerduty.url}/v2/enqueue", json=_trigger(), timeout=httpx.Timeout(5, read=0.2)
        )
    assert http.post(f"{pagerduty.url}/v2/enqueue", json=_trigger()).status_code == 202
    assert [(r.status, r.fault) for r in pagerduty.requests()] == [(None, "timeout"), (202, None)]
    assert len(pagerduty.incidents()) == 1


# -- Opsgenie -------------------------------------------------------------------------------------


def _genie(key: str = GENIE_KEY) -> dict[str, str]:
    return {"Authorization": f"GenieKey {key}"}


def test_opsgenie_accepts_the_fixture_alert(http: httpx.Client, opsgenie: FakeOpsgenie) -> None:
    body = fixture("opsgenie/create-alert.json")
    response = http.post(f"{opsgenie.url}/v2/alerts", json=body, headers=_genie())
    assert response.status_code == 202
    assert response.json().keys() == fixture("opsgenie/create-alert-response-202.json").keys()
    [alert] = opsgenie.alerts()
    assert (alert.alias, alert.priority, alert.status, alert.count) == (
        body["alias"],
        "P2",
        "open",
        1,
    )


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": GENIE_KEY}, _genie("unknown"), {"Authorization": "Bearer x"}]
)
def test_opsgenie_needs_a_genie_key(
    http: httpx.Client, opsgenie: FakeOpsgenie, headers: dict[str, str]
) -> None:
    response = http.post(f"{opsgenie.url}/v2/alerts", json={"message": "m"}, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["message"] == "Could not authenticate"
    assert {"took", "requestId"} <= body.keys()


@pytest.mark.parametrize(
    ("alert", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "m" * 131}, "message"),
        ({"message": "m", "alias": "a" * 513}, "alias"),
        ({"message": "m", "priority": "P0"}, "priority"),
        ({"message": "m", "details": {"incident": 1}}, "details"),
        ({"message": "m", "responders": [{"type": "user"}]}, "responders"),
    ],
)
def test_opsgenie_rejects_unprocessable_alerts_with_422(
    http: httpx.Client, opsgenie: FakeOpsgenie, alert: dict[str, Any], field: str
) -> None:
    response = http.post(f"{opsgenie.url}/v2/alerts", json=alert, headers=_genie())
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "Request body is not processable. Please check the errors."
    assert field in body["errors"]
    assert opsgenie.alerts() == []


def test_opsgenie_identifies_alerts_by_id_tiny_or_alias(
    http: httpx.Client, opsgenie: FakeOpsgenie
) -> None:
    url = f"{opsgenie.url}/v2/alerts"
    http.post(url, json={"message": "one", "alias": "a1"}, headers=_genie())
    http.post(url, json={"message": "two"}, headers=_genie())  # alias defaults to the message
    first, second = opsgenie.alerts()
    assert second.alias == "two"
    ack = http.post(f"{url}/{first.id}/acknowledge", json={}, headers=_genie())
    close = http.post(f"{url}/{second.tiny_id}/close?identifierType=tiny", headers=_genie())
    bad = http.post(f"{url}/a1/close?identifierType=name", headers=_genie())
    assert (ack.status_code, close.status_code, bad.status_code) == (202, 202, 422)
    first, second = opsgenie.alerts()
    assert (first.acknowledged, first.status, second.status) == (True, "open", "closed")
    assert http.post(url, json={"message": "two"}, headers=_genie()).status_code == 202
    assert len(opsgenie.alerts()) == 3  # the closed alias no longer de-duplicates

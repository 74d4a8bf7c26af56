"""PagerDuty Events API v2 against the local fake, over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.config.model import PagerDutyChannel
from bot.paging.notify import DeliveryFailed, Notifiers
from tests.notify.support import PD, ROUTING_KEY, Waits, fixture, no_secrets, notice
from warroom_sandbox.providers import FakePagerDuty


def test_trigger_sends_the_documented_event(notifiers: Notifiers, pagerduty: FakePagerDuty) -> None:
    key = notifiers.trigger(notice(), PD)

    assert key == "warroom:incident:1:page"
    [request] = pagerduty.requests()
    assert (request.method, request.path, request.status) == ("POST", "/v2/enqueue", 202)
    assert request.headers["content-type"] == "application/json"
    sent, expected = request.json(), fixture("pagerduty/events-v2-trigger.json")
    assert sent.keys() - {"images"} == expected.keys()
    assert sent["payload"].keys() - {"group"} == expected["payload"].keys() - {"group"}
    for field in ("routing_key", "event_action", "dedup_key", "client", "client_url", "links"):
        assert sent[field] == expected[field], field
    for field in ("summary", "source", "severity", "timestamp", "component", "class"):
        assert sent["payload"][field] == expected["payload"][field], field
    assert (
        sent["payload"]["custom_details"].items() >= expected["payload"]["custom_details"].items()
    )


@pytest.mark.parametrize(
    ("severity", "expected"),
    [("SEV1", "critical"), ("SEV2", "error"), ("SEV3", "warning"), ("SEV4", "info")],
)
def test_severity_mapping(
    notifiers: Notifiers, pagerduty: FakePagerDuty, severity: str, expected: str
) -> None:
    notifiers.trigger(notice(severity=severity), PD)
    assert pagerduty.events()[0]["payload"]["severity"] == expected


def test_acknowledge_and_resolve_follow_the_trigger(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    key = notifiers.trigger(notice(), PD)
    notifiers.acknowledge(key, PD)
    incident = pagerduty.incident(key)
    assert incident is not None
    assert incident.status == "acknowledged"

    notifiers.resolve(key, PD)
    assert pagerduty.open_incidents() == []
    ack, resolve = pagerduty.events()[1:]
    assert ack == {"routing_key": ROUTING_KEY, "event_action": "acknowledge", "dedup_key": key}
    assert resolve == {"routing_key": ROUTING_KEY, "event_action": "resolve", "dedup_key": key}
    answers = [r.answer() for r in pagerduty.requests()]
    assert all(a.keys() == fixture("pagerduty/events-v2-response-202.json").keys() for a in answers)


def test_a_repeated_trigger_is_merged_not_doubled(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    notifiers.trigger(notice(), PD)
    notifiers.trigger(notice(), PD)
    notifiers.trigger(notice(dedup_key="warroom:incident:2:page"), PD)

    open_incidents = pagerduty.open_incidents()
    assert [(i.dedup_key, i.triggers) for i in open_incidents] == [
        ("warroom:incident:1:page", 2),
        ("warroom:incident:2:page", 1),
    ]


def test_after_resolve_a_trigger_opens_a_new_incident(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    key = notifiers.trigger(notice(), PD)
    notifiers.resolve(key, PD)
    notifiers.trigger(notice(), PD)
    assert [i.status for i in pagerduty.incidents()] == ["resolved", "triggered"]


def test_a_long_page_key_becomes_a_stable_dedup_key_within_255(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    long_key = "incident:42:" + "x" * 400
    key = notifiers.trigger(notice(dedup_key=long_key), PD)
    assert len(key) == 255
    notifiers.acknowledge(long_key, PD)  # the original key works as well as the returned one
    notifiers.resolve(key, PD)
    [incident] = pagerduty.incidents()
    assert incident.dedup_key == key
    assert incident.status == "resolved"


def test_long_summary_is_cut_to_1024_at_a_word(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    notifiers.trigger(notice(title="latency " * 300), PD)
    summary = pagerduty.events()[0]["payload"]["summary"]
    assert len(summary) <= 1024
    assert summary.endswith("latency…")


def test_429_waits_retry_after_then_succeeds(
    notifiers: Notifiers, pagerduty: FakePagerDuty, waits: Waits
) -> None:
    pagerduty.fail(1, status=429, retry_after=2)
    notifiers.trigger(notice(), PD)
    assert waits.calls == [2.0]
    assert [r.status for r in pagerduty.requests()] == [429, 202]
    assert len(pagerduty.open_incidents()) == 1


def test_5xx_is_retried_with_backoff(
    notifiers: Notifiers, pagerduty: FakePagerDuty, waits: Waits
) -> None:
    pagerduty.fail(2, status=503, retry_after=None)
    notifiers.trigger(notice(), PD)
    assert [r.status for r in pagerduty.requests()] == [503, 503, 202]
    assert waits.calls == [0.005, 0.01]  # draw 0.5 of 0.01 * 2**n (full jitter)


def test_persistent_5xx_gives_up_retryable(notifiers: Notifiers, pagerduty: FakePagerDuty) -> None:
    pagerduty.fail(10, status=500)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PD)
    error = caught.value
    assert (error.retryable, error.permanent, error.status, error.attempts) == (True, False, 500, 4)
    assert "Internal Server Error" in str(error)
    assert len(pagerduty.requests()) == 4


def test_400_is_not_retried_and_its_errors_are_reported(
    make_notifiers: Callable[..., Notifiers], pagerduty: FakePagerDuty
) -> None:
    notifiers = make_notifiers(secrets={"PD_SHORT": "too-short"}.get)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PagerDutyChannel("PD_SHORT"))
    error = caught.value
    assert (error.permanent, error.status, error.attempts) == (True, 400, 1)
    assert "Event object is invalid" in str(error)
    assert "Length of 'routing_key' is incorrect (should be 32 characters)" in str(error)
    assert len(pagerduty.requests()) == 1


def test_missing_routing_key_setting_is_permanent_and_named(
    make_notifiers: Callable[..., Notifiers], pagerduty: FakePagerDuty
) -> None:
    notifiers = make_notifiers(secrets=no_secrets)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PD)
    assert caught.value.permanent
    assert caught.value.attempts == 0
    assert "PD_KEY_ALICE is not set" in str(caught.value)
    assert pagerduty.requests() == []

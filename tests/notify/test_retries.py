"""Timeouts, refused connections, Retry-After and the time budget, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.config.model import WebhookChannel
from bot.kernel.http import retry_after_seconds
from bot.paging.notify import DeliveryFailed, Notifiers, RetryPolicy
from tests.notify.support import OG, PD, Waits, notice
from warroom_sandbox.providers import FakeOpsgenie, FakePagerDuty, FakeWebhookReceiver


def test_a_timeout_is_retried_and_the_page_is_not_doubled(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    pagerduty.timeout(1, seconds=5)
    notifiers.trigger(notice(), PD)
    assert [(r.status, r.fault) for r in pagerduty.requests()] == [(None, "timeout"), (202, None)]
    assert len(pagerduty.open_incidents()) == 1


def test_persistent_timeouts_give_up_retryable(
    notifiers: Notifiers, opsgenie: FakeOpsgenie, waits: Waits
) -> None:
    opsgenie.timeout(10, seconds=5)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), OG)
    error = caught.value
    assert (error.retryable, error.status, error.attempts) == (True, None, 4)
    assert "ReadTimeout" in str(error)
    assert len(waits.calls) == 3
    assert opsgenie.alerts() == []


def test_refused_connections_give_up_retryable(
    notifiers: Notifiers, pagerduty: FakePagerDuty
) -> None:
    pagerduty.refuse_connections()
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PD)
    assert caught.value.retryable
    assert caught.value.attempts == 4
    assert "ConnectError" in str(caught.value)


def test_refused_then_accepted_during_the_backoff(
    notifiers: Notifiers, webhook: FakeWebhookReceiver, hook: WebhookChannel, waits: Waits
) -> None:
    url = webhook.url
    webhook.refuse_connections()
    waits.then[2] = webhook.accept_connections  # back before the third attempt
    notifiers.trigger(notice(), hook)
    assert webhook.url == url  # same port
    assert len(waits.calls) == 2
    assert [d.event for d in webhook.deliveries()] == ["trigger"]


def test_retry_after_is_capped(
    make_notifiers: Callable[..., Notifiers], pagerduty: FakePagerDuty, waits: Waits
) -> None:
    notifiers = make_notifiers(policy=RetryPolicy(max_retry_after=4.0, total_budget=60.0))
    pagerduty.fail(1, status=429, retry_after=120)
    notifiers.trigger(notice(), PD)
    assert waits.calls == [4.0]


def test_the_time_budget_stops_retrying(
    make_notifiers: Callable[..., Notifiers], pagerduty: FakePagerDuty
) -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    notifiers = make_notifiers(
        policy=RetryPolicy(max_attempts=10, max_retry_after=10.0, total_budget=12.0),
        sleep=sleep,
        clock=lambda: now[0],
    )
    pagerduty.fail(10, status=429, retry_after=5)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PD)
    error = caught.value
    assert error.retryable
    assert error.attempts == 3  # waits of 5 + 5; a third would end after 15 s > 12 s
    assert "time budget of 12 s spent" in str(error)
    assert error.status == 429


def test_max_attempts_is_settable(
    make_notifiers: Callable[..., Notifiers], pagerduty: FakePagerDuty
) -> None:
    notifiers = make_notifiers(policy=RetryPolicy(max_attempts=1))
    pagerduty.fail(1, status=503)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), PD)
    assert caught.value.attempts == 1
    assert len(pagerduty.requests()) == 1


def test_full_jitter_backoff_is_bounded() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    assert [policy.backoff(n, 0.999_999) for n in (1, 2, 3, 4, 5, 6)] == pytest.approx(
        [0.5, 1.0, 2.0, 4.0, 8.0, 8.0], rel=1e-5
    )
    assert policy.backoff(3, 0.0) == 0.0


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 20, 14, 0, 0, tzinfo=UTC)
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Fri, 20 Nov 2026 14:00:30 GMT"}, now) == 30.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({"retry-after": "nan"}) is None
    assert retry_after_seconds({}) is None

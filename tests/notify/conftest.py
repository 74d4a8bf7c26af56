"""Fakes of the providers (one server each per session, reset per test) and notifiers aimed at
them, with waits recorded instead of slept and jitter fixed, so retries cost no time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.config.model import WebhookChannel
from bot.paging.notify import Notifiers, RetryPolicy, Timeouts
from tests.notify.support import GENIE_KEY, HOOK_SECRET, SECRETS, Waits, twilio_account
from warroom_sandbox.providers import FakeOpsgenie, FakePagerDuty, FakeTwilio, FakeWebhookReceiver


@pytest.fixture(scope="session")
def pagerduty_server() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as server:
        yield server


@pytest.fixture(scope="session")
def opsgenie_server() -> Iterator[FakeOpsgenie]:
    with FakeOpsgenie(api_keys={GENIE_KEY}) as server:
        yield server


@pytest.fixture(scope="session")
def webhook_server() -> Iterator[FakeWebhookReceiver]:
    with FakeWebhookReceiver(HOOK_SECRET) as server:
        yield server


@pytest.fixture(scope="session")
def twilio_server() -> Iterator[FakeTwilio]:
    with FakeTwilio(invalid_numbers=frozenset({"+15005550001"})) as server:
        yield server


@pytest.fixture
def twilio(twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    yield from _fresh(twilio_server)


def _fresh(server: Any) -> Iterator[Any]:
    server.reset()
    yield server
    server.accept_connections()  # a test may have left it refusing
    server.reset()


@pytest.fixture
def pagerduty(pagerduty_server: FakePagerDuty) -> Iterator[FakePagerDuty]:
    yield from _fresh(pagerduty_server)


@pytest.fixture
def opsgenie(opsgenie_server: FakeOpsgenie) -> Iterator[FakeOpsgenie]:
    yield from _fresh(opsgenie_server)


@pytest.fixture
def webhook(webhook_server: FakeWebhookReceiver) -> Iterator[FakeWebhookReceiver]:
    yield from _fresh(webhook_server)


@pytest.fixture
def hook(webhook: FakeWebhookReceiver) -> WebhookChannel:
    return WebhookChannel(webhook.url_for("hooks/alice"), "HOOK_SECRET")


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def make_notifiers(
    pagerduty_server: FakePagerDuty,
    opsgenie_server: FakeOpsgenie,
    twilio_server: FakeTwilio,
    waits: Waits,
) -> Iterator[Callable[..., Notifiers]]:
    built: list[Notifiers] = []

    def make(**overrides: Any) -> Notifiers:
        secrets = overrides.pop("secrets", SECRETS.get)
        options: dict[str, Any] = {
            "pagerduty_url": pagerduty_server.url,
            "opsgenie_url": opsgenie_server.url,
            "twilio": twilio_account(twilio_server),
            "policy": RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05),
            "timeouts": Timeouts(connect=1.0, read=0.3, write=1.0, pool=1.0),
            "sleep": waits,
            "draw": lambda: 0.5,
        }
        options.update(overrides)
        notifiers = Notifiers(secrets, **options)
        built.append(notifiers)
        return notifiers

    yield make
    for notifiers in built:
        notifiers.close()


@pytest.fixture
def notifiers(make_notifiers: Callable[..., Notifiers]) -> Notifiers:
    return make_notifiers()

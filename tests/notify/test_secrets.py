"""Routing keys, API keys and webhook secrets never reach an exception's text or the logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.config.model import NotificationChannel, WebhookChannel
from bot.kernel.http import redact
from bot.paging.notify import DeliveryFailed, Notifiers
from tests.notify.support import GENIE_KEY, HOOK_SECRET, OG, PD, ROUTING_KEY, notice
from warroom_sandbox.providers import FakeOpsgenie, FakePagerDuty, FakeProvider, FakeWebhookReceiver
from warroom_sandbox.server import BackgroundServer

SECRET_VALUES = (ROUTING_KEY, GENIE_KEY, HOOK_SECRET)


@pytest.fixture
def echo() -> Iterator[BackgroundServer]:
    """A hostile provider: answers 500 once, then 400, echoing the headers and body it got."""
    seen: list[str] = []

    async def reflect(request: Request) -> PlainTextResponse:
        seen.append(request.url.path)
        text = f"{dict(request.headers)!r} {(await request.body()).decode()}"
        return PlainTextResponse(text, status_code=500 if len(seen) % 2 else 400)

    app = Starlette(routes=[Route("/{path:path}", reflect, methods=["POST"])])
    with BackgroundServer(app) as server:
        yield server


def _failures(call: Callable[..., object], *args: Any) -> str:
    with pytest.raises(DeliveryFailed) as caught:
        call(*args)
    return str(caught.value) + repr(caught.value.body)


def test_secrets_stay_out_of_errors_and_logs(
    caplog: pytest.LogCaptureFixture,
    make_notifiers: Callable[..., Notifiers],
    pagerduty: FakePagerDuty,
    opsgenie: FakeOpsgenie,
    webhook: FakeWebhookReceiver,
    hook: WebhookChannel,
) -> None:
    caplog.set_level(logging.DEBUG)  # httpx and httpcore included
    notifiers = make_notifiers()
    texts: list[str] = []
    targets: list[tuple[NotificationChannel, FakeProvider]] = [
        (PD, pagerduty),
        (OG, opsgenie),
        (hook, webhook),
    ]
    for channel, fake in targets:
        key = notifiers.trigger(notice(), channel)  # success
        notifiers.acknowledge(key, channel)
        fake.fail(10, status=503)
        texts.append(_failures(notifiers.resolve, "k", channel))  # retried, gave up
        fake.clear_faults()
        fake.timeout(1, seconds=5)
        fake.fail(1, status=400)
        texts.append(_failures(notifiers.trigger, notice(), channel))  # permanent
    wrong = {"PD_KEY_ALICE": "X" * 32, "OG_KEY_ALICE": "wrong", "HOOK_SECRET": "wrong"}
    for channel in (OG, hook):
        other = make_notifiers(secrets=wrong.get)
        texts.append(_failures(other.trigger, notice(), channel))  # 401

    everything = "\n".join(texts) + caplog.text
    assert "HTTP 503" in everything
    assert "HTTP 401" in everything
    for value in SECRET_VALUES:
        assert value not in everything


def test_a_provider_echoing_the_secret_is_redacted(
    caplog: pytest.LogCaptureFixture,
    make_notifiers: Callable[..., Notifiers],
    echo: BackgroundServer,
) -> None:
    caplog.set_level(logging.DEBUG)
    notifiers = make_notifiers(pagerduty_url=echo.url, opsgenie_url=echo.url)
    texts = [
        _failures(notifiers.trigger, notice(), PD),
        _failures(notifiers.trigger, notice(), OG),
        _failures(notifiers.trigger, notice(), WebhookChannel(echo.url, "HOOK_SECRET")),
    ]
    assert all("[redacted]" in t for t in texts[:2])
    assert "HTTP 400" in texts[0]
    for value in SECRET_VALUES:
        assert value not in "\n".join(texts) + caplog.text


def test_the_missing_setting_is_named_not_valued(make_notifiers: Callable[..., Notifiers]) -> None:
    notifiers = make_notifiers(secrets={"PD_KEY_ALICE": "   "}.get)
    text = _failures(notifiers.trigger, notice(), PD)
    assert "the setting PD_KEY_ALICE is not set" in text


def test_a_key_that_cannot_be_sent_is_permanent_and_not_quoted(
    make_notifiers: Callable[..., Notifiers], opsgenie: FakeOpsgenie
) -> None:
    broken = "eb243592\nfaa2-4ba2"  # pasted with a line break: an illegal header value
    notifiers = make_notifiers(secrets={"OG_KEY_ALICE": broken}.get)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), OG)
    text = str(caught.value)
    assert caught.value.permanent
    assert "LocalProtocolError" in text
    assert "eb243592" not in text
    assert opsgenie.requests() == []


def test_redact_covers_escaped_forms() -> None:
    assert (
        redact("b'GenieKey a\\nb' and a\nb", ("a\nb",)) == "b'GenieKey [redacted]' and [redacted]"
    )

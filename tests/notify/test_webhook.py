"""The generic signed webhook against the local receiver, and the signature scheme itself."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable

import httpx
import pytest

from bot.config.model import WebhookChannel
from bot.paging.notify import (
    DeliveryFailed,
    Notifiers,
    signed_headers,
    verify_request,
    verify_signature,
)
from bot.paging.notify.signing import signature
from tests.notify.support import HOOK_SECRET, Waits, no_secrets, notice
from warroom_sandbox.providers import FakeWebhookReceiver

NOW = 1_790_000_000


def test_trigger_acknowledge_resolve_are_signed_and_keyed(
    notifiers: Notifiers, webhook: FakeWebhookReceiver, hook: WebhookChannel
) -> None:
    key = notifiers.trigger(notice(), hook)
    notifiers.acknowledge(key, hook)
    notifiers.resolve(key, hook, notice=notice())

    deliveries = webhook.deliveries()
    assert [(d.event, d.key, d.path) for d in deliveries] == [
        ("trigger", key, "/hooks/alice"),
        ("acknowledge", key, "/hooks/alice"),
        ("resolve", key, "/hooks/alice"),
    ]
    assert [d.idempotency_key for d in deliveries] == [
        f"{key}:trigger",
        f"{key}:acknowledge",
        f"{key}:resolve",
    ]
    trigger = deliveries[0].body
    assert trigger["incident"] == {
        "number": 1,
        "title": "Checkout latency high",
        "severity": "SEV2",
        "summary": "Incident declared by alice in #inc-1-checkout-latency-high",
        "link": "https://example.slack.com/archives/C0INC1",
        "channel": "inc-1-checkout-latency-high",
        "service": "checkout",
    }
    assert trigger["page"]["recipient"] == "bob"
    assert trigger["page"]["details"] == {"lead": "alice"}
    assert deliveries[1].body["incident"] is None  # acknowledge without the notice
    assert deliveries[2].body["incident"]["number"] == 1
    for request in webhook.requests():
        assert verify_request(HOOK_SECRET, request.body, request.headers)
        assert request.headers["x-warroom-signature"].startswith("v1=")


def test_a_repeated_trigger_is_delivered_once(
    notifiers: Notifiers, webhook: FakeWebhookReceiver, hook: WebhookChannel
) -> None:
    notifiers.trigger(notice(), hook)
    notifiers.trigger(notice(), hook)
    assert len(webhook.deliveries()) == 1
    assert webhook.received("warroom:incident:1:page:trigger") == 2


def test_each_retry_is_signed_afresh(
    make_notifiers: Callable[..., Notifiers],
    webhook: FakeWebhookReceiver,
    hook: WebhookChannel,
    waits: Waits,
) -> None:
    stamps = iter([NOW, NOW + 7])
    receiver_clock = webhook.clock
    webhook.clock = lambda: NOW + 7  # both stamps are within the receiver's 300 s window
    try:
        notifiers = make_notifiers(wall_clock=lambda: next(stamps))
        webhook.fail(1, status=502)
        notifiers.trigger(notice(), hook)
    finally:
        webhook.clock = receiver_clock
    first, second = webhook.requests()
    assert (first.status, second.status) == (502, 200)
    assert first.headers["x-warroom-timestamp"] == str(NOW)
    assert second.headers["x-warroom-timestamp"] == str(NOW + 7)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert len(waits.calls) == 1


def test_a_receiver_with_another_secret_refuses_permanently(
    make_notifiers: Callable[..., Notifiers], webhook: FakeWebhookReceiver, hook: WebhookChannel
) -> None:
    notifiers = make_notifiers(secrets={"HOOK_SECRET": "not-the-receivers-secret"}.get)
    with pytest.raises(DeliveryFailed) as caught:
        notifiers.trigger(notice(), hook)
    assert (caught.value.permanent, caught.value.status, caught.value.attempts) == (True, 401, 1)
    assert "invalid signature" in str(caught.value)
    assert str(caught.value).startswith("webhook 127.0.0.1 trigger failed (permanent)")


def test_missing_secret_setting(
    make_notifiers: Callable[..., Notifiers], webhook: FakeWebhookReceiver
) -> None:
    notifiers = make_notifiers(secrets=no_secrets)
    with pytest.raises(DeliveryFailed, match="the setting HOOK_BOB is not set") as caught:
        notifiers.trigger(notice(), WebhookChannel(webhook.url_for("b"), "HOOK_BOB"))
    assert caught.value.permanent
    assert webhook.requests() == []


def test_receiver_refuses_tampered_stale_and_unsigned_requests(
    webhook: FakeWebhookReceiver,
) -> None:
    body = json.dumps({"event": "trigger", "key": "k"}).encode()
    url = webhook.url_for("hook")
    with httpx.Client() as client:
        good = signed_headers(HOOK_SECRET, body) | {"Idempotency-Key": "k:trigger"}
        tampered = client.post(url, content=body + b" ", headers=good)
        stale = client.post(
            url, content=body, headers=signed_headers(HOOK_SECRET, body, now=NOW - 10_000)
        )
        unsigned = client.post(url, content=body, headers={"Idempotency-Key": "k:trigger"})
        accepted = client.post(url, content=body, headers=good)
    assert [r.status_code for r in (tampered, stale, unsigned)] == [401, 401, 401]
    assert tampered.json() == {"error": "invalid signature"}
    assert accepted.status_code == 200
    assert len(webhook.deliveries()) == 1


def test_verify_signature_scheme() -> None:
    body = b'{"event":"trigger"}'
    timestamp = str(NOW)
    header = signature("s3cret", timestamp, body)
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert header == f"v1={expected}"
    assert verify_signature("s3cret", body, timestamp, header, now=NOW + 299)
    assert not verify_signature("s3cret", body, timestamp, header, now=NOW + 301)
    assert not verify_signature("other", body, timestamp, header, now=NOW)
    assert not verify_signature("s3cret", body, "not-a-number", header, now=NOW)
    assert not verify_signature("s3cret", body, timestamp, None, now=NOW)
    rotated = f"v1={'0' * 64}, {header}"  # while a secret is rotated, either one verifies
    assert verify_signature("s3cret", body, timestamp, rotated, now=NOW)

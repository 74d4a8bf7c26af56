"""SMS and voice pages through the Twilio REST API, against the local fake, over HTTP."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import parse_qs

import pytest

from bot.config.model import SmsChannel, VoiceChannel
from bot.paging.notify import DeliveryFailed, Notifiers
from tests.notify.support import Waits, notice, twilio_account
from warroom_sandbox.providers import FakeTwilio

PHONE = "+4915123456789"
SMS = SmsChannel(PHONE)
VOICE = VoiceChannel(PHONE)


def test_a_text_names_the_incident_and_the_code(notifiers: Notifiers, twilio: FakeTwilio) -> None:
    sid = notifiers.trigger(notice(reply_code="4821"), SMS)

    [message] = twilio.messages()
    assert sid == message.sid
    assert sid.startswith("SM")
    assert (message.to, message.from_, message.status) == (PHONE, twilio.from_number, "queued")
    assert message.body == ("[SEV2] #1 Checkout latency high. Reply 4821 to acknowledge. (warroom)")
    assert message.status_callback == "https://warroom.example.com/webhooks/twilio/status"
    [request] = twilio.requests()
    assert request.path == f"/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    user, token = base64.b64decode(request.headers["authorization"][6:]).decode().split(":")
    assert (user, token) == (twilio.account_sid, twilio.auth_token)


def test_a_call_reads_the_incident_and_gathers_one_key(
    notifiers: Notifiers, twilio: FakeTwilio
) -> None:
    sid = notifiers.trigger(notice(title="Checkout <latency> & errors", severity="SEV1"), VOICE)

    [call] = twilio.calls()
    assert sid == call.sid
    assert sid.startswith("CA")
    assert call.gather_action == "https://warroom.example.com/webhooks/twilio/voice"
    assert "incident 1, severity 1: Checkout <latency> & errors. Press 1" in call.said
    form = parse_qs(twilio.requests()[0].body.decode())
    assert '<Gather numDigits="1"' in form["Twiml"][0]


def test_a_long_title_keeps_the_text_short(notifiers: Notifiers, twilio: FakeTwilio) -> None:
    notifiers.trigger(notice(title="Checkout latency high everywhere " * 10, reply_code="1"), SMS)
    [message] = twilio.messages()
    assert len(message.body) <= 160
    assert "Reply 1 to acknowledge." in message.body


def test_bad_credentials_are_permanent_and_say_which_settings(
    make_notifiers: Callable[..., Notifiers], twilio: FakeTwilio
) -> None:
    notifiers = make_notifiers(twilio=twilio_account(twilio, auth_token="wrong-token"))
    with pytest.raises(DeliveryFailed) as raised:
        notifiers.trigger(notice(), SMS)
    assert raised.value.permanent
    assert raised.value.status == 401
    assert raised.value.reason == (
        "Twilio refused the account's credentials (20003): check TWILIO_ACCOUNT_SID and "
        "TWILIO_AUTH_TOKEN"
    )
    assert "wrong-token" not in str(raised.value)
    assert len(twilio.requests()) == 1  # never retried


def test_an_invalid_number_is_permanent_and_named(notifiers: Notifiers, twilio: FakeTwilio) -> None:
    with pytest.raises(DeliveryFailed) as raised:
        notifiers.trigger(notice(), SmsChannel("+15005550001"))
    assert raised.value.permanent
    assert raised.value.status == 400
    assert raised.value.reason == "Twilio says the number +15005550001 is not valid (21211)"
    assert len(twilio.requests()) == 1


def test_429_is_retried_after_the_wait_twilio_asks_for(
    notifiers: Notifiers, twilio: FakeTwilio, waits: Waits
) -> None:
    twilio.fail(2, status=429, retry_after=3)
    sid = notifiers.trigger(notice(), VOICE)
    assert [r.status for r in twilio.requests()] == [429, 429, 201]
    assert waits.calls == [3, 3]
    assert [c.sid for c in twilio.calls()] == [sid]


def test_5xx_until_the_attempts_run_out_is_retryable(
    notifiers: Notifiers, twilio: FakeTwilio
) -> None:
    twilio.fail(4, status=503, retry_after=None)
    with pytest.raises(DeliveryFailed) as raised:
        notifiers.trigger(notice(), SMS)
    assert raised.value.retryable
    assert raised.value.reason.startswith("Twilio did not take it after 4 attempts")
    assert twilio.messages() == []


def test_missing_settings_fail_the_page_naming_them(
    make_notifiers: Callable[..., Notifiers], twilio: FakeTwilio
) -> None:
    notifiers = make_notifiers(twilio=twilio_account(twilio, auth_token=None, from_number=""))
    with pytest.raises(DeliveryFailed) as raised:
        notifiers.trigger(notice(), SMS)
    assert raised.value.permanent
    assert "set TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER" in raised.value.reason
    assert twilio.requests() == []


def test_acknowledge_and_resolve_text_and_call_nobody(
    notifiers: Notifiers, twilio: FakeTwilio
) -> None:
    sid = notifiers.trigger(notice(), VOICE)
    notifiers.acknowledge(sid, VOICE)
    notifiers.resolve(sid, SMS)
    assert len(twilio.requests()) == 1

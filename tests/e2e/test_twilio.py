"""SMS and voice pages end to end: warroom texts and calls through the local Twilio fake, and the
fake's phones answer: a reply with the code or a key pressed acknowledges, signed like Twilio;
forged requests are refused; a lost text is reported once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.paging.rows import DeliveryRow, PageRow
from tests.e2e.conftest import LEAD, ONCALL, Bot, eventually
from warroom_sandbox.model import Channel
from warroom_sandbox.providers.twilio import FakeTwilio, TwilioCall, TwilioMessage

PUBLIC = "https://warroom.example.test"  # what Twilio signs; the fake forwards it to the bot
OLIVIA_SMS, OLIVIA_VOICE = "+4915100000001", "+4915100000002"
LIAM_SMS = "+15005550001"  # the fake says it is not a valid number (21211)
SMS_URL = f"{PUBLIC}/webhooks/twilio/sms"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio(invalid_numbers=frozenset({LIAM_SMS})) as fake:
        yield fake


@pytest.fixture
def extra_settings(twilio: FakeTwilio) -> dict[str, Any]:
    return {
        "public_url": PUBLIC,
        "twilio_account_sid": twilio.account_sid,
        "twilio_auth_token": SecretStr(twilio.auth_token),
        "twilio_from_number": twilio.from_number,
        "twilio_api_url": twilio.url,
        "notify_max_attempts": 2,
        "notify_time_budget_seconds": 5.0,
    }


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "users.yaml").write_text(f"""
users:
  - name: Olivia Oncall
    slack_id: {ONCALL}
    notify: {{sms: {{phone: "{OLIVIA_SMS}"}}, voice: {{phone: "{OLIVIA_VOICE}"}}}}
  - name: Liam Lead
    slack_id: {LEAD}
    notify: {{sms: {{phone: "{LIAM_SMS}"}}}}
""")
    (tmp_path / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - {{name: all, users: [{ONCALL}], rotation_virtual_start: "2024-01-01 09:00", turn: weekly}}
""")
    (tmp_path / "escalation_policies.yaml").write_text("""
escalation_policies:
  - name: checkout
    levels:
      - {delay_minutes: 5, targets: [{schedule: primary}]}
""")
    (tmp_path / "services.yaml").write_text("""
services:
  - {name: checkout-api, escalation_policy: checkout}
""")
    return tmp_path


@pytest.fixture
def paged(bot: Bot, twilio: FakeTwilio) -> Channel:
    twilio.forward(PUBLIC, bot.url)
    return bot.declare("Checkout latency high sev2 service:checkout-api")


def text_to(twilio: FakeTwilio, phone: str) -> TwilioMessage:
    return eventually(
        lambda: next((m for m in twilio.messages() if m.to == phone), None),
        what=f"a text to {phone}",
    )


def call_to(twilio: FakeTwilio, phone: str) -> TwilioCall:
    return eventually(
        lambda: next((c for c in twilio.calls() if c.to == phone), None), what=f"a call to {phone}"
    )


def page_statuses(bot: Bot) -> list[str]:
    with bot.app.sessions() as session:
        return list(session.scalars(select(PageRow.status).order_by(PageRow.id)))


def test_a_text_names_the_incident_and_replying_its_code_acknowledges(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    text = text_to(twilio, OLIVIA_SMS)
    assert text.body.startswith("[SEV2] #1 Checkout latency high. Reply ")
    code = re.search(r"Reply (\d{4}) to acknowledge", text.body)
    assert code is not None

    wrong = "0000" if code[1] != "0000" else "1111"
    answer = twilio.reply(OLIVIA_SMS, f"ACK {wrong}", SMS_URL)
    assert answer.status_code == 200
    assert f"No open page matches {wrong}; reply with the code from the page" in answer.text
    assert page_statuses(bot) == ["active"]

    answer = twilio.reply(OLIVIA_SMS, f"ack {code[1]}", SMS_URL)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert "<Message>Acknowledged incident #1 (Checkout latency high). Thank you.</Message>" in (
        answer.text
    )
    bot.posted(paged.id, f"<@{ONCALL}> acknowledged the page")
    assert page_statuses(bot) == ["acknowledged"]
    again = twilio.reply(OLIVIA_SMS, code[1], SMS_URL)
    assert "Incident #1 is already acknowledged" in again.text


def test_replying_1_acknowledges_the_only_open_page(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    text_to(twilio, OLIVIA_SMS)
    answer = twilio.reply(OLIVIA_SMS, "1", SMS_URL)
    assert "Acknowledged incident #1" in answer.text
    bot.posted(paged.id, f"<@{ONCALL}> acknowledged the page")


def test_pressing_1_in_the_call_acknowledges(bot: Bot, twilio: FakeTwilio, paged: Channel) -> None:
    call = call_to(twilio, OLIVIA_VOICE)
    assert "incident 1, severity 2: Checkout latency high. Press 1 to acknowledge" in call.said
    eventually(lambda: page_statuses(bot) == ["active"] and _sent(bot), what="the call recorded")

    other = twilio.press(call.sid, "7")
    assert other.status_code == 200
    assert "Nothing was acknowledged. Press 1 to acknowledge." in other.text
    assert page_statuses(bot) == ["active"]

    answer = twilio.press(call.sid, "1")
    assert answer.status_code == 200
    assert "<Say>Acknowledged incident #1 (Checkout latency high). Thank you.</Say>" in answer.text
    bot.posted(paged.id, f"<@{ONCALL}> acknowledged the page")
    assert page_statuses(bot) == ["acknowledged"]


def test_forged_or_unsigned_requests_get_403_and_acknowledge_nothing(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    text = text_to(twilio, OLIVIA_SMS)
    code = re.search(r"Reply (\d{4})", text.body)
    assert code is not None
    forged = twilio.reply(OLIVIA_SMS, code[1], SMS_URL, token="not-the-auth-token")
    assert forged.status_code == 403
    assert "X-Twilio-Signature does not sign" in forged.text
    call = call_to(twilio, OLIVIA_VOICE)
    assert twilio.press(call.sid, "1", token="guessed").status_code == 403
    unsigned = httpx.post(
        f"{bot.url}/webhooks/twilio/sms", data={"From": OLIVIA_SMS, "Body": code[1]}
    )
    assert unsigned.status_code == 403
    assert "no X-Twilio-Signature" in unsigned.text
    assert page_statuses(bot) == ["active"]


def test_an_undelivered_text_is_reported_once(bot: Bot, twilio: FakeTwilio, paged: Channel) -> None:
    text = text_to(twilio, OLIVIA_SMS)
    eventually(lambda: _sent(bot), what="the text recorded as sent")
    twilio.unreachable.add(OLIVIA_SMS)
    assert twilio.settle(text.sid) == [204, 204]
    assert twilio.report(text.sid, "failed", error_code=30003) == 204
    said = bot.posted(paged.id, f"Could not text <@{ONCALL}>: ").all_text
    assert f"Twilio could not deliver the text to {OLIVIA_SMS} (undelivered, error 30003)" in said
    lines = [m for m in bot.slack.state.messages(paged.id) if "Could not text" in m.all_text]
    assert len(lines) == 1


def test_an_invalid_number_is_reported_in_words(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    bot.command(paged, f"page <@{LEAD}|liam>")
    said = bot.posted(paged.id, f"Could not text <@{LEAD}>: ").all_text
    assert f"Twilio says the number {LIAM_SMS} is not valid (21211)" in said


def _sent(bot: Bot) -> bool:
    with bot.app.sessions() as session:
        rows = session.scalars(select(DeliveryRow).where(DeliveryRow.channel != "slack")).all()
        return bool(rows) and all(r.provider_key for r in rows)


def test_hostile_requests_get_a_4xx_or_a_sentence_never_a_5xx(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    url = f"{bot.url}/webhooks/twilio/sms"
    huge = httpx.post(url, content=b"Body=" + b"x" * 70_000)
    assert huge.status_code == 413
    garbage = httpx.post(url, content=b"\xff\xfe\x00", headers={"X-Twilio-Signature": "x"})
    assert garbage.status_code == 403
    assert httpx.get(url).status_code == 405
    empty = twilio.reply(OLIVIA_SMS, "", SMS_URL)  # signed, but says nothing
    assert empty.status_code == 200
    assert "reply with the code from it" in empty.text
    stranger = twilio.reply("+14155550100", "1", SMS_URL)
    assert "nothing was acknowledged" in stranger.text
    status_url = f"{PUBLIC}/webhooks/twilio/status"
    form = {"MessageSid": "SMunknown", "MessageStatus": "failed"}
    unknown = httpx.post(
        f"{bot.url}/webhooks/twilio/status",
        data=form,
        headers={"X-Twilio-Signature": twilio.sign(status_url, form)},
    )
    assert unknown.status_code == 204
    assert page_statuses(bot) == ["active"]


def test_with_two_open_pages_a_bare_1_asks_for_the_code_and_the_code_picks_one(
    bot: Bot, twilio: FakeTwilio, paged: Channel
) -> None:
    second = bot.declare("Search is slow sev3 service:checkout-api")

    def both() -> list[TwilioMessage] | None:
        texts = [m for m in twilio.messages() if m.to == OLIVIA_SMS]
        return texts if len(texts) == 2 else None

    codes = {}
    for message in eventually(both, what="a text for each incident"):
        found = re.search(r"#(\d+) .* Reply (\d{4})", message.body)
        assert found is not None
        codes[int(found[1])] = found[2]
    assert set(codes) == {1, 2}
    answer = twilio.reply(OLIVIA_SMS, "1", SMS_URL)
    assert f"You have 2 open pages: #2 ({codes[2]}), #1 ({codes[1]})" in answer.text
    assert page_statuses(bot) == ["active", "active"]
    answer = twilio.reply(OLIVIA_SMS, f"ACK {codes[2]}", SMS_URL)
    assert "Acknowledged incident #2 (Search is slow)" in answer.text
    bot.posted(second.id, f"<@{ONCALL}> acknowledged the page")
    assert page_statuses(bot) == ["active", "acknowledged"]

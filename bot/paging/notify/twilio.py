"""Twilio Programmable Messaging and Voice: a page as a text message or a phone call.

- ``POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``, ``From``,
  ``Body`` and ``StatusCallback``: the text names the incident (``[SEV2] #12 Checkout latency
  high``) and the short code that acknowledges it when sent back.
- ``POST .../Calls.json`` with ``To``, ``From``, ``StatusCallback`` and ``Twiml``: a ``<Gather
  numDigits="1">`` around a ``<Say>`` reading the incident out; the key pressed is posted to
  ``{PUBLIC_URL}/webhooks/twilio/voice`` (1 acknowledges, :mod:`bot.paging.web.twilio`).

Both use HTTP basic auth (account SID, auth token) and answer 201 with the message's or call's
``sid``, which is the provider key. Twilio's errors are JSON ``{"code", "message", "status"}``:
401 (20003, bad credentials) and 400 (21211, an invalid ``To`` number, and every other refusal)
are permanent, 429 (20429) and 5xx are retried by the one HTTP sender, honouring
``Retry-After``. Twilio has no idempotency key: a retry after a timeout may text twice, which
beats not texting. Acknowledge and resolve send nothing (nobody is called to hear "resolved").
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape, quoteattr

from bot.config.model import SmsChannel, VoiceChannel
from bot.kernel.http import OutboundRequest, Reply
from bot.paging.notify.delivery import Sender
from bot.paging.notify.errors import DeliveryFailed
from bot.paging.notify.notice import PageNotice, shorten

DEFAULT_TWILIO_URL = "https://api.twilio.com"
API_VERSION = "2010-04-01"
PROVIDER = "twilio"
SMS_PATH = "/webhooks/twilio/sms"
VOICE_PATH = "/webhooks/twilio/voice"
STATUS_PATH = "/webhooks/twilio/status"
TITLE_LIMIT = 80  # one or two SMS segments in all
INVALID_NUMBER = 21211
BAD_CREDENTIALS = 20003


@dataclass(frozen=True)
class TwilioAccount:
    """The account the pages are sent from (settings ``TWILIO_*``); ``public_url`` is where
    Twilio reaches warroom's webhooks (``PUBLIC_URL``). Unset values fail the page, named."""

    account_sid: str | None
    auth_token: str | None
    from_number: str | None
    api_url: str = DEFAULT_TWILIO_URL
    public_url: str = "http://localhost:3000"

    def webhook(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


def sms_body(notice: PageNotice) -> str:
    """``[SEV2] #12 Checkout latency high. Reply 4821 to acknowledge. (warroom)``"""
    title = shorten(notice.title, TITLE_LIMIT)
    text = f"[{notice.severity.value}] #{notice.incident_number} {title}."
    if notice.reply_code:
        text += f" Reply {notice.reply_code} to acknowledge."
    return f"{text} ({notice.source})"


def call_twiml(notice: PageNotice, action: str) -> str:
    """The call: the incident read out twice, and a one-key gather posted to ``action``."""
    severity = notice.severity.value.replace("SEV", "severity ")
    title = escape(shorten(notice.title, TITLE_LIMIT))
    said = (
        f"This is {notice.source}. You are paged for incident {notice.incident_number}, "
        f"{severity}: {title}. Press 1 to acknowledge."
    )
    return (
        f'<Response><Gather numDigits="1" timeout="10" method="POST" action={quoteattr(action)}>'
        f'<Say loop="2">{said}</Say></Gather>'
        "<Say>No key was pressed. The page stays open. Goodbye.</Say></Response>"
    )


class TwilioNotifier:
    """Texts (:meth:`trigger` with an :class:`SmsChannel`) or calls (a :class:`VoiceChannel`)."""

    def __init__(self, sender: Sender, account: TwilioAccount) -> None:
        self._sender = sender
        self._account = account

    def trigger(self, notice: PageNotice, channel: SmsChannel | VoiceChannel) -> str:
        """Send the text or start the call; returns its SID (``SM...`` or ``CA...``)."""
        account = self._account
        form = {"To": channel.phone, "From": "", "StatusCallback": account.webhook(STATUS_PATH)}
        if isinstance(channel, SmsChannel):
            action, resource = "sms", "Messages"
            form["Body"] = sms_body(notice)
        else:
            action, resource = "call", "Calls"
            form["Twiml"] = call_twiml(notice, account.webhook(VOICE_PATH))
        sid, token, sender = self._credentials(action)
        form["From"] = sender
        url = f"{account.api_url.rstrip('/')}/{API_VERSION}/Accounts/{quote(sid, safe='')}"
        request = OutboundRequest(
            "POST",
            f"{url}/{resource}.json",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": _basic(sid, token),
            },
            urlencode(form).encode(),
        )
        try:
            reply = self._sender.send(PROVIDER, action, lambda: request, secrets=(token,))
        except DeliveryFailed as failure:
            raise _worded(failure, channel.phone) from None
        return _sid(reply, action)

    def acknowledge(
        self, key: str, channel: SmsChannel | VoiceChannel, *, notice: PageNotice | None = None
    ) -> None:
        """Nothing to undo: a text is read, a call is over."""

    def resolve(
        self, key: str, channel: SmsChannel | VoiceChannel, *, notice: PageNotice | None = None
    ) -> None:
        """Nobody is texted or called to hear that it is over."""

    def _credentials(self, action: str) -> tuple[str, str, str]:
        account = self._account
        values = (account.account_sid, account.auth_token, account.from_number)
        names = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER")
        unset = [name for name, value in zip(names, values, strict=True) if not value]
        if unset:
            raise DeliveryFailed(
                PROVIDER,
                action,
                f"Twilio is not set up: set {', '.join(unset)} (see README.md, Settings)",
                permanent=True,
            )
        sid, token, sender = (str(v).strip() for v in values)
        return sid, token, sender


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _sid(reply: Reply, action: str) -> str:
    document = reply.json()
    sid = document.get("sid") if isinstance(document, dict) else None
    if not isinstance(sid, str) or not sid:
        raise DeliveryFailed(
            PROVIDER, action, "Twilio answered without a sid", permanent=True, status=reply.status
        )
    return sid


def _worded(failure: DeliveryFailed, phone: str) -> DeliveryFailed:
    """The failure in words a responder acts on: Twilio's error code and what it means."""
    code, message = _twilio_error(failure.body)
    if failure.status == 401 or code == BAD_CREDENTIALS:
        reason = (
            "Twilio refused the account's credentials (20003): check TWILIO_ACCOUNT_SID and "
            "TWILIO_AUTH_TOKEN"
        )
    elif code == INVALID_NUMBER:
        reason = f"Twilio says the number {phone} is not valid ({INVALID_NUMBER})"
    elif failure.permanent:
        said = f": {message}" if message else ""
        reason = f"Twilio refused it (HTTP {failure.status}, {code or 'no code'}){said}"
    else:
        reason = f"Twilio did not take it after {failure.attempts} attempts ({failure.reason})"
    return DeliveryFailed(
        PROVIDER,
        failure.action,
        reason,
        permanent=failure.permanent,
        status=failure.status,
        body=failure.body,
        attempts=failure.attempts,
    )


def _twilio_error(body: str | None) -> tuple[int | None, str]:
    try:
        document = json.loads(body or "")
    except ValueError:
        return None, ""
    if not isinstance(document, dict):
        return None, ""
    code = document.get("code")
    message = document.get("message")
    return (code if isinstance(code, int) else None), (message if isinstance(message, str) else "")

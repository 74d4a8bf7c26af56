"""A local Twilio REST API (Messages and Calls) that texts and calls nobody, and plays the phones.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json``, form-encoded,
HTTP basic auth (account SID and auth token). Answers as Twilio does:

- 201 with the resource (``sid`` ``SM...``/``CA...``, ``status`` ``queued``, ``to``, ``from``...);
- 401 ``{"code": 20003, "message": "Authenticate"}`` for wrong credentials or another account;
- 400 ``21604`` (no ``To``), ``21211`` (``To`` not an E.164 number, or one in
  ``invalid_numbers``), ``21606`` (``From`` is not the account's number), ``21602`` (no
  ``Body``), ``21617`` (a body over 1600 characters), ``21205`` (a call with neither ``Url``
  nor ``Twiml``; the fake also refuses ``Twiml`` that is not XML, where Twilio would fail the
  call later);
- injected faults (:meth:`FakeProvider.fail`): 429 ``20429 Too Many Requests`` with
  ``Retry-After``, 5xx, timeouts.

The phones: :meth:`FakeTwilio.report` moves a message or call to a status (``sent``,
``delivered``, ``undelivered``, ``failed``; ``ringing``, ``completed``, ``no-answer``...) and
posts its ``StatusCallback`` signed like Twilio; :meth:`FakeTwilio.settle` does what the network
would (a number in ``unreachable`` gets ``undelivered``/``failed``, others ``sent`` then
``delivered``/``completed``); with ``auto_settle`` every new message and call settles by itself
on a background thread (``warroom dev``). :meth:`FakeTwilio.reply` texts the account's number
from a phone, :meth:`FakeTwilio.press` presses a key in a call, both posted to warroom's
webhooks with ``X-Twilio-Signature`` (:func:`twilio_signature`), and :meth:`FakeTwilio.traffic`
lists everything for people to read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from warroom_sandbox.providers.base import FakeProvider, Handler

ACCOUNT_SID = "AC" + "5a" * 16
AUTH_TOKEN = "sandbox-twilio-auth-token-0001"
FROM_NUMBER = "+15005550006"  # Twilio's magic "valid sender" test number
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
BODY_LIMIT = 1600
FAILED_STATES = {"undelivered", "failed", "busy", "no-answer", "canceled"}
DOCS = "https://www.twilio.com/docs/errors/"


def twilio_signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the URL then each POST parameter's
    name and value, sorted by name."""
    data = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


@dataclass(frozen=True)
class TwilioMessage:
    """A text, sent (``direction`` ``outbound-api``) or received from a phone (``inbound``)."""

    sid: str
    to: str
    from_: str
    body: str
    status: str
    status_callback: str | None = None
    direction: str = "outbound-api"
    error_code: int | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reply: str = ""  # what warroom answered an inbound text, as TwiML


@dataclass(frozen=True)
class TwilioCall:
    """A call placed through the API; ``said`` is what its TwiML reads out."""

    sid: str
    to: str
    from_: str
    twiml: str
    status: str
    status_callback: str | None = None
    gather_action: str | None = None
    said: str = ""
    digits: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    reply: str = ""  # what warroom answered the key press, as TwiML


class FakeTwilio(FakeProvider):
    """The fake Twilio (see the module docstring); ``messages()``, ``calls()`` to read it."""

    def __init__(
        self,
        *,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        from_number: str = FROM_NUMBER,
        invalid_numbers: frozenset[str] = frozenset(),
        unreachable: frozenset[str] = frozenset(),
        auto_settle: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.invalid_numbers = set(invalid_numbers)
        self.unreachable = set(unreachable)
        self.auto_settle = auto_settle
        self._messages: list[TwilioMessage] = []
        self._calls: list[TwilioCall] = []
        self._callbacks: list[tuple[str, dict[str, str], int | None]] = []
        self._forwards: dict[str, str] = {}
        super().__init__(host=host, port=port)

    def routes(self) -> list[tuple[str, list[str], Handler]]:
        base = "/2010-04-01/Accounts/{account}"
        return [
            (f"{base}/Messages.json", ["POST"], self._create_message),
            (f"{base}/Calls.json", ["POST"], self._create_call),
        ]

    def error_response(self, status: int, retry_after: float | None) -> Response:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status == 429:
            return _error(429, 20429, "Too Many Requests", headers)
        if status == 401:
            return _error(401, 20003, "Authenticate")
        if status == 400:
            return _error(400, 21211, "The 'To' number is not a valid phone number. (injected)")
        return _error(status, 20500, "Internal Server Error", headers if status == 503 else {})

    def _reset_state(self) -> None:
        self._messages.clear()
        self._calls.clear()
        self._callbacks.clear()

    # -- queries --------------------------------------------------------------------------------

    def messages(self) -> list[TwilioMessage]:
        """Every text, sent and received, in order."""
        with self._lock:
            return list(self._messages)

    def calls(self) -> list[TwilioCall]:
        with self._lock:
            return list(self._calls)

    def callbacks(self) -> list[tuple[str, dict[str, str], int | None]]:
        """Every status callback posted: (URL, form, warroom's HTTP status or None)."""
        with self._lock:
            return list(self._callbacks)

    def traffic(self) -> list[TwilioMessage | TwilioCall]:
        """Texts and calls together, oldest first (for the sandbox's page)."""
        with self._lock:
            both: list[TwilioMessage | TwilioCall] = [*self._messages, *self._calls]
        return sorted(both, key=lambda item: item.at)

    # -- the API --------------------------------------------------------------------------------

    def _create_message(self, request: Request, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        refusal = self._refusal(request, form) or _body_refusal(form.get("Body"))
        if refusal is not None:
            return refusal
        message = TwilioMessage(
            sid="SM" + uuid.uuid4().hex,
            to=form["To"],
            from_=form["From"],
            body=form["Body"],
            status="queued",
            status_callback=form.get("StatusCallback") or None,
        )
        self._messages.append(message)
        self._maybe_settle(message.sid)
        return JSONResponse(
            self._resource(
                message.sid,
                message.to,
                message.from_,
                "queued",
                {
                    "body": message.body,
                    "num_segments": str(1 + (len(message.body) - 1) // 153),
                    "direction": "outbound-api",
                },
            ),
            status_code=201,
        )

    def _create_call(self, request: Request, body: bytes) -> Response:
        form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        refusal = self._refusal(request, form)
        if refusal is not None:
            return refusal
        twiml = form.get("Twiml", "")
        if not twiml and not form.get("Url"):
            return _error(400, 21205, "Url parameter is required.")
        try:
            said, action = _read_twiml(twiml) if twiml else ("", None)
        except ET.ParseError as error:
            return _error(400, 21205, f"Twiml is not valid XML: {error}")
        call = TwilioCall(
            sid="CA" + uuid.uuid4().hex,
            to=form["To"],
            from_=form["From"],
            twiml=twiml,
            status="queued",
            status_callback=form.get("StatusCallback") or None,
            gather_action=action,
            said=said,
        )
        self._calls.append(call)
        self._maybe_settle(call.sid)
        resource = self._resource(
            call.sid, call.to, call.from_, "queued", {"direction": "outbound-api"}
        )
        return JSONResponse(resource, status_code=201)

    def _refusal(self, request: Request, form: dict[str, str]) -> Response | None:
        if not self._authorized(request):
            return _error(401, 20003, "Authenticate")
        to = form.get("To", "")
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to) or to in self.invalid_numbers:
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        sender = form.get("From", "")
        if sender != self.from_number:
            return _error(
                400,
                21606,
                f"The 'From' phone number provided ({sender}) is not a valid, message-capable "
                "Twilio phone number for this account.",
            )
        return None

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        given = request.headers.get("authorization", "")
        same_account = request.path_params.get("account") == self.account_sid
        return same_account and hmac.compare_digest(given, f"Basic {expected}")

    def _resource(
        self, sid: str, to: str, sender: str, status: str, extra: dict[str, str]
    ) -> dict[str, object]:
        kind = "Messages" if sid.startswith("SM") else "Calls"
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": sender,
            "status": status,
            "date_created": datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000"),
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/{kind}/{sid}.json",
            **extra,
        }

    # -- the phones -----------------------------------------------------------------------------

    def report(self, sid: str, status: str, *, error_code: int | None = None) -> int | None:
        """Move a message or call to ``status`` and post its status callback (signed); returns
        warroom's HTTP status (None: no callback URL, or it could not be reached)."""
        with self._lock:
            url, form = self._set_status(sid, status, error_code)
        if url is None:
            return None
        try:
            answer: int | None = self._post(url, form).status_code
        except httpx.HTTPError:
            answer = None
        with self._lock:
            self._callbacks.append((url, form, answer))
        return answer

    def settle(self, sid: str) -> list[int | None]:
        """What the network would do: an ``unreachable`` number fails, others are delivered."""
        item = self._find(sid)
        lost = item.to in self.unreachable
        steps: list[tuple[str, int | None]]
        if sid.startswith("SM"):
            steps = (
                [("sent", None), ("undelivered", 30003)]
                if lost
                else [("sent", None), ("delivered", None)]
            )
        else:
            steps = [("failed", 31005)] if lost else [("ringing", None), ("in-progress", None)]
        return [self.report(sid, status, error_code=code) for status, code in steps]

    def reply(self, phone: str, body: str, url: str, *, token: str | None = None) -> httpx.Response:
        """Text ``body`` from ``phone`` to the account's number: Twilio posts it to ``url``
        (warroom's ``/webhooks/twilio/sms``), signed with ``token`` (default: the right one)."""
        message = TwilioMessage(
            "SM" + uuid.uuid4().hex, self.from_number, phone, body, "received", direction="inbound"
        )
        form = {
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "AccountSid": self.account_sid,
            "From": phone,
            "To": self.from_number,
            "Body": body,
            "NumMedia": "0",
        }
        answer = self._post(url, form, token)
        with self._lock:
            self._messages.append(replace(message, reply=answer.text))
        return answer

    def press(
        self, call_sid: str, digits: str, url: str | None = None, *, token: str | None = None
    ) -> httpx.Response:
        """Press ``digits`` in a call: posted to its ``<Gather action>`` (or ``url``)."""
        call = self._find(call_sid)
        assert isinstance(call, TwilioCall)
        target = url or call.gather_action
        if target is None:
            raise ValueError(f"call {call_sid} gathers no keys")
        form = {
            "CallSid": call.sid,
            "AccountSid": self.account_sid,
            "From": call.from_,
            "To": call.to,
            "Direction": "outbound-api",
            "CallStatus": "in-progress",
            "Digits": digits,
        }
        answer = self._post(target, form, token)
        with self._lock:
            index = self._calls.index(call)
            self._calls[index] = replace(self._calls[index], digits=digits, reply=answer.text)
        return answer

    def sign(self, url: str, form: Mapping[str, str], token: str | None = None) -> str:
        return twilio_signature(token or self.auth_token, url, form)

    def forward(self, public_url: str, to: str) -> None:
        """Post webhooks addressed to ``public_url`` to ``to`` instead, still signed for the
        public address: a reverse proxy in front of warroom (its ``PUBLIC_URL``)."""
        with self._lock:
            self._forwards[public_url.rstrip("/")] = to.rstrip("/")

    def _post(self, url: str, form: dict[str, str], token: str | None = None) -> httpx.Response:
        with self._lock:
            forwards = dict(self._forwards)
        target = next(
            (to + url[len(base) :] for base, to in forwards.items() if url.startswith(base + "/")),
            url,
        )
        headers = {
            "X-Twilio-Signature": self.sign(url, form, token),
            "User-Agent": "TwilioProxy/1.1",
        }
        return httpx.post(target, data=form, headers=headers, timeout=10.0)

    def _find(self, sid: str) -> TwilioMessage | TwilioCall:
        with self._lock:
            both: list[TwilioMessage | TwilioCall] = [*self._messages, *self._calls]
        for item in both:
            if item.sid == sid:
                return item
        raise KeyError(f"no message or call {sid}")

    def _set_status(
        self, sid: str, status: str, error_code: int | None
    ) -> tuple[str | None, dict[str, str]]:
        item = self._find(sid)
        form = {"AccountSid": self.account_sid, "From": item.from_, "To": item.to}
        if isinstance(item, TwilioMessage):
            index = self._messages.index(item)
            self._messages[index] = replace(item, status=status, error_code=error_code)
            form |= {"MessageSid": sid, "SmsSid": sid, "MessageStatus": status, "SmsStatus": status}
        else:
            index = self._calls.index(item)
            self._calls[index] = replace(item, status=status)
            form |= {"CallSid": sid, "CallStatus": status, "Direction": "outbound-api"}
        if error_code is not None:
            form["ErrorCode"] = str(error_code)
        return item.status_callback, form

    def _maybe_settle(self, sid: str) -> None:
        if self.auto_settle:  # after the 201, as Twilio would: never inside the request
            threading.Timer(0.5, self.settle, args=(sid,)).start()


def _error(
    status: int, code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    body = {"code": code, "message": message, "more_info": f"{DOCS}{code}", "status": status}
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def _body_refusal(body: str | None) -> Response | None:
    if not body:
        return _error(400, 21602, "Message body is required.")
    if len(body) > BODY_LIMIT:
        return _error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
    return None


def _read_twiml(twiml: str) -> tuple[str, str | None]:
    """What the call says, and where its ``<Gather>`` posts the keys."""
    root = ET.fromstring(twiml)
    if root.tag != "Response":
        raise ET.ParseError("the root element must be <Response>")
    said = " ".join(" ".join((say.text or "").split()) for say in root.iter("Say"))
    gather = root.find("Gather")
    return said, gather.get("action") if gather is not None else None

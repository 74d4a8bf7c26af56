"""Twilio's webhooks: ``POST /webhooks/twilio/sms``, ``/voice`` and ``/status``.

- ``/sms``: a text to the account's number (Twilio's inbound message webhook; point the number's
  "A message comes in" at it). ``ACK 4821``, ``4821``, ``1`` or ``yes`` acknowledges; the answer
  is TwiML ``<Message>`` saying what was acknowledged, or why nothing was.
- ``/voice``: the ``<Gather>`` action of a page call; digit 1 acknowledges, and the answer says so.
- ``/status``: the ``StatusCallback`` of every text and call; an undelivered or failed one is
  reported on the incident's timeline (once), like any other failed delivery.

Every request is signature-checked first (:mod:`bot.paging.web.signature`, against
``PUBLIC_URL`` + the path): a forged, unsigned or unverifiable one gets 403 and a warning in the
log, and changes nothing. A body over 64 KiB is refused with 413. Nothing here answers 5xx: a
database that does not answer in time gets a TwiML sentence asking to try again (Twilio does not
retry a webhook, a person can).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from xml.sax.saxutils import escape

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.kernel.web.bodies import BodyCutOff, BodyTooLarge, read_limited
from bot.kernel.web.bounded import Bounded, Unavailable, first_line
from bot.kernel.web.forms import form_pairs
from bot.paging.notify.twilio import SMS_PATH, STATUS_PATH, VOICE_PATH
from bot.paging.phones import PhoneAcks
from bot.paging.web.signature import signature_matches

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
WAIT_SECONDS = 10.0
SLOTS = 16
BUSY = "warroom could not record that right now; please try again in a minute."
Form = dict[str, str]
Answer = Callable[[Form], Response]


def twilio_routes(acks: PhoneAcks, auth_token: str | None, public_url: str) -> list[Route]:
    work = Bounded("twilio webhook", slots=SLOTS, seconds=WAIT_SECONDS)
    base = public_url.rstrip("/")

    def route(path: str, answer: Answer, busy: Response) -> Route:
        endpoint = _endpoint(path, base, auth_token, work, answer, busy)
        return Route(path, endpoint, methods=["POST"])

    return [
        route(SMS_PATH, lambda form: _sms(acks, form), _message(BUSY)),
        route(VOICE_PATH, lambda form: _voice(acks, form), _say(BUSY)),
        route(STATUS_PATH, lambda form: _status(acks, form), Response(status_code=204)),
    ]


def _endpoint(
    path: str,
    base: str,
    auth_token: str | None,
    work: Bounded,
    answer: Answer,
    busy: Response,
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            body = await read_limited(request, MAX_BODY_BYTES)
        except BodyTooLarge as error:
            return PlainTextResponse(str(error), status_code=413)
        except BodyCutOff as error:
            return PlainTextResponse(str(error), status_code=400)
        try:
            pairs = form_pairs(body.decode("utf-8"))
        except UnicodeDecodeError:
            pairs = []
        url = base + path + (f"?{request.url.query}" if request.url.query else "")
        refusal = _refusal(auth_token, url, pairs, request.headers.get("x-twilio-signature"))
        if refusal:
            log.warning("Twilio webhook %s refused (403): %s", path, refusal)
            return PlainTextResponse(refusal, status_code=403)
        form = dict(pairs)
        try:
            return await work.run(lambda: answer(form))
        except (SQLAlchemyError, Unavailable) as error:
            log.warning("Twilio webhook %s: could not record it: %s", path, first_line(error))
            return busy

    return endpoint


def _refusal(
    auth_token: str | None, url: str, pairs: list[tuple[str, str]], signature: str | None
) -> str:
    """Why the request is not Twilio's, or ``""``."""
    if not auth_token:
        return "TWILIO_AUTH_TOKEN is not set, so no Twilio request can be verified"
    if not signature:
        return "no X-Twilio-Signature header: not a request from Twilio"
    if not signature_matches(auth_token, url, pairs, signature):
        return (
            f"the X-Twilio-Signature does not sign {url} and its parameters: forged, or "
            "TWILIO_AUTH_TOKEN or PUBLIC_URL differ from what Twilio uses"
        )
    return ""


def _sms(acks: PhoneAcks, form: Form) -> Response:
    return _message(acks.by_text(form.get("From", ""), form.get("Body", "")))


def _voice(acks: PhoneAcks, form: Form) -> Response:
    acknowledged, said = acks.by_key(form.get("CallSid", ""), form.get("Digits", ""))
    if acknowledged or not form.get("CallSid"):
        return _say(said)
    # Any other key: ask again on the same call (a Gather without action posts back here).
    return _twiml(
        f'<Gather numDigits="1" timeout="10" method="POST"><Say>{escape(said)}</Say></Gather>'
        "<Say>Goodbye.</Say>"
    )


def _status(acks: PhoneAcks, form: Form) -> Response:
    sid = form.get("MessageSid") or form.get("CallSid") or ""
    status = form.get("MessageStatus") or form.get("CallStatus") or ""
    if sid and status:
        acks.status(sid, status, form.get("ErrorCode") or None)
    return Response(status_code=204)


def _message(text: str) -> Response:
    return _twiml(f"<Message>{escape(text)}</Message>")


def _say(text: str) -> Response:
    return _twiml(f"<Say>{escape(text)}</Say>")


def _twiml(inner: str) -> Response:
    xml = f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
    return Response(xml, media_type="text/xml")

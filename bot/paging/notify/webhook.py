"""A generic signed webhook: ``POST <url>`` with a JSON body, for any receiver.

Body (``application/json``, UTF-8)::

    {"event": "trigger" | "acknowledge" | "resolve",
     "key": "<the page key>",
     "incident": {"number", "title", "severity", "summary", "link", "channel", "service"} | null,
     "page": {"headline", "recipient", "recipient_email", "level", "at", "details"} | null}

``incident`` and ``page`` are always present on a trigger, and on acknowledge/resolve when the
caller passes the notice; receivers correlate the three events by ``key``.

Headers: ``Idempotency-Key: <key>:<event>`` (the same for every retry of one event, different
for the trigger, acknowledge and resolve of one page, so a receiver that drops repeated keys
still gets all three), and the signature headers of :mod:`bot.paging.notify.signing`, recomputed for
every attempt so a retry is never stale. Any 2xx means delivered.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from bot.config.model import WebhookChannel
from bot.kernel.http import Clock, OutboundRequest
from bot.paging.notify.delivery import Sender
from bot.paging.notify.notice import PageNotice, header_key
from bot.paging.notify.secrets import SecretLookup, require_secret
from bot.paging.notify.signing import signed_headers

IDEMPOTENCY_HEADER = "Idempotency-Key"


def webhook_body(event: str, key: str, notice: PageNotice | None) -> dict[str, Any]:
    """The JSON document sent for ``event`` of the page ``key``."""
    body: dict[str, Any] = {"event": event, "key": key, "incident": None, "page": None}
    if notice is not None:
        body["incident"] = {
            "number": notice.incident_number,
            "title": notice.title,
            "severity": notice.severity.value,
            "summary": notice.summary,
            "link": notice.link,
            "channel": notice.channel_name,
            "service": notice.service,
        }
        body["page"] = {
            "headline": notice.headline,
            "recipient": notice.recipient,
            "recipient_email": notice.recipient_email,
            "level": notice.level,
            "at": notice.at.isoformat() if notice.at else None,
            "details": dict(notice.details),
        }
    return body


class WebhookNotifier:
    """Posts signed trigger/acknowledge/resolve events to each channel's URL."""

    def __init__(self, sender: Sender, secrets: SecretLookup, wall_clock: Clock) -> None:
        self._sender = sender
        self._secrets = secrets
        self._wall_clock = wall_clock

    def trigger(self, notice: PageNotice, channel: WebhookChannel) -> str:
        """Deliver the trigger; returns the page key (the body's ``key``)."""
        self._deliver("trigger", notice.dedup_key, notice, channel)
        return notice.dedup_key

    def acknowledge(
        self, key: str, channel: WebhookChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._deliver("acknowledge", key, notice, channel)

    def resolve(
        self, key: str, channel: WebhookChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._deliver("resolve", key, notice, channel)

    def _deliver(
        self, event: str, key: str, notice: PageNotice | None, channel: WebhookChannel
    ) -> None:
        provider = f"webhook {urlsplit(channel.url).hostname or '?'}"
        secret = require_secret(
            self._secrets, channel.secret_setting, "webhook signing secret", provider, event
        )
        body = json.dumps(webhook_body(event, key, notice), separators=(",", ":")).encode()
        base = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: header_key(f"{key}:{event}"),
        }

        def build() -> OutboundRequest:
            headers = base | signed_headers(secret, body, self._wall_clock())
            return OutboundRequest("POST", channel.url, headers, body)

        self._sender.send(provider, event, build, secrets=(secret,))

"""PagerDuty Events API v2: ``POST {base}/v2/enqueue``.

A trigger carries ``routing_key``, ``event_action``, ``dedup_key`` (at most 255 characters,
:func:`bounded_key`) and ``payload`` (``summary`` at most 1024 characters, ``source``,
``severity`` from SEV1..SEV4 as critical, error, warning, info, ``timestamp``, ``component``,
``class``, ``custom_details``), plus ``client``, ``client_url`` and ``links`` to the incident
channel. Acknowledge and resolve send only ``routing_key``, ``event_action`` and the trigger's
``dedup_key``; PagerDuty drops them silently when no open alert has that key.

202 means queued; 400 (invalid event) is permanent and its ``errors`` are in the raised
:class:`DeliveryFailed`; 429 and 5xx are retried (:mod:`bot.paging.notify.delivery`).
"""

from __future__ import annotations

import json
from typing import Any

from bot.config.model import PagerDutyChannel
from bot.kernel.http import OutboundRequest, Reply
from bot.paging.notify.delivery import Sender
from bot.paging.notify.notice import PAGERDUTY_SEVERITY, PageNotice, bounded_key, shorten
from bot.paging.notify.secrets import SecretLookup, require_secret

DEFAULT_PAGERDUTY_URL = "https://events.pagerduty.com"
DEDUP_KEY_LIMIT = 255
SUMMARY_LIMIT = 1024
PROVIDER = "pagerduty"


def dedup_key(key: str) -> str:
    """The ``dedup_key`` PagerDuty gets for the page key ``key`` (idempotent)."""
    return bounded_key(key, DEDUP_KEY_LIMIT)


def trigger_event(notice: PageNotice, routing_key: str) -> dict[str, Any]:
    """The trigger event for ``notice`` (the shape of the shared fixture)."""
    custom: dict[str, Any] = {"incident": notice.incident_number, "summary": notice.summary}
    if notice.channel_name:
        custom["channel"] = notice.channel_name
    if notice.recipient:
        custom["paged"] = notice.recipient
    if notice.level is not None:
        custom["level"] = notice.level
    custom.update(notice.details)
    payload: dict[str, Any] = {
        "summary": shorten(notice.headline, SUMMARY_LIMIT),
        "source": notice.source,
        "severity": PAGERDUTY_SEVERITY[notice.severity],
        "class": "incident",
        "custom_details": custom,
    }
    if notice.at is not None:
        payload["timestamp"] = notice.at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if notice.service:
        payload["component"] = notice.service
    event: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": dedup_key(notice.dedup_key),
        "payload": payload,
        "client": notice.source,
    }
    if notice.link:
        event["client_url"] = notice.link
        event["links"] = [{"href": notice.link, "text": "Incident channel"}]
    return event


class PagerDutyNotifier:
    """Triggers, acknowledges and resolves PagerDuty alerts by ``dedup_key``."""

    def __init__(
        self, sender: Sender, secrets: SecretLookup, base_url: str = DEFAULT_PAGERDUTY_URL
    ) -> None:
        self._sender = sender
        self._secrets = secrets
        self._url = base_url.rstrip("/") + "/v2/enqueue"

    def trigger(self, notice: PageNotice, channel: PagerDutyChannel) -> str:
        """Open (or merge into) the alert; returns the ``dedup_key`` to acknowledge/resolve."""
        routing_key = require_secret(
            self._secrets, channel.routing_key_setting, "PagerDuty routing key", PROVIDER, "trigger"
        )
        key = dedup_key(notice.dedup_key)
        document = self._post("trigger", trigger_event(notice, routing_key), routing_key).json()
        # 202 is all that matters; the body is a courtesy
        returned = document.get("dedup_key") if isinstance(document, dict) else None
        if isinstance(returned, str) and 0 < len(returned) <= DEDUP_KEY_LIMIT:
            return returned
        return key

    def acknowledge(
        self, key: str, channel: PagerDutyChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._follow_up("acknowledge", key, channel)

    def resolve(
        self, key: str, channel: PagerDutyChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._follow_up("resolve", key, channel)

    def _follow_up(self, action: str, key: str, channel: PagerDutyChannel) -> None:
        routing_key = require_secret(
            self._secrets, channel.routing_key_setting, "PagerDuty routing key", PROVIDER, action
        )
        event = {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key(key)}
        self._post(action, event, routing_key)

    def _post(self, action: str, event: dict[str, Any], routing_key: str) -> Reply:
        body = json.dumps(event).encode()
        request = OutboundRequest("POST", self._url, {"Content-Type": "application/json"}, body)
        return self._sender.send(PROVIDER, action, lambda: request, secrets=(routing_key,))

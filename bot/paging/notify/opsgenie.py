"""Opsgenie Alert API: create, acknowledge and close an alert by ``alias``.

- ``POST {base}/v2/alerts``: ``message`` (the headline, cut to 130 characters at a word),
  ``alias`` (the page key, at most 512 characters, :func:`bounded_key`), ``description`` (at most
  15,000), ``priority`` (SEV1..SEV4 as P1..P4), ``responders`` (the paged person's email as a
  user responder, when known), ``tags``, ``details`` (string values only, as Opsgenie wants),
  ``entity``, ``source``, ``user``, ``note``.
- ``POST {base}/v2/alerts/{alias}/acknowledge?identifierType=alias`` and ``.../close?...``
  with ``user``, ``source`` and ``note``.

Every request carries ``Authorization: GenieKey <key>``. The base URL is the account's region:
``https://api.opsgenie.com`` (US) or ``https://api.eu.opsgenie.com`` (EU). 202 means queued (the
API is asynchronous); 4xx other than 429 is permanent (401: bad key, 422: invalid body).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bot.config.model import OpsgenieChannel
from bot.kernel.http import OutboundRequest
from bot.paging.notify.delivery import Sender
from bot.paging.notify.notice import OPSGENIE_PRIORITY, PageNotice, bounded_key, shorten
from bot.paging.notify.secrets import SecretLookup, require_secret

DEFAULT_OPSGENIE_URL = "https://api.opsgenie.com"
EU_OPSGENIE_URL = "https://api.eu.opsgenie.com"
ALIAS_LIMIT = 512
MESSAGE_LIMIT = 130
DESCRIPTION_LIMIT = 15_000
PROVIDER = "opsgenie"
_NOTES = {"acknowledge": "Acknowledged in warroom", "close": "Resolved in warroom"}


def alias(key: str) -> str:
    """The ``alias`` Opsgenie gets for the page key ``key`` (idempotent)."""
    return bounded_key(key, ALIAS_LIMIT)


def create_alert(notice: PageNotice) -> dict[str, Any]:
    """The create-alert body for ``notice`` (the shape of the shared fixture)."""
    details = {"incident": str(notice.incident_number)}
    if notice.channel_name:
        details["channel"] = notice.channel_name
    if notice.link:
        details["link"] = notice.link
    details.update({k: str(v) for k, v in notice.details.items()})
    tags = [notice.source, notice.severity.value.lower()]
    if notice.service:
        tags.append(notice.service)
    body: dict[str, Any] = {
        "message": shorten(notice.headline, MESSAGE_LIMIT),
        "alias": alias(notice.dedup_key),
        "description": shorten(notice.summary or notice.headline, DESCRIPTION_LIMIT),
        "tags": tags,
        "details": details,
        "source": notice.source,
        "priority": OPSGENIE_PRIORITY[notice.severity],
        "user": notice.source,
    }
    if notice.recipient_email:
        body["responders"] = [{"username": notice.recipient_email, "type": "user"}]
    if notice.service:
        body["entity"] = notice.service
    if notice.level is not None:
        body["note"] = f"Paged at escalation level {notice.level}"
    return body


class OpsgenieNotifier:
    """Creates, acknowledges and closes Opsgenie alerts by ``alias``."""

    def __init__(
        self, sender: Sender, secrets: SecretLookup, base_url: str = DEFAULT_OPSGENIE_URL
    ) -> None:
        self._sender = sender
        self._secrets = secrets
        self._base = base_url.rstrip("/")

    def trigger(self, notice: PageNotice, channel: OpsgenieChannel) -> str:
        """Create (or de-duplicate into) the alert; returns its ``alias``."""
        body = create_alert(notice)
        self._post("trigger", f"{self._base}/v2/alerts", body, channel)
        return str(body["alias"])

    def acknowledge(
        self, key: str, channel: OpsgenieChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._action("acknowledge", "acknowledge", key, channel)

    def resolve(
        self, key: str, channel: OpsgenieChannel, *, notice: PageNotice | None = None
    ) -> None:
        self._action("resolve", "close", key, channel)

    def _action(self, action: str, verb: str, key: str, channel: OpsgenieChannel) -> None:
        path = quote(alias(key), safe="")
        url = f"{self._base}/v2/alerts/{path}/{verb}?identifierType=alias"
        body = {"user": "warroom", "source": "warroom", "note": _NOTES[verb]}
        self._post(action, url, body, channel)

    def _post(self, action: str, url: str, body: dict[str, Any], channel: OpsgenieChannel) -> None:
        api_key = require_secret(
            self._secrets, channel.api_key_setting, "Opsgenie API key", PROVIDER, action
        )
        request = OutboundRequest(
            "POST",
            url,
            {"Content-Type": "application/json", "Authorization": f"GenieKey {api_key}"},
            json.dumps(body).encode(),
        )
        self._sender.send(PROVIDER, action, lambda: request, secrets=(api_key,))

"""Who may post alerts: a bearer token or an HMAC signature per source, from the settings.

A source is enabled by ``ALERTS_<SOURCE>_TOKEN`` (the sender sends ``Authorization: Bearer
<token>``; Alertmanager's ``http_config.authorization`` and Grafana's "Authorization header" do
this) and/or ``ALERTS_<SOURCE>_HMAC_SECRET`` (the sender signs the raw body). Two signature
schemes are accepted, both over the raw body and a Unix timestamp at most 300 s from our clock:

* warroom's own (``bot.notify.signing``): ``X-Warroom-Timestamp`` and ``X-Warroom-Signature:
  v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``;
* Grafana's: ``X-Grafana-Alerting-Signature: <hex HMAC-SHA256 of "{timestamp}:{body}">`` with the
  timestamp in ``X-Grafana-Alerting-Timestamp`` (set Grafana's "Timestamp Header" to that name: a
  signature without a timestamp could be replayed for ever, so it is refused).

Secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from bot.alerts.errors import Rejected
from bot.domain.alerts import Source
from bot.notify import signing

GRAFANA_SIGNATURE_HEADER = "x-grafana-alerting-signature"
GRAFANA_TIMESTAMP_HEADER = "x-grafana-alerting-timestamp"
TOLERANCE_SECONDS = signing.DEFAULT_TOLERANCE_SECONDS


@dataclass(frozen=True)
class Credentials:
    """A source's secrets (``None``: not set) and the names of the settings that hold them."""

    source: Source
    token: str | None
    hmac_secret: str | None

    @property
    def token_setting(self) -> str:
        return f"ALERTS_{self.source.value.upper()}_TOKEN"

    @property
    def hmac_setting(self) -> str:
        return f"ALERTS_{self.source.value.upper()}_HMAC_SECRET"

    @property
    def enabled(self) -> bool:
        return bool(self.token or self.hmac_secret)


def authenticate(
    credentials: Credentials, headers: Mapping[str, str], body: bytes, now: float
) -> None:
    """Returns when the request is authentic; raises ``Rejected(401, why)`` otherwise.

    ``headers`` must be keyed in lower case (as Starlette's are).
    """
    if not credentials.enabled:
        raise Rejected(
            401,
            f"the {credentials.source} webhook is not enabled: set {credentials.token_setting} "
            f"or {credentials.hmac_setting} (see docs/alerts.md)",
        )
    authorization = headers.get("authorization")
    if authorization is not None and credentials.token:
        _check_bearer(credentials.token, authorization)
        return
    signature = headers.get(signing.SIGNATURE_HEADER.lower())
    grafana_signature = headers.get(GRAFANA_SIGNATURE_HEADER)
    if credentials.hmac_secret and (signature or grafana_signature):
        if signature:
            timestamp = headers.get(signing.TIMESTAMP_HEADER.lower())
            _check_fresh(timestamp, now)
            valid = signing.verify_signature(
                credentials.hmac_secret, body, timestamp, signature, now=now
            )
        else:
            timestamp = headers.get(GRAFANA_TIMESTAMP_HEADER)
            _check_fresh(timestamp, now)
            valid = _grafana_valid(credentials.hmac_secret, body, timestamp, grafana_signature)
        if not valid:
            raise Rejected(401, "invalid signature: sign the raw body with the shared secret")
        return
    raise Rejected(401, _how_to_authenticate(credentials))


def _check_bearer(token: str, authorization: str) -> None:
    scheme, _, presented = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        presented.strip().encode("utf-8"), token.encode("utf-8")
    ):
        raise Rejected(401, "invalid bearer token")


def _check_fresh(timestamp: str | None, now: float) -> None:
    if not timestamp or not timestamp.isdigit():
        raise Rejected(401, "the signature needs a Unix timestamp header (see docs/alerts.md)")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise Rejected(
            401,
            f"stale signature: its timestamp is more than {TOLERANCE_SECONDS} s away from "
            "the server's clock",
        )


def _grafana_valid(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    if not timestamp or not signature:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b":" + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def _how_to_authenticate(credentials: Credentials) -> str:
    ways = []
    if credentials.token:
        ways.append(f"send 'Authorization: Bearer <{credentials.token_setting}>'")
    if credentials.hmac_secret:
        ways.append(f"sign the body with {credentials.hmac_setting} (X-Warroom-Signature)")
    return "missing credentials: " + " or ".join(ways)

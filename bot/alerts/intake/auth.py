"""Who may post alerts: a bearer token or an HMAC signature per source, from the settings.

A source is enabled by ``ALERTS_<SOURCE>_TOKEN`` (the sender sends ``Authorization: Bearer
<token>``; Alertmanager's ``http_config.authorization`` and Grafana's "Authorization header" do
this) and/or ``ALERTS_<SOURCE>_HMAC_SECRET`` (the sender signs the raw body). Two signature
schemes are accepted, both over the raw body and a Unix timestamp at most 300 s from our clock:

* warroom's own (``bot.paging.notify.signing``): ``X-Warroom-Timestamp`` and ``X-Warroom-Signature:
  v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``;
* Grafana's: ``X-Grafana-Alerting-Signature: <hex HMAC-SHA256 of "{timestamp}:{body}">`` with the
  timestamp in ``X-Grafana-Alerting-Timestamp`` (set Grafana's "Timestamp Header" to that name: a
  signature without a timestamp could be replayed for ever, so it is refused).

Secrets are compared in constant time and never logged.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.alerts.domain import Source
from bot.alerts.intake.errors import Rejected
from bot.kernel.web.bearer import bearer_matches
from bot.paging.notify import signing

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


BodyCheck = Callable[[bytes], None]
MAX_TIMESTAMP_DIGITS = 12  # Unix seconds until the year 33658


def authenticate(
    credentials: Credentials, headers: Mapping[str, str], body: bytes, now: float
) -> None:
    """Returns when the request is authentic; raises ``Rejected(401, why)`` otherwise.

    ``headers`` must be keyed in lower case (as Starlette's are).
    """
    check_headers(credentials, headers, now)(body)


def check_headers(credentials: Credentials, headers: Mapping[str, str], now: float) -> BodyCheck:
    """What the headers alone can tell, before the body is read: refuses (401) a request with
    no credentials, a wrong token or a signature that is stale or malformed, and returns what is
    left to check on the body (a signature), which raises ``Rejected(401, why)`` in turn.

    Header values are whatever the client sent (Starlette decodes bytes as Latin-1): nothing here
    assumes they are ASCII.
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
        return _nothing_left
    signature = headers.get(signing.SIGNATURE_HEADER.lower())
    grafana_signature = headers.get(GRAFANA_SIGNATURE_HEADER)
    secret = credentials.hmac_secret
    if secret and signature:
        timestamp = _fresh(headers.get(signing.TIMESTAMP_HEADER.lower()), now)
        warroom_signature = _hex_signature(signature)
        return lambda body: _require(
            signing.verify_signature(secret, body, timestamp, warroom_signature, now=now)
        )
    if secret and grafana_signature:
        timestamp = _fresh(headers.get(GRAFANA_TIMESTAMP_HEADER), now)
        expected = _hex_signature(grafana_signature).strip().lower()
        return lambda body: _require(_grafana_valid(secret, body, timestamp, expected))
    raise Rejected(401, _how_to_authenticate(credentials))


def _nothing_left(_: bytes) -> None:
    return None


def _require(valid: bool) -> None:
    if not valid:
        raise Rejected(401, "invalid signature: sign the raw body with the shared secret")


def _hex_signature(signature: str) -> str:
    """A signature header is ASCII (hex digits, ``v1=``, commas); anything else cannot match,
    and comparing it in constant time would raise."""
    if not signature.isascii():
        raise Rejected(401, "invalid signature: sign the raw body with the shared secret")
    return signature


def _check_bearer(token: str, authorization: str) -> None:
    if not bearer_matches(token, authorization):
        raise Rejected(401, "invalid bearer token")


def _fresh(timestamp: str | None, now: float) -> str:
    if (
        not timestamp
        or not timestamp.isascii()
        or not timestamp.isdigit()
        or len(timestamp) > MAX_TIMESTAMP_DIGITS
    ):
        raise Rejected(401, "the signature needs a Unix timestamp header (see docs/alerts.md)")
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        raise Rejected(
            401,
            f"stale signature: its timestamp is more than {TOLERANCE_SECONDS} s away from "
            "the server's clock",
        )
    return timestamp


def _grafana_valid(secret: str, body: bytes, timestamp: str, signature: str) -> bool:
    expected = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b":" + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature)


def _how_to_authenticate(credentials: Credentials) -> str:
    ways = []
    if credentials.token:
        ways.append(f"send 'Authorization: Bearer <{credentials.token_setting}>'")
    if credentials.hmac_secret:
        ways.append(f"sign the body with {credentials.hmac_setting} (X-Warroom-Signature)")
    return "missing credentials: " + " or ".join(ways)

"""Authenticating webhook requests: bearer tokens, warroom's and Grafana's HMAC signatures,
stale timestamps, and a source nobody enabled."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from bot.alerts.domain import Source
from bot.alerts.intake.auth import Credentials, authenticate, check_headers
from bot.alerts.intake.errors import Rejected
from bot.paging.notify.signing import signed_headers

BODY = b'{"alerts": []}'
NOW = 1_795_000_000.0
TOKEN = "s3cret-token"
SECRET = "hmac-secret"
BOTH = Credentials(Source.GRAFANA, TOKEN, SECRET)


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def grafana_headers(secret: str, timestamp: int, body: bytes = BODY) -> dict[str, str]:
    digest = hmac.new(secret.encode(), f"{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "x-grafana-alerting-signature": digest.hexdigest(),
        "x-grafana-alerting-timestamp": str(timestamp),
    }


def refused(credentials: Credentials, headers: dict[str, str], body: bytes = BODY) -> str:
    with pytest.raises(Rejected) as raised:
        authenticate(credentials, headers, body, NOW)
    assert raised.value.status == 401
    return raised.value.message


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": f"Bearer {TOKEN}"},
        {"authorization": f"bearer {TOKEN}"},
        lower(signed_headers(SECRET, BODY, now=NOW)),
        lower(signed_headers(SECRET, BODY, now=NOW - 299)),
        grafana_headers(SECRET, int(NOW)),
    ],
)
def test_a_valid_token_or_signature_passes(headers: dict[str, str]) -> None:
    authenticate(BOTH, headers, BODY, NOW)


def test_a_wrong_or_misspelt_token() -> None:
    assert refused(BOTH, {"authorization": "Bearer nope"}) == "invalid bearer token"
    assert refused(BOTH, {"authorization": f"Basic {TOKEN}"}) == "invalid bearer token"


def test_a_signature_of_another_body_or_secret() -> None:
    message = "invalid signature: sign the raw body with the shared secret"
    assert (
        refused(BOTH, lower(signed_headers(SECRET, BODY, now=NOW)), b'{"alerts": [1]}') == message
    )
    assert refused(BOTH, lower(signed_headers("other", BODY, now=NOW))) == message
    assert refused(BOTH, grafana_headers("other", int(NOW))) == message


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_stale_timestamp_is_refused_even_when_the_signature_matches(skew: int) -> None:
    stale = "stale signature: its timestamp is more than 300 s away from the server's clock"
    assert refused(BOTH, lower(signed_headers(SECRET, BODY, now=NOW + skew))) == stale
    assert refused(BOTH, grafana_headers(SECRET, int(NOW) + skew)) == stale


def test_a_grafana_signature_without_a_timestamp_is_refused() -> None:
    headers = grafana_headers(SECRET, int(NOW))
    del headers["x-grafana-alerting-timestamp"]
    assert refused(BOTH, headers) == (
        "the signature needs a Unix timestamp header (see docs/alerts.md)"
    )


def test_no_credentials_says_what_to_send() -> None:
    assert refused(BOTH, {}) == (
        "missing credentials: send 'Authorization: Bearer <ALERTS_GRAFANA_TOKEN>' or sign the "
        "body with ALERTS_GRAFANA_HMAC_SECRET (X-Warroom-Signature)"
    )


def test_a_token_is_refused_where_only_a_secret_is_configured() -> None:
    only_hmac = Credentials(Source.GENERIC, None, SECRET)
    assert refused(only_hmac, {"authorization": f"Bearer {TOKEN}"}) == (
        "missing credentials: sign the body with ALERTS_GENERIC_HMAC_SECRET (X-Warroom-Signature)"
    )


def test_a_source_without_credentials_names_its_settings() -> None:
    disabled = Credentials(Source.ALERTMANAGER, None, None)
    assert refused(disabled, {"authorization": f"Bearer {TOKEN}"}) == (
        "the alertmanager webhook is not enabled: set ALERTS_ALERTMANAGER_TOKEN or "
        "ALERTS_ALERTMANAGER_HMAC_SECRET (see docs/alerts.md)"
    )


ARABIC_INDIC_NOW = str(int(NOW)).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
FRESH = str(int(NOW))
INVALID = "invalid signature: sign the raw body with the shared secret"
NO_TIMESTAMP = "the signature needs a Unix timestamp header (see docs/alerts.md)"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        # Starlette hands header bytes over decoded as Latin-1: any of them may arrive.
        ({"x-warroom-timestamp": FRESH, "x-warroom-signature": "v1=\xff\xfe"}, INVALID),
        ({"x-warroom-timestamp": FRESH, "x-warroom-signature": "v1=é,v1=00"}, INVALID),
        ({"x-warroom-timestamp": "9" * 5000, "x-warroom-signature": "v1=00"}, NO_TIMESTAMP),
        ({"x-warroom-timestamp": "²", "x-warroom-signature": "v1=00"}, NO_TIMESTAMP),
        ({"x-warroom-timestamp": ARABIC_INDIC_NOW, "x-warroom-signature": "v1=0"}, NO_TIMESTAMP),
        ({"x-grafana-alerting-timestamp": FRESH, "x-grafana-alerting-signature": "Ã¿"}, INVALID),
        (
            {"x-grafana-alerting-timestamp": ARABIC_INDIC_NOW, "x-grafana-alerting-signature": "0"},
            NO_TIMESTAMP,
        ),
        ({"authorization": "Bearer \xff\xfe"}, "invalid bearer token"),
        ({"authorization": ""}, "invalid bearer token"),
        ({"authorization": "Bearer " + "x" * 100_000}, "invalid bearer token"),
    ],
)
def test_malformed_headers_are_refused_with_401(headers: dict[str, str], message: str) -> None:
    assert refused(BOTH, headers) == message


def test_a_token_sent_as_utf8_bytes_matches() -> None:
    """A token with non-ASCII characters arrives as its UTF-8 bytes, decoded as Latin-1."""
    token = "jeton-é"
    wire = token.encode("utf-8").decode("latin-1")
    authenticate(
        Credentials(Source.GENERIC, token, None), {"authorization": f"Bearer {wire}"}, BODY, NOW
    )


def test_the_headers_are_checked_before_the_body_is_read() -> None:
    with pytest.raises(Rejected) as raised:
        check_headers(BOTH, {"authorization": "Bearer nope"}, NOW)
    assert (raised.value.status, raised.value.message) == (401, "invalid bearer token")
    check_body = check_headers(BOTH, lower(signed_headers(SECRET, BODY, now=NOW)), NOW)
    check_body(BODY)
    with pytest.raises(Rejected) as raised:
        check_body(b'{"alerts": [1]}')
    assert (raised.value.status, raised.value.message) == (401, INVALID)

"""The webhook signature scheme, for the sender and for receivers (``v1``).

Every webhook request carries:

- ``X-Warroom-Timestamp``: Unix time in whole seconds when the attempt was signed;
- ``X-Warroom-Signature``: ``v1=<hex>``, the lower-case hex HMAC-SHA256, keyed with the
  shared secret (UTF-8), of the bytes ``f"{timestamp}."`` followed by the raw request body.

A receiver verifies with :func:`verify_signature` on the *raw* body (before any JSON parsing):
it recomputes the HMAC, compares in constant time, and refuses a timestamp more than
``tolerance`` seconds (default 300) away from its clock, which bounds replays. The header may
hold several comma-separated ``v1=`` values (e.g. while a secret is rotated); one match is
enough. Receivers de-duplicate on ``Idempotency-Key`` (see :mod:`bot.paging.notify.webhook`).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

TIMESTAMP_HEADER = "X-Warroom-Timestamp"
SIGNATURE_HEADER = "X-Warroom-Signature"
VERSION = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "{timestamp}.{body}">``."""
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    )
    return f"{VERSION}={digest.hexdigest()}"


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The two signature headers for ``body``, signed at ``now`` (default: the current time)."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify_signature(
    secret: str,
    body: bytes,
    timestamp: str | None,
    signature_header: str | None,
    *,
    now: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when ``signature_header`` signs ``body`` at ``timestamp`` with ``secret``, recently."""
    if not timestamp or not signature_header or not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    candidates = [part.strip() for part in signature_header.split(",")]
    # Every candidate is compared, so the time taken does not tell which one was close.
    matches = [hmac.compare_digest(expected, c) for c in candidates if c.startswith(VERSION + "=")]
    return any(matches)


def verify_request(
    secret: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """:func:`verify_signature` reading the two headers from a case-insensitive mapping."""
    return verify_signature(
        secret,
        body,
        headers.get(TIMESTAMP_HEADER) or headers.get(TIMESTAMP_HEADER.lower()),
        headers.get(SIGNATURE_HEADER) or headers.get(SIGNATURE_HEADER.lower()),
        now=now,
        tolerance=tolerance,
    )

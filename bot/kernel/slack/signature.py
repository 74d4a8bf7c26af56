"""Slack's request signature, checked totally: any malformed header is simply "not signed".

``v0=HMAC-SHA256(secret, "v0:{X-Slack-Request-Timestamp}:{body}")`` in ``X-Slack-Signature``,
with the timestamp within five minutes of now (Slack's replay window). slack_sdk's verifier
raises on a float or non-ASCII timestamp and on a non-ASCII signature; here every such request
is refused the same way as a wrong signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

REPLAY_WINDOW_SECONDS = 300
_MAX_TIMESTAMP_DIGITS = 12
_SIGNATURE_LENGTH = len("v0=") + 64


def is_signed(secret: bytes, headers: Mapping[str, str], body: bytes, now: float) -> bool:
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    digits = timestamp.isascii() and timestamp.isdigit()
    if not digits or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return False
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        return False
    if not signature.isascii() or len(signature) != _SIGNATURE_LENGTH:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())

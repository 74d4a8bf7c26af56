"""Twilio's request signature (``X-Twilio-Signature``), checked on every webhook.

Twilio signs the full URL it posted to (scheme, host, path and query, as configured in the
account or sent as ``StatusCallback``/``action``) followed by every POST parameter's name and
value, sorted by name (then value); the signature is the base64 HMAC-SHA1 of that, keyed with
the account's auth token. warroom rebuilds the URL from ``PUBLIC_URL``, because behind a proxy
the request it sees is not the one Twilio addressed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence


def twilio_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    data = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def signature_matches(
    auth_token: str, url: str, params: Sequence[tuple[str, str]], given: str | None
) -> bool:
    """Whether ``given`` is Twilio's signature of the request (compared in constant time)."""
    if not given:
        return False
    expected = twilio_signature(auth_token, url, params)
    return hmac.compare_digest(expected.encode("ascii"), given.strip().encode("utf-8"))

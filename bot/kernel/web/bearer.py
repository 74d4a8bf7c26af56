"""``Authorization: Bearer <token>`` checked in constant time, as webhooks authenticate."""

from __future__ import annotations

import hmac


def bearer_matches(token: str, authorization: str) -> bool:
    """Whether ``authorization`` is ``Bearer <token>`` (scheme in any case); never logs."""
    scheme, _, presented = authorization.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        _raw(presented.strip()), token.encode("utf-8")
    )


def _raw(value: str) -> bytes:
    """The bytes a header value was sent as (Starlette decodes them as Latin-1)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:  # not from Starlette: compare its UTF-8 bytes
        return value.encode("utf-8", "surrogatepass")

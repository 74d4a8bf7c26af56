"""Keeping credentials out of logs and error messages.

Every caller of :class:`bot.kernel.http.HttpSender` lists the secrets it put in a request; the
sender redacts them from what it logs and raises, and callers redact response excerpts they quote.
"""

from __future__ import annotations

import re

BODY_EXCERPT_CHARS = 300
REDACTED = "[redacted]"


def redact(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` with every occurrence of each non-empty secret replaced, as typed or escaped.

    The escaped forms matter because httpx reports a bad header value as a ``bytes`` repr.
    """
    forms = {form for s in secrets if s for form in (s, repr(s)[1:-1], repr(s.encode())[2:-1])}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    return text


def excerpt(text: str, secrets: tuple[str, ...], limit: int = BODY_EXCERPT_CHARS) -> str:
    """A one-line, redacted, bounded excerpt of a response body (redacted before cutting)."""
    flat = re.sub(r"\s+", " ", redact(text, secrets)).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

"""The one error a notifier raises: :class:`DeliveryFailed`.

It says what happened (HTTP status, an excerpt of the body, the transport error, the number of
attempts) and whether trying again later can help (:attr:`DeliveryFailed.retryable`) or not
(:attr:`DeliveryFailed.permanent`: a 4xx other than 429, a missing secret, a bad URL). Its text
never contains a secret: the notifiers redact every secret they know from the body excerpt and
from transport error messages before building it.
"""

from __future__ import annotations

import re

BODY_EXCERPT_CHARS = 300
REDACTED = "[redacted]"


class DeliveryFailed(Exception):
    """A notification was not delivered (see the module docstring)."""

    def __init__(
        self,
        provider: str,
        action: str,
        reason: str,
        *,
        permanent: bool,
        status: int | None = None,
        body: str | None = None,
        attempts: int = 0,
    ) -> None:
        self.provider = provider
        self.action = action
        self.reason = reason
        self.permanent = permanent
        self.status = status
        self.body = body
        self.attempts = attempts
        super().__init__(self._describe())

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later (429, 5xx, network trouble)."""
        return not self.permanent

    def _describe(self) -> str:
        kind = "permanent" if self.permanent else "retryable"
        plural = "" if self.attempts == 1 else "s"
        text = (
            f"{self.provider} {self.action} failed ({kind}) after {self.attempts} attempt{plural}"
        )
        text += f": {self.reason}"
        if self.body:
            text += f"; response body: {self.body}"
        return text


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

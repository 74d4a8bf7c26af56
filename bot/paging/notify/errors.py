"""The one error a notifier raises: :class:`DeliveryFailed`.

It says what happened (HTTP status, an excerpt of the body, the transport error, the number of
attempts) and whether trying again later can help (:attr:`DeliveryFailed.retryable`) or not
(:attr:`DeliveryFailed.permanent`: a 4xx other than 429, a missing secret, a bad URL). Its text
never contains a secret: the notifiers redact every secret they know from the body excerpt and
from transport error messages before building it (:mod:`bot.kernel.http.redaction`).
"""

from __future__ import annotations


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

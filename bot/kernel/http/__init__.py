"""The one outbound HTTP sender: notifiers, playbook actions and every new integration use it.

- ``sender``     :class:`HttpSender` (the retry loop on one owned ``httpx.Client``),
  :class:`OutboundRequest`, :class:`Reply`, :class:`GaveUp`, :class:`Unsendable`.
- ``policy``     :class:`RetryPolicy`, :class:`Timeouts` and the waits servers ask for.
- ``redaction``  keeping credentials out of logs and errors.

Callers translate :class:`GaveUp` and :class:`Unsendable` into their own errors, worded for
their readers (a page's ``DeliveryFailed``, a playbook step's ``ActionError``).
"""

from bot.kernel.http.policy import (
    RetryPolicy,
    Timeouts,
    rate_limit_reset_seconds,
    retry_after_seconds,
)
from bot.kernel.http.redaction import REDACTED, excerpt, redact
from bot.kernel.http.sender import (
    Clock,
    GaveUp,
    HttpSender,
    OutboundRequest,
    Reply,
    Unsendable,
    new_client,
)

__all__ = [
    "REDACTED",
    "Clock",
    "GaveUp",
    "HttpSender",
    "OutboundRequest",
    "Reply",
    "RetryPolicy",
    "Timeouts",
    "Unsendable",
    "excerpt",
    "new_client",
    "rate_limit_reset_seconds",
    "redact",
    "retry_after_seconds",
]

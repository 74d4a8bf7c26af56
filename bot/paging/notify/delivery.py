"""The notifiers' sender: a 2xx, or :class:`DeliveryFailed` saying whether to try again.

:class:`Sender` runs a request through the kernel's :class:`bot.kernel.http.HttpSender`
(timeouts, retries of 429/5xx and network errors, full-jitter backoff, ``Retry-After``, the time
budget) and words the outcome for paging:

- 2xx: delivered, the :class:`Reply` is returned.
- Any other answer (400, 401, 403, 404, 422, a redirect...) and a request that cannot be sent
  at all (bad URL): ``DeliveryFailed`` with ``permanent=True`` at once; retrying cannot help.
- Retries exhausted, by attempts or by the time budget: ``DeliveryFailed`` with
  ``permanent=False``.

Retrying is safe because every request carries the page's idempotency key (PagerDuty
``dedup_key``, Opsgenie ``alias``, webhook ``Idempotency-Key``): a request that timed out after
the provider took it is merged by the provider, not doubled.

``X-Ratelimit-Reset`` is not honoured here: it is LaunchDarkly's (epoch milliseconds), and a
webhook receiver sending the common epoch-seconds form would be read as "retry now".
"""

from __future__ import annotations

from collections.abc import Callable

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, Reply, Unsendable, excerpt
from bot.paging.notify.errors import DeliveryFailed


class Sender:
    """Delivers requests for one provider action at a time (see the module docstring)."""

    def __init__(self, http: HttpSender) -> None:
        self.http = http

    def send(
        self,
        provider: str,
        action: str,
        build: Callable[[], OutboundRequest],
        *,
        secrets: tuple[str, ...],
    ) -> Reply:
        """Deliver ``build()`` (called for every attempt) or raise :class:`DeliveryFailed`."""
        try:
            reply = self.http.send(build, label=f"{provider} {action}", secrets=secrets)
        except Unsendable as failure:
            raise DeliveryFailed(
                provider,
                action,
                f"the request could not be sent ({failure.detail})",
                permanent=True,
                attempts=failure.attempts,
            ) from None
        except GaveUp as failure:
            spent = "gave up"
            if failure.budget is not None:
                spent = f"time budget of {failure.budget:g} s spent"
            last = failure.reply
            raise DeliveryFailed(
                provider,
                action,
                f"{spent}, last error: {failure.reason}",
                permanent=False,
                status=last.status if last else None,
                body=excerpt(last.text, secrets) if last else None,
                attempts=failure.attempts,
            ) from None
        if not reply.ok:
            raise DeliveryFailed(
                provider,
                action,
                f"HTTP {reply.status}, not retried",
                permanent=True,
                status=reply.status,
                body=excerpt(reply.text, secrets),
                attempts=reply.attempts,
            )
        return reply

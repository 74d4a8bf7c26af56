"""Sending one notification request with timeouts, retries and a time budget.

:class:`Sender` is shared by the notifiers. ``send`` builds a fresh request for every attempt
(the webhook signs each attempt with a new timestamp), then:

- 2xx: delivered, the response is returned.
- 429 and 5xx, connect errors, timeouts, a connection dropped by the server: retried. The wait
  before retry *n* is "full jitter", ``uniform(0, min(max_delay, base_delay * 2**(n-1)))``, so
  many replicas retrying the same outage do not march in step; a 429 or 503 with
  ``Retry-After`` (seconds or an HTTP date) waits that long instead, capped at
  ``max_retry_after``.
- Any other status (400, 401, 403, 404, 422, a redirect...) and a request that cannot be sent at
  all (bad URL): :class:`DeliveryFailed` with ``permanent=True`` at once; retrying cannot help.
- After ``max_attempts`` attempts, or when the next wait would overrun ``total_budget`` seconds
  from the first attempt: :class:`DeliveryFailed` with ``permanent=False``. Each attempt's
  timeouts are also clipped to what is left of the budget.

Retrying is safe because every request carries the page's idempotency key (PagerDuty
``dedup_key``, Opsgenie ``alias``, webhook ``Idempotency-Key``): a request that timed out after
the provider took it is merged by the provider, not doubled.

Retries are logged at WARNING without secrets: the caller passes every secret it put in the
request, and each logged or raised text is redacted.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from bot.paging.notify.errors import DeliveryFailed, excerpt, redact

log = logging.getLogger("bot.paging.notify")

Clock = Callable[[], float]

_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Timeouts:
    """Per-attempt httpx timeouts, in seconds."""

    connect: float = 3.0
    read: float = 10.0
    write: float = 10.0
    pool: float = 3.0

    def within(self, left: float) -> httpx.Timeout:
        """These timeouts, none longer than the ``left`` seconds of the time budget."""
        budget = max(left, 0.001)
        return httpx.Timeout(
            connect=min(self.connect, budget),
            read=min(self.read, budget),
            write=min(self.write, budget),
            pool=min(self.pool, budget),
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try (see the module docstring). The defaults keep a page under 30 s."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 15.0
    total_budget: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays cannot be negative")
        if self.total_budget <= 0:
            raise ValueError("total_budget must be positive")

    def backoff(self, retry: int, draw: float) -> float:
        """The full-jitter wait before retry number ``retry`` (1-based), ``draw`` in [0, 1)."""
        return draw * min(self.max_delay, self.base_delay * 2.0 ** (retry - 1))


@dataclass(frozen=True)
class OutboundRequest:
    """One attempt's request. ``content`` is the exact body (signatures are computed over it)."""

    method: str
    url: str
    headers: Mapping[str, str]
    content: bytes = b""


@dataclass(frozen=True)
class _Failure:
    reason: str
    status: int | None = None
    body: str | None = None
    retry_after: float | None = None


class Sender:
    """Runs requests through the retry loop on one shared, thread-safe ``httpx.Client``.

    ``sleep``, ``draw`` (uniform in [0, 1)) and ``clock`` (monotonic seconds) are injectable so
    tests run without waiting and without randomness.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        policy: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
        clock: Clock = time.monotonic,
    ) -> None:
        self.client = client
        self.policy = policy or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._sleep = sleep
        self._draw = draw
        self._clock = clock

    def send(
        self,
        provider: str,
        action: str,
        build: Callable[[], OutboundRequest],
        *,
        secrets: tuple[str, ...],
    ) -> httpx.Response:
        """Deliver ``build()`` or raise :class:`DeliveryFailed` (see the module docstring)."""
        policy = self.policy
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            left = policy.total_budget - (self._clock() - started)
            outcome = self._attempt(provider, action, build(), left, secrets, attempt)
            if isinstance(outcome, httpx.Response):
                if attempt > 1:
                    log.info("%s %s delivered on attempt %d", provider, action, attempt)
                return outcome
            if attempt >= policy.max_attempts:
                raise DeliveryFailed(
                    provider,
                    action,
                    f"gave up, last error: {outcome.reason}",
                    permanent=False,
                    status=outcome.status,
                    body=outcome.body,
                    attempts=attempt,
                )
            if outcome.retry_after is not None:
                delay = min(outcome.retry_after, policy.max_retry_after)
            else:
                delay = policy.backoff(attempt, self._draw())
            if self._clock() - started + delay > policy.total_budget:
                raise DeliveryFailed(
                    provider,
                    action,
                    f"time budget of {policy.total_budget:g} s spent, last error: {outcome.reason}",
                    permanent=False,
                    status=outcome.status,
                    body=outcome.body,
                    attempts=attempt,
                )
            log.warning(
                "%s %s attempt %d/%d failed (%s); retrying in %.2f s",
                provider,
                action,
                attempt,
                policy.max_attempts,
                outcome.reason,
                delay,
            )
            self._sleep(delay)

    def _attempt(
        self,
        provider: str,
        action: str,
        request: OutboundRequest,
        left: float,
        secrets: tuple[str, ...],
        attempt: int,
    ) -> httpx.Response | _Failure:
        timeout = self.timeouts.within(left)
        try:
            response = self.client.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.content,
                timeout=timeout,
            )
        except _RETRYABLE_ERRORS as exc:
            return _Failure(redact(f"{type(exc).__name__}: {exc}", secrets))
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # A protocol error quotes the offending header, which may hold the credential.
            detail = "" if isinstance(exc, httpx.LocalProtocolError) else f": {exc}"
            raise DeliveryFailed(
                provider,
                action,
                redact(f"the request could not be sent ({type(exc).__name__}{detail})", secrets),
                permanent=True,
                attempts=attempt,
            ) from None
        if response.is_success:
            return response
        body = excerpt(response.text, secrets)
        status = response.status_code
        if status == 429 or status >= 500:
            return _Failure(f"HTTP {status}", status, body, retry_after_seconds(response.headers))
        raise DeliveryFailed(
            provider,
            action,
            f"HTTP {status}, not retried",
            permanent=True,
            status=status,
            body=body,
            attempts=attempt,
        )


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds from now (delta-seconds or HTTP-date), ``None`` when absent."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)

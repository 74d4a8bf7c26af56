"""Sending one outbound HTTP request with timeouts, retries and a time budget.

:meth:`HttpSender.send` builds a fresh :class:`OutboundRequest` for every attempt (a signed
webhook signs each attempt with a new timestamp), then:

- 429 and 5xx, connect errors, timeouts, a connection dropped by the server: retried. The wait
  before retry *n* is full jitter (:mod:`bot.kernel.backoff`) unless the server asked for one
  (:mod:`bot.kernel.http.policy`).
- Any other answer (2xx, 3xx, a 4xx other than 429) ends it: the :class:`Reply` is returned and
  the caller decides what a 404 means; retrying it by itself cannot help.
- A request that cannot be sent at all (bad URL, bad header value): :class:`Unsendable` at once.
- After ``max_attempts`` attempts, or when the next wait would overrun ``total_budget`` seconds
  from the first attempt: :class:`GaveUp`, with the last 429/5xx reply when there was one. Each
  attempt's timeouts are also clipped to what is left of the budget.

Retrying is safe only for idempotent requests: callers send idempotency keys or set a state
rather than changing it by a step.

Every answer is logged at INFO and every retry at WARNING, on the caller's logger, under the
caller's label; the secrets the caller lists are redacted from what is logged and raised.
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Self

import httpx

from bot.kernel.http.policy import (
    RetryPolicy,
    Timeouts,
    rate_limit_reset_seconds,
    retry_after_seconds,
)
from bot.kernel.http.redaction import redact

Clock = Callable[[], float]
USER_AGENT = "warroom"

_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class OutboundRequest:
    """One attempt's request. ``content`` is the exact body (signatures are computed over it)."""

    method: str
    url: str
    headers: Mapping[str, str]
    content: bytes = b""


@dataclass(frozen=True)
class Reply:
    """The answer that ended a send; ``attempts`` counts the requests it took."""

    status: int
    headers: httpx.Headers
    text: str
    attempts: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, ``None`` when it is empty or not JSON."""
        try:
            return json.loads(self.text) if self.text.strip() else None
        except ValueError:
            return None


class GaveUp(Exception):
    """Every try failed with a retryable error; trying again later may succeed.

    ``reason`` is the last error ("HTTP 503", "ReadTimeout: ..."), redacted; ``reply`` the last
    429/5xx answer, ``None`` when the last try got no answer; ``budget`` the time budget in
    seconds when it stopped the retries, ``None`` when the attempts ran out.
    """

    def __init__(
        self, reason: str, attempts: int, reply: Reply | None, budget: float | None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.reply = reply
        self.budget = budget


class Unsendable(Exception):
    """The request could not be sent at all; ``detail`` ("InvalidURL: ...") is redacted."""

    def __init__(self, detail: str, attempts: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.attempts = attempts


@dataclass(frozen=True)
class _Failure:
    reason: str
    reply: Reply | None = None
    wait: float | None = None  # what the server asked for, in seconds


def new_client(verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """The client a sender owns: warroom's User-Agent, no redirects followed (a 3xx is an
    answer the caller words, never a silent hop to another host with the credential)."""
    return httpx.Client(headers={"User-Agent": USER_AGENT}, verify=verify, follow_redirects=False)


class HttpSender:
    """Runs requests through the retry loop on one thread-safe ``httpx.Client``.

    The sender owns the client it creates (``verify`` is its TLS trust) and closes it in
    :meth:`close`; a ``client`` passed in stays the caller's. ``log`` is the caller's logger, so
    operators keep filtering by feature. ``rate_limit_reset`` honours ``X-Ratelimit-Reset``.
    ``sleep``, ``draw`` (uniform in [0, 1)), ``clock`` (monotonic seconds) and ``wall_clock``
    (Unix seconds, for ``X-Ratelimit-Reset``) are injectable so tests neither wait nor guess.
    """

    def __init__(
        self,
        log: logging.Logger,
        *,
        policy: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        client: httpx.Client | None = None,
        verify: ssl.SSLContext | bool = True,
        rate_limit_reset: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        draw: Clock = random.random,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
    ) -> None:
        self._owns_client = client is None
        self.client = client or new_client(verify)
        self.policy = policy or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._log = log
        self._rate_limit_reset = rate_limit_reset
        self._sleep = sleep
        self._draw = draw
        self._clock = clock
        self._wall_clock = wall_clock

    def send(
        self, build: Callable[[], OutboundRequest], *, label: str, secrets: tuple[str, ...]
    ) -> Reply:
        """The answer that ends the send; :class:`GaveUp` or :class:`Unsendable` otherwise.

        ``label`` names the request in logs (e.g. "pagerduty trigger"); ``secrets`` are every
        credential the request carries.
        """
        policy = self.policy
        shown = redact(label, secrets)
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            left = policy.total_budget - (self._clock() - started)
            outcome = self._attempt(build(), left, shown, secrets, attempt)
            if isinstance(outcome, Reply):
                return outcome
            if attempt >= policy.max_attempts:
                raise GaveUp(outcome.reason, attempt, outcome.reply, None)
            if outcome.wait is not None:
                delay = min(outcome.wait, policy.max_retry_after)
            else:
                delay = policy.backoff(attempt, self._draw())
            if self._clock() - started + delay > policy.total_budget:
                raise GaveUp(outcome.reason, attempt, outcome.reply, policy.total_budget)
            self._log.warning(
                "%s: attempt %d/%d failed (%s); retrying in %.2f s",
                shown,
                attempt,
                policy.max_attempts,
                outcome.reason,
                delay,
            )
            self._sleep(delay)

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _attempt(
        self,
        request: OutboundRequest,
        left: float,
        shown: str,
        secrets: tuple[str, ...],
        attempt: int,
    ) -> Reply | _Failure:
        try:
            response = self.client.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                content=request.content,
                timeout=self.timeouts.within(left),
            )
        except _RETRYABLE_ERRORS as exc:
            return _Failure(redact(f"{type(exc).__name__}: {exc}".rstrip(": "), secrets))
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # A protocol error quotes the offending header, which may hold the credential.
            detail = "" if isinstance(exc, httpx.LocalProtocolError) else f": {exc}"
            raise Unsendable(redact(f"{type(exc).__name__}{detail}", secrets), attempt) from None
        reply = Reply(response.status_code, response.headers, response.text, attempt)
        self._log.info("%s -> HTTP %d", shown, reply.status)
        if reply.status == 429 or reply.status >= 500:
            return _Failure(f"HTTP {reply.status}", reply, self._server_wait(response.headers))
        return reply

    def _server_wait(self, headers: httpx.Headers) -> float | None:
        seconds = retry_after_seconds(headers)
        if seconds is None and self._rate_limit_reset:
            return rate_limit_reset_seconds(headers, self._wall_clock())
        return seconds

"""Sending an action's HTTP requests: explicit timeouts, retries with backoff, redaction.

:meth:`ActionHttp.send` runs one :class:`Call`:

- A 2xx, or any 4xx other than 429, ends it: the :class:`Reply` goes back to the action, which
  words a failure with the API's own message. Retrying a 400/401/403/404/409 by itself cannot
  help, so none is retried.
- 429, 5xx, connect errors, timeouts and dropped connections are retried, up to
  ``policy.max_attempts`` within ``policy.total_budget`` seconds, after the full-jitter backoff
  of :class:`bot.paging.notify.retry.RetryPolicy` or what the server asked: ``Retry-After``
  (seconds or a date) or LaunchDarkly's ``X-Ratelimit-Reset`` (epoch milliseconds), capped at
  ``policy.max_retry_after``. When the tries run out, the last 429/5xx reply is returned (so its
  message reaches the channel); a transport failure raises a retryable :class:`ActionError`.

Retrying a write is safe: every write warroom sends sets a state (flag off, N replicas) rather
than changing it by a step, and ``http.request`` carries an ``Idempotency-Key``.

Secrets: a call lists the secrets it carries; logged and raised text is redacted, and
:meth:`Call.shown` is the :class:`HttpCall` a dry run displays, each secret replaced by ``***``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.paging.notify.errors import excerpt, redact
from bot.paging.notify.retry import RetryPolicy, Timeouts, retry_after_seconds
from bot.playbooks.actions.base import ActionError, HttpCall

log = logging.getLogger("bot.playbooks.actions")

SHOWN_SECRET = "***"
RUN_KEY_PLACEHOLDER = "<run key>"  # stands for the idempotency key in planned calls
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Call:
    """One request. ``json`` is sent as a compact JSON body; ``content`` as raw bytes."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    json: Any = None
    content: bytes | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def body(self) -> bytes:
        if self.json is not None:
            return json.dumps(self.json, separators=(",", ":")).encode()
        return self.content or b""

    def shown(self) -> HttpCall:
        """The call as a dry run shows it: every secret in a header value becomes ``***``."""
        headers = {name: self.hide(value) for name, value in self.headers.items()}
        body: Any = self.json
        if body is None and self.content:
            body = self.hide(self.content.decode("utf-8", errors="replace"))
        return HttpCall(self.method, self.url, headers, body)

    def hide(self, text: str) -> str:
        for secret in sorted((s for s in self.secrets if s), key=len, reverse=True):
            text = text.replace(secret, SHOWN_SECRET)
        return text


@dataclass(frozen=True)
class Reply:
    """The final answer to a call (after retries)."""

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


@dataclass(frozen=True)
class _Failure:
    reason: str
    reply: Reply | None = None
    wait: float | None = None  # what the server asked for, in seconds


class ActionHttp:
    """Runs calls through the retry loop on one ``httpx.Client`` (see the module docstring).

    ``sleep``, ``draw`` (uniform in [0, 1)), ``clock`` (monotonic seconds) and ``wall_clock``
    (Unix seconds, for ``X-Ratelimit-Reset``) are injectable so tests neither wait nor guess.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        policy: RetryPolicy,
        timeouts: Timeouts,
        sleep: Callable[[float], None] = time.sleep,
        draw: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.policy = policy
        self.timeouts = timeouts
        self._sleep = sleep
        self._draw = draw
        self._clock = clock
        self._wall_clock = wall_clock

    def send(self, call: Call, *, provider: str, doing: str) -> Reply:
        """The final :class:`Reply`, or :class:`ActionError` when the server never answered.

        ``doing`` completes "... while <doing>" in messages, e.g. "turning off LaunchDarkly flag
        `checkout` (project default, environment production)".
        """
        policy = self.policy
        started = self._clock()
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(call, policy.total_budget - (self._clock() - started), attempt)
            if isinstance(outcome, Reply):
                return outcome
            delay = self._delay(outcome, attempt)
            out_of_time = self._clock() - started + delay > policy.total_budget
            if attempt >= policy.max_attempts or out_of_time:
                if outcome.reply is not None:
                    return outcome.reply
                raise _unanswered(call, provider, doing, outcome.reason, attempt)
            log.warning(
                "%s %s %s: attempt %d/%d failed (%s); retrying in %.2f s",
                provider,
                call.method,
                call.url,
                attempt,
                policy.max_attempts,
                outcome.reason,
                delay,
            )
            self._sleep(delay)

    def _delay(self, failure: _Failure, attempt: int) -> float:
        if failure.wait is not None:
            return min(failure.wait, self.policy.max_retry_after)
        return self.policy.backoff(attempt, self._draw())

    def _attempt(self, call: Call, left: float, attempt: int) -> Reply | _Failure:
        timeout = self.timeouts.within(left)
        try:
            response = self.client.request(
                call.method,
                call.url,
                headers=dict(call.headers),
                content=call.body(),
                timeout=timeout,
            )
        except _RETRYABLE_ERRORS as exc:
            return _Failure(redact(f"{type(exc).__name__}: {exc}".rstrip(": "), call.secrets))
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # A protocol error quotes the offending header, which may hold the credential.
            detail = "" if isinstance(exc, httpx.LocalProtocolError) else f": {exc}"
            text = redact(f"{type(exc).__name__}{detail}", call.secrets)
            raise ActionError(
                f"The request {call.method} {call.url} could not be sent ({text}). "
                "Check the URL and headers of the step.",
                retryable=False,
            ) from None
        reply = Reply(response.status_code, response.headers, response.text, attempt)
        log.info("%s %s -> HTTP %d", call.method, call.url, reply.status)
        if reply.status == 429 or reply.status >= 500:
            return _Failure(f"HTTP {reply.status}", reply, self._server_wait(response.headers))
        return reply

    def _server_wait(self, headers: httpx.Headers) -> float | None:
        seconds = retry_after_seconds(headers)
        if seconds is not None:
            return seconds
        return rate_limit_reset_seconds(headers, self._wall_clock())


def rate_limit_reset_seconds(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds until LaunchDarkly's ``X-Ratelimit-Reset`` (epoch ms), ``None`` when absent."""
    value = headers.get("x-ratelimit-reset")
    try:
        reset = float(value) / 1000.0 if value is not None else math.nan
    except ValueError:
        return None
    return max(reset - now, 0.0) if math.isfinite(reset) else None


def _unanswered(call: Call, provider: str, doing: str, reason: str, attempts: int) -> ActionError:
    plural = "" if attempts == 1 else "s"
    host = httpx.URL(call.url).host
    text = (
        f"{provider} did not answer while {doing} ({reason}; {attempts} attempt{plural}). "
        f"Check that {host} is reachable from the bot, then run the step again."
    )
    if call.method != "GET":
        text += " The change may have been applied already; running the step again is safe."
    return ActionError(text, retryable=True)


def api_message(reply: Reply, secrets: tuple[str, ...] = ()) -> str:
    """The API's own explanation in an error reply: its ``message``, ``detail`` or ``error``,
    field errors as "field: text", or else a short excerpt of the body (redacted)."""
    text = _explanation(reply.json())
    return excerpt(text if text else reply.text, secrets) or "(empty body)"


def _explanation(document: Any) -> str:
    if isinstance(document, str):
        return document
    if isinstance(document, list):
        return "; ".join(filter(None, (_explanation(item) for item in document)))
    if not isinstance(document, dict):
        return ""
    for key in ("message", "detail", "error"):
        if isinstance(document.get(key), str) and document[key]:
            return str(document[key])
    parts = [f"{key}: {_explanation(value)}" for key, value in document.items()]
    return "; ".join(part for part in parts if not part.endswith(": "))

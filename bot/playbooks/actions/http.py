"""Sending an action's HTTP requests through the kernel's sender, worded for the channel.

:meth:`ActionHttp.send` runs one :class:`Call` through :class:`bot.kernel.http.HttpSender`
(timeouts, retries of 429/5xx and network errors within ``policy.max_attempts`` and
``policy.total_budget``, full-jitter backoff, ``Retry-After`` and LaunchDarkly's
``X-Ratelimit-Reset``):

- A 2xx, or any 4xx other than 429, ends it: the :class:`Reply` goes back to the action, which
  words a failure with the API's own message. Retrying a 400/401/403/404/409 by itself cannot
  help, so none is retried.
- When the tries run out, the last 429/5xx reply is returned (so its message reaches the
  channel); a transport failure raises a retryable :class:`ActionError`.

Retrying a write is safe: every write warroom sends sets a state (flag off, N replicas) rather
than changing it by a step, and ``http.request`` carries an ``Idempotency-Key``.

Secrets: a call lists the secrets it carries; logged and raised text is redacted, and
:meth:`Call.shown` is the :class:`HttpCall` a dry run displays, each secret replaced by ``***``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.kernel.http import GaveUp, HttpSender, OutboundRequest, Reply, Unsendable, excerpt
from bot.playbooks.actions.base import ActionError, HttpCall

__all__ = ["RUN_KEY_PLACEHOLDER", "SHOWN_SECRET", "ActionHttp", "Call", "Reply", "api_message"]

SHOWN_SECRET = "***"
RUN_KEY_PLACEHOLDER = "<run key>"  # stands for the idempotency key in planned calls


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


class ActionHttp:
    """Runs calls through one :class:`HttpSender` (see the module docstring)."""

    def __init__(self, sender: HttpSender) -> None:
        self.sender = sender

    def send(self, call: Call, *, provider: str, doing: str) -> Reply:
        """The final :class:`Reply`, or :class:`ActionError` when the server never answered.

        ``doing`` completes "... while <doing>" in messages, e.g. "turning off LaunchDarkly flag
        `checkout` (project default, environment production)".
        """
        request = OutboundRequest(call.method, call.url, call.headers, call.body())
        label = f"{provider} {call.method} {call.url}"
        try:
            return self.sender.send(lambda: request, label=label, secrets=call.secrets)
        except GaveUp as failure:
            if failure.reply is not None:
                return failure.reply
            raise _unanswered(call, provider, doing, failure.reason, failure.attempts) from None
        except Unsendable as failure:
            raise ActionError(
                f"The request {call.method} {call.url} could not be sent ({failure.detail}). "
                "Check the URL and headers of the step.",
                retryable=False,
            ) from None

    def close(self) -> None:
        self.sender.close()


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

"""Failure injection, latency and Slack's rate-limit tiers: for tests of the unhappy path.

- :meth:`FaultPlan.fail` makes the next ``times`` calls of a method fail: an HTTP 5xx
  (``status=500``), a rate limit (``error="ratelimited"``: HTTP 429, ``Retry-After`` header, body
  ``{"ok": false, "error": "ratelimited"}``) or any API error (``error="name_taken"``: HTTP 200).
  A failed call has no effect on the workspace, unless ``applied=True``: then the call is carried
  out first and only its answer is the failure. That is Slack timing out on its side: the message
  is posted, the channel created, yet the client gets a 5xx and a blind retry would do it twice.
  ``match`` narrows a fault to calls whose arguments contain those values.
- :meth:`FaultPlan.stall` carries out the next ``times`` calls of a method and holds their answers
  for ``seconds``: a client with a shorter timeout gives up although the write was applied.
- :meth:`FaultPlan.latency` delays every call of a method.
- :class:`RateLimiter` answers 429 + ``Retry-After`` once a method exceeds its tier (Tier 1: 1,
  Tier 2: 20, Tier 3: 50, Tier 4: 100 calls per minute; chat.postMessage: 1 per second per
  channel), as Slack does. It is off unless the server is started with
  ``enforce_rate_limits=True``.

``"response_url"`` can be used as a method name to fail or slow response_url posts.
"""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import Clock

_SERVER_ERRORS = {500: "internal_error", 502: "bad_gateway", 503: "service_unavailable"}


@dataclass(frozen=True)
class Injection:
    """What to do to one call: fail it with ``error`` (if any), after carrying it out when
    ``applied``; hold the answer ``hold_seconds`` (after the call is carried out)."""

    error: ApiError | None
    applied: bool = False
    hold_seconds: float = 0.0


@dataclass
class _Fault:
    remaining: int
    injection: Injection
    match: dict[str, str] = field(default_factory=dict)

    def matches(self, params: Mapping[str, Any]) -> bool:
        return all(str(params.get(k)) == v for k, v in self.match.items())


class FaultPlan:
    """Scripted failures and delays per method; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: defaultdict[str, list[_Fault]] = defaultdict(list)
        self._latency: dict[str, float] = {}

    def fail(
        self,
        method: str,
        times: int = 1,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int = 1,
        match: Mapping[str, str] | None = None,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail (see the module docstring)."""
        if status is None:
            status = 429 if error == "ratelimited" else 200
        if error is None:
            error = _SERVER_ERRORS.get(status, "internal_error") if status >= 500 else "fatal_error"
        headers = {"Retry-After": str(retry_after)} if status == 429 else {}
        failure = ApiError(error, status=status, headers=headers)
        self._add(method, times, Injection(failure, applied=applied), match)

    def stall(
        self,
        method: str,
        seconds: float,
        times: int = 1,
        *,
        match: Mapping[str, str] | None = None,
    ) -> None:
        """Carry out the next ``times`` calls of ``method`` but answer only ``seconds`` later."""
        self._add(method, times, Injection(None, applied=True, hold_seconds=seconds), match)

    def _add(
        self, method: str, times: int, injection: Injection, match: Mapping[str, str] | None
    ) -> None:
        fault = _Fault(times, injection, {k: str(v) for k, v in (match or {}).items()})
        with self._lock:
            self._faults[method].append(fault)

    def latency(self, method: str, seconds: float) -> None:
        """Delay every call of ``method`` by ``seconds`` (0 removes the delay)."""
        with self._lock:
            if seconds > 0:
                self._latency[method] = seconds
            else:
                self._latency.pop(method, None)

    def delay(self, method: str) -> float:
        with self._lock:
            return self._latency.get(method, 0.0)

    def take(self, method: str, params: Mapping[str, Any]) -> Injection | None:
        """The fault this call is in for, if one is scripted (and count it)."""
        with self._lock:
            for fault in self._faults.get(method, []):
                if fault.remaining > 0 and fault.matches(params):
                    fault.remaining -= 1
                    return fault.injection
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._latency.clear()


PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

METHOD_TIERS: dict[str, int] = {
    "auth.test": 4,
    "team.info": 3,
    "users.info": 4,
    "users.list": 2,
    "users.lookupByEmail": 3,
    "conversations.create": 2,
    "conversations.info": 3,
    "conversations.list": 2,
    "conversations.invite": 3,
    "conversations.join": 3,
    "conversations.members": 4,
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "conversations.open": 3,
    "conversations.archive": 2,
    "conversations.unarchive": 2,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "chat.getPermalink": 4,
    "pins.add": 2,
    "pins.remove": 2,
    "pins.list": 2,
    "reactions.add": 3,
    "reactions.remove": 2,
    "reactions.get": 3,
    "views.open": 4,
    "views.push": 4,
    "views.update": 4,
    "views.publish": 4,
    "usergroups.list": 2,
    "usergroups.create": 2,
    "usergroups.users.list": 2,
    "usergroups.users.update": 2,
}
"""Slack's documented tier of each supported method."""


class RateLimiter:
    """Sliding-window limits per method (chat.postMessage: per channel), Slack's tiers."""

    def __init__(self, clock: Clock, *, enabled: bool = False) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: defaultdict[str, deque[float]] = defaultdict(deque)
        self.enabled = enabled

    def check(self, method: str, params: Mapping[str, Any]) -> None:
        """Count this call; raise 429 ``ratelimited`` with ``Retry-After`` when over the limit."""
        if not self.enabled:
            return
        if method == "chat.postMessage":
            key, limit, window = f"{method}:{params.get('channel')}", 1, 1.0
        elif method in METHOD_TIERS:
            key, limit, window = method, PER_MINUTE[METHOD_TIERS[method]], 60.0
        else:
            return
        now = self._clock()
        with self._lock:
            seen = self._seen[key]
            while seen and seen[0] <= now - window:
                seen.popleft()
            if len(seen) >= limit:
                retry_after = max(1, math.ceil(seen[0] + window - now))
                raise ApiError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
            seen.append(now)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()

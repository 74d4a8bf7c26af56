"""Hostile requests for every endpoint warroom serves, shared by the fuzz tests and ``bench.fuzz``.

A generator takes a ``random.Random`` (the tests get theirs from Hypothesis, the benchmark seeds
its own) and a :class:`Target` (what the app under test knows: its signing secret, the fake
Slack that mints trigger ids and response_urls, the ids worth aiming at) and returns a
:class:`FuzzRequest`: method, path, headers, raw body, and the one right status when there is
one (401 for a bad signature or timestamp, 413 for a body too large). Otherwise the contract
is the house rule: never a 5xx, never a traceback in the log, an answer within Slack's 3 s.

Map:

- ``values``  hostile strings and numbers, and random mutations of a well-formed payload.
- ``slack``   ``/slack/events``: slash commands, interactions for every registered action and
              view callback id (:func:`registry_of` reads them off the Bolt app), events,
              unsigned junk, malformed timestamps, huge bodies.
- ``web``     the rest: alert webhooks, post-mortem review pages, calendar feeds, ``/metrics``,
              ``/readyz``, ``/healthz``, and paths nobody serves.

:func:`generators` names them all (``slack.command``, ``webhook``, ...).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warroom_sandbox.emulator import SlackEmulator


@dataclass(frozen=True)
class FuzzRequest:
    kind: str
    method: str
    path: str  # with its query string
    body: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    expect: int | None = None  # the one right status, when there is one

    @property
    def endpoint(self) -> str:
        """The path without its query and ids, for counting: ``/postmortems/{n}``."""
        path = self.path.split("?", 1)[0]
        parts = ["{n}" if p.isdigit() else p for p in path.split("/")]
        if len(parts) > 2 and parts[1] in ("postmortems", "oncall"):
            parts = [*parts[:2], "{x}"]
        return "/".join(parts)

    def describe(self, limit: int = 400) -> str:
        """The request as one line, its body cut at ``limit`` characters."""
        headers = {k.decode(): v.decode("utf-8", "replace") for k, v in self.headers}
        body = self.body[:limit].decode("utf-8", "replace")
        more = f" ... ({len(self.body)} bytes)" if len(self.body) > limit else ""
        path = self.path[:limit]
        return f"[{self.kind}] {self.method} {path} headers={headers} body={body!r}{more}"


@dataclass(frozen=True)
class Registry:
    """What the app listens for: command names, action ids, view callback ids, shortcut
    callback ids, event types."""

    commands: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    shortcuts: tuple[str, ...] = ()
    events: tuple[str, ...] = ()


# Bolt's builtin matchers are closures named after the builder that made them.
_MATCHER_KINDS = {
    "command": "commands",
    "action": "actions",
    "block_action": "actions",
    "view": "views",
    "view_submission": "views",
    "view_closed": "views",
    "shortcut": "shortcuts",
    "global_shortcut": "shortcuts",
    "message_shortcut": "shortcuts",
    "event": "events",
}
_CONSTRAINT_KEYS = ("action_id", "callback_id", "type")


def registry_of(bolt: Any) -> Registry:
    """Every id the Bolt app's listeners match, read off their matchers' closures."""
    found: dict[str, set[str]] = {kind: set() for kind in set(_MATCHER_KINDS.values())}
    for listener in getattr(bolt, "_listeners", ()):
        for matcher in getattr(listener, "matchers", ()):
            func = getattr(matcher, "func", None)
            kind = _MATCHER_KINDS.get(str(getattr(func, "__qualname__", "")).split(".")[0])
            if kind is None:
                continue
            for cell in getattr(func, "__closure__", None) or ():
                found[kind].update(_constraint_ids(cell.cell_contents))
    return Registry(**{kind: tuple(sorted(ids)) for kind, ids in found.items()})


def _constraint_ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [str(value[k]) for k in _CONSTRAINT_KEYS if isinstance(value.get(k), str)]
    return []


@dataclass
class Target:
    """The app under test, as the generators aim at it."""

    signing_secret: str
    slack: SlackEmulator
    registry: Registry
    clock: Callable[[], float] = time.time
    channels: list[str] = field(default_factory=list)  # incident channels (ids)
    messages: list[tuple[str, str]] = field(default_factory=list)  # (channel id, ts)
    numbers: list[int] = field(default_factory=list)  # incident numbers, page and run ids
    steps: list[str] = field(default_factory=list)  # playbook step ids
    alert_token: str | None = None  # bearer token of the Alertmanager and Grafana webhooks
    generic_secret: str | None = None  # HMAC secret of the generic webhook
    review_links: list[str] = field(default_factory=list)  # "/postmortems/<n>?expires=..&sig=.."
    feeds: list[str] = field(default_factory=list)  # "/oncall/<schedule>.ics?token=..."


Generator = Callable[[random.Random, Target], FuzzRequest]


def generators() -> dict[str, Generator]:
    """Every generator by name (imported here so ``values`` and the data types load alone)."""
    from warroom_sandbox.fuzz import slack, web

    return {**slack.GENERATORS, **web.GENERATORS}

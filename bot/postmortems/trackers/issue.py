"""An issue as every tracker client returns it."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Protocol

from bot.kernel.http import HttpSender

_log = logging.getLogger("bot.postmortems.trackers")


@dataclass(frozen=True)
class Issue:
    key: str  # owner/repo#12, ENG-12, OPS-12
    url: str
    closed: bool


class TrackerClient(Protocol):
    """One tracker's API; ``target`` is a repository, team or project key."""

    def find(self, target: str, marker: str) -> Issue | None: ...

    def create(self, target: str, title: str, body: str, marker: str) -> Issue: ...

    def closed(self, issue: str) -> bool: ...


def single_attempt(http: HttpSender) -> HttpSender:
    """The same client without the sender's own retries, for creates: a create whose answer was
    lost (a timeout, a 502 after the tracker took it) must not be sent again blindly; the durable
    timer's next firing looks for the item's marker first."""
    policy = replace(http.policy, max_attempts=1)
    return HttpSender(_log, policy=policy, timeouts=http.timeouts, client=http.client)

"""An issue as every tracker client returns it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


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

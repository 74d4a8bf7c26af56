"""The contract between playbook steps and the systems they change.

``plan`` reads and describes; ``run`` changes and reports; an ``Undo`` is itself an action call, so
rolling back is running one more plan. Errors are ``ActionError``: worded for the incident channel
(what failed, where, what to do), and marked retryable or not (a 400 from a pending approval is
not worth retrying; a timeout is).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class ActionError(Exception):
    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


@dataclass(frozen=True)
class HttpCall:
    """A request as a dry run shows it: secrets in headers are replaced by ``***``."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None


@dataclass(frozen=True)
class Plan:
    action: str
    params: Mapping[str, Any]  # rendered parameters the plan was made from
    target: str  # e.g. "LaunchDarkly flag `new-checkout` (project default, environment production)"
    before: str  # the state read now, e.g. "on", "3 replicas"
    after: str  # the state Run would leave, e.g. "off", "6 replicas"
    calls: tuple[HttpCall, ...]  # what Run would send
    changes_nothing: bool = False  # already in the wanted state: Run records that and sends nothing
    state: Mapping[str, Any] = field(default_factory=dict)  # what ``run`` needs from the reading


@dataclass(frozen=True)
class Undo:
    action: str  # e.g. "feature_flag.enable" (undo-only actions are not in the playbook catalogue)
    params: Mapping[str, Any]
    summary: str  # e.g. "re-enable LaunchDarkly flag new-checkout in production"


@dataclass(frozen=True)
class Outcome:
    summary: str  # e.g. "LaunchDarkly flag new-checkout in production: on -> off"
    before: str
    after: str
    undo: Undo | None  # None when nothing changed


class Action(Protocol):
    name: str

    def plan(self, params: Mapping[str, Any]) -> Plan: ...

    def run(self, plan: Plan, idempotency_key: str) -> Outcome: ...

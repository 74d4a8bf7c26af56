"""A playbook as the bot runs it: when it applies, and its ordered steps.

A step is either manual (a checkbox with instructions and links) or automated (``action`` names an
entry of ``catalogue.CATALOGUE``). Text fields and string parameters are kept *unrendered*: they are
Jinja2 templates filled in from the incident when the step is shown or run (``bot.playbooks``).
The model is built from a file by ``bot.playbooks.schema``, which guarantees the invariants
(unique step ids, known actions, parameters that fit the catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.incidents.domain.severity import Severity

_NOTHING: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    instructions: str = ""
    links: tuple[Link, ...] = ()
    action: str | None = None  # None: a manual checkbox step; else a CATALOGUE name
    params: Mapping[str, Any] = field(default_factory=dict)  # unrendered, as written

    @property
    def automated(self) -> bool:
        return self.action is not None


@dataclass(frozen=True)
class Playbook:
    """``services``, ``severities`` and ``labels`` say when it applies; empty means any."""

    name: str
    title: str
    description: str = ""
    services: tuple[str, ...] = ()
    severities: frozenset[Severity] = frozenset()
    labels: Mapping[str, str] = field(default_factory=dict)
    steps: tuple[Step, ...] = ()
    source: str = ""  # the file it was loaded from
    vars: Mapping[str, str] = field(default_factory=dict)  # template variables and their defaults

    def applies_to(
        self, service: str | None, severity: Severity, labels: Mapping[str, str] = _NOTHING
    ) -> bool:
        """Every condition given holds: the service is listed, the severity is listed, and each
        label is present on the alert with the same value. An incident without a service (or an
        alert) does not match a playbook that asks for one."""
        return (
            (not self.services or service in self.services)
            and (not self.severities or severity in self.severities)
            and all(labels.get(key) == value for key, value in self.labels.items())
        )

    def step(self, step_id: str) -> Step:
        """The step with this id; ``KeyError`` naming the playbook when there is none."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"playbook {self.name!r} has no step {step_id!r}")

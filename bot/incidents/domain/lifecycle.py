"""Incident lifecycle: investigating -> identified -> mitigated -> resolved.

See docs/architecture.md §2.

Resolve is allowed from any open state, mitigate may skip ``identified``, and a resolved incident
can be reopened. A refused transition says which moves are allowed from where the incident is.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not Status.RESOLVED


ALLOWED: dict[Status, frozenset[Status]] = {
    Status.INVESTIGATING: frozenset({Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}),
    Status.IDENTIFIED: frozenset({Status.MITIGATED, Status.RESOLVED}),
    Status.MITIGATED: frozenset({Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.INVESTIGATING}),
}

_ORDER = list(Status)


class TransitionRefused(ValueError):
    """A lifecycle move that is not allowed from the current state."""

    def __init__(self, current: Status, target: Status) -> None:
        allowed = sorted(ALLOWED[current], key=_ORDER.index)
        options = ", ".join(_verb(s) for s in allowed) or "nothing"
        if current is target:
            message = f"the incident is already {current}"
        else:
            message = f"cannot move from {current} to {target}"
        super().__init__(f"{message}; from {current} you can: {options}")
        self.current = current
        self.target = target


def check_transition(current: Status, target: Status) -> None:
    if target not in ALLOWED[current]:
        raise TransitionRefused(current, target)


def _verb(status: Status) -> str:
    return {
        Status.INVESTIGATING: "reopen (`/incident reopen`)",
        Status.IDENTIFIED: "mark identified (`/incident identified`)",
        Status.MITIGATED: "mitigate (`/incident mitigate`)",
        Status.RESOLVED: "resolve (`/incident resolve`)",
    }[status]

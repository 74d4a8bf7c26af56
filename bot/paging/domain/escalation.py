"""Escalation policies as plain values, their JSON snapshot, and the plan they make for a page.

PagerDuty's semantics: levels are tried in order; each level's ``delay_minutes`` counts from when
that level was reached; after the last level's delay the policy starts over, ``repeat`` more times
(``repeat: 0`` = once through); a schedule target means whoever is on call when the level fires
(``paging.resolve_targets``); an acknowledgement stops everything; a low-urgency page notifies the
first level and never escalates.

A page keeps the policy it started with: ``EscalationPolicy.to_dict``/``from_dict`` give a JSON-able
snapshot, stored beside the page, so editing the YAML mid-incident never changes a page in flight.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.oncall.domain.instants import require_utc

SNAPSHOT_VERSION = 1


class TargetKind(StrEnum):
    USER = "user"
    SCHEDULE = "schedule"


class Urgency(StrEnum):
    HIGH = "high"
    LOW = "low"


@dataclass(frozen=True)
class Target:
    """A user reference (Slack id or email) or a schedule name."""

    kind: TargetKind
    ref: str

    @classmethod
    def user(cls, ref: str) -> Target:
        return cls(TargetKind.USER, ref)

    @classmethod
    def schedule(cls, name: str) -> Target:
        return cls(TargetKind.SCHEDULE, name)


@dataclass(frozen=True)
class EscalationLevel:
    targets: tuple[Target, ...]
    delay_minutes: int
    # ``invite: on_page``: the people this level pages are invited to the incident channel when
    # paged; otherwise (``on_acknowledge``, the default) whoever acknowledges is.
    invite_on_page: bool = False

    def __post_init__(self) -> None:
        if not self.targets:
            raise ValueError("an escalation level needs at least one target")
        if self.delay_minutes < 0:
            raise ValueError(f"delay_minutes must not be negative, got {self.delay_minutes}")

    @property
    def delay(self) -> timedelta:
        return timedelta(minutes=self.delay_minutes)


@dataclass(frozen=True)
class EscalationPolicy:
    name: str
    levels: tuple[EscalationLevel, ...]
    repeat: int = 0

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError(f"escalation policy {self.name!r} has no levels")
        if self.repeat < 0:
            raise ValueError(f"repeat must not be negative, got {self.repeat}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot (the same shape as a policy in ``escalation_policies.yaml``)."""
        return {
            "snapshot_version": SNAPSHOT_VERSION,
            "name": self.name,
            "repeat": self.repeat,
            "levels": [
                {
                    "delay_minutes": level.delay_minutes,
                    "targets": [{str(t.kind): t.ref} for t in level.targets],
                    **({"invite": "on_page"} if level.invite_on_page else {}),
                }
                for level in self.levels
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EscalationPolicy:
        """Read a snapshot back; ``ValueError`` when it is not one ``to_dict`` could have made."""
        version = data.get("snapshot_version", SNAPSHOT_VERSION)
        if version != SNAPSHOT_VERSION:
            raise ValueError(f"unsupported policy snapshot version {version!r}")
        try:
            levels = tuple(
                EscalationLevel(
                    targets=tuple(_target(t) for t in level["targets"]),
                    delay_minutes=_integer(level["delay_minutes"], "delay_minutes"),
                    invite_on_page=level.get("invite") == "on_page",
                )
                for level in data["levels"]
            )
            return cls(
                name=str(data["name"]),
                levels=levels,
                repeat=_integer(data.get("repeat", 0), "repeat"),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an escalation policy snapshot: {exc!r}") from exc


@dataclass(frozen=True)
class EscalationStep:
    """Level ``level`` of pass ``loop`` (both 0-based) notifies ``targets`` at ``fire_at``."""

    loop: int
    level: int
    fire_at: datetime
    targets: tuple[Target, ...]

    def key(self, page_ref: int | str) -> str:
        return round_key(page_ref, self.level, self.loop)


def round_key(page_ref: int | str, level: int, loop: int) -> str:
    """The idempotency key of one notification round of a page (``PagingState.page_ref``):
    ``incident:42:page:3:escalation:2:loop:0``."""
    return f"incident:{page_ref}:escalation:{level}:loop:{loop}"


def escalation_plan(
    policy: EscalationPolicy, started_at: datetime, urgency: Urgency = Urgency.HIGH
) -> tuple[EscalationStep, ...]:
    """Every step the policy would take if nobody acknowledged, with its ideal ``fire_at``.

    Level ``i`` of loop ``L`` fires after every earlier level's delay has run out, so its time is
    ``started_at`` plus the sum of those delays. A low-urgency page has only the first step.
    """
    at = require_utc(started_at, "started_at")
    steps: list[EscalationStep] = []
    for loop in range(policy.repeat + 1):
        for index, level in enumerate(policy.levels):
            steps.append(EscalationStep(loop, index, at, level.targets))
            if urgency is Urgency.LOW:
                return tuple(steps)
            at += level.delay
    return tuple(steps)


def _target(data: Mapping[str, Any]) -> Target:
    if len(data) != 1:
        raise ValueError(f"a target is {{user: ref}} or {{schedule: name}}, got {dict(data)!r}")
    ((kind, ref),) = data.items()
    return Target(TargetKind(kind), str(ref))


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value

"""What a page in flight should do now: a decision as a value, never a side effect.

The shell stores a ``PagingState`` (the policy snapshot, when paging started, whether someone
acknowledged, which steps already fired) and calls ``decide`` whenever its durable timer wakes:

- ``Notify``: resolve the step's targets (``resolve_targets``) and notify them under ``key``, record
  the step as fired (``FiredStep``) in the same transaction, then call ``decide`` again;
- ``Wait``: set the timer for ``until``;
- ``Stop``: acknowledged, or nothing is left to notify.

The next level is due its delay after the previous level *actually* fired (PagerDuty: the delay
counts from when the level was reached), so a replica that woke late does not fire the following
levels in a burst. Fired on time, this is exactly ``escalation_plan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.oncall.domain.instants import require_utc
from bot.oncall.domain.schedule import Override, Schedule, on_call_at
from bot.paging.domain.escalation import (
    EscalationPolicy,
    EscalationStep,
    Target,
    TargetKind,
    Urgency,
    escalation_plan,
)


@dataclass(frozen=True)
class FiredStep:
    loop: int
    level: int
    fired_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "fired_at", require_utc(self.fired_at, "fired_at"))


@dataclass(frozen=True)
class PagingState:
    """``page_ref`` names the page in its rounds' keys: ``42:page:3`` (incident 42's third page)."""

    page_ref: int | str
    policy: EscalationPolicy
    started_at: datetime
    urgency: Urgency = Urgency.HIGH
    acknowledged_at: datetime | None = None
    fired: tuple[FiredStep, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "started_at", require_utc(self.started_at, "started_at"))
        if self.acknowledged_at is not None:
            object.__setattr__(
                self, "acknowledged_at", require_utc(self.acknowledged_at, "acknowledged_at")
            )


class PageStatus(StrEnum):
    ACTIVE = "active"  # escalating
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"  # its incident was resolved first
    EXHAUSTED = "exhausted"  # every level was notified and nobody acknowledged


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class StopReason(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class Notify:
    """Notify ``step.targets`` now; ``key`` makes a retry a no-op."""

    step: EscalationStep
    key: str


@dataclass(frozen=True)
class Wait:
    """Nothing to do before ``until``, when ``next_step`` is due."""

    until: datetime
    next_step: EscalationStep


@dataclass(frozen=True)
class Stop:
    reason: StopReason


Decision = Notify | Wait | Stop

# Resolving a target needs only who is on call now, not when their shift ends.
_NO_LOOKAHEAD = timedelta(0)


def decide(state: PagingState, now: datetime) -> Decision:
    """The one thing to do at ``now`` (see the module doc for the loop around it).

    A low-urgency page notifies its first level and then waits for a person: it escalates only
    when someone presses "Escalate now" (``escalate_now``), and never by itself after that.

    ``ValueError`` when ``state.fired`` does not follow the policy's order: that is a bug in the
    caller, and guessing could page someone twice or never.
    """
    now = require_utc(now, "now")
    if state.acknowledged_at is not None:
        return Stop(StopReason.ACKNOWLEDGED)
    plan = _checked_plan(state)
    if len(state.fired) == len(plan) or (state.urgency is Urgency.LOW and state.fired):
        return Stop(StopReason.EXHAUSTED)
    planned = plan[len(state.fired)]
    if state.fired:
        last = state.fired[-1]
        due = last.fired_at + state.policy.levels[last.level].delay
    else:
        due = state.started_at
    step = EscalationStep(planned.loop, planned.level, due, planned.targets)
    if now < due:
        return Wait(due, step)
    return Notify(step, step.key(state.page_ref))


def escalate_now(state: PagingState, now: datetime) -> Notify | Stop:
    """Someone pressed "Escalate now": the next step of the policy at once, whatever the
    urgency and however long the current level still had; ``Stop`` when every level of every
    repeat was notified already (nothing further exists) or someone acknowledged."""
    now = require_utc(now, "now")
    if state.acknowledged_at is not None:
        return Stop(StopReason.ACKNOWLEDGED)
    plan = _checked_plan(state)
    if len(state.fired) == len(plan):
        return Stop(StopReason.EXHAUSTED)
    planned = plan[len(state.fired)]
    step = EscalationStep(planned.loop, planned.level, now, planned.targets)
    return Notify(step, step.key(state.page_ref))


def _checked_plan(state: PagingState) -> tuple[EscalationStep, ...]:
    """The whole policy, as high urgency would walk it (a low-urgency page walks it only by
    hand); ``state.fired`` must be a prefix of it."""
    plan = escalation_plan(state.policy, state.started_at)
    if len(state.fired) > len(plan) or any(
        (f.loop, f.level) != (p.loop, p.level) for f, p in zip(state.fired, plan, strict=False)
    ):
        raise ValueError(f"fired steps {state.fired!r} do not follow policy {state.policy.name!r}")
    return plan


@dataclass(frozen=True)
class Resolution:
    """The people a step reaches; ``nobody_on_call`` and ``unknown_schedules`` are shown loudly."""

    users: tuple[str, ...]
    nobody_on_call: tuple[str, ...] = ()
    unknown_schedules: tuple[str, ...] = ()
    on_call: tuple[tuple[str, str], ...] = ()


def resolve_targets(
    targets: Sequence[Target],
    at: datetime,
    schedules: Mapping[str, Schedule],
    overrides: Mapping[str, Sequence[Override]] | None = None,
) -> Resolution:
    """Users to notify at ``at``: direct users, plus whoever each schedule has on call then.

    Users come once each, in target order. ``on_call`` pairs each schedule with the user it gave. A
    schedule missing from ``schedules`` (removed from the config since the page started) is
    reported, not raised: the page must go on to the other targets.
    """
    at = require_utc(at, "at")
    users: list[str] = []
    on_call: dict[str, str] = {}
    nobody: list[str] = []
    unknown: list[str] = []
    for target in targets:
        if target.kind is TargetKind.USER:
            found: str | None = target.ref
        elif (schedule := schedules.get(target.ref)) is None:
            unknown.append(target.ref)
            continue
        else:
            found = on_call_at(
                schedule, at, (overrides or {}).get(target.ref, ()), horizon=_NO_LOOKAHEAD
            ).user
            if found is None:
                nobody.append(target.ref)
                continue
            on_call[target.ref] = found
        if found is not None and found not in users:
            users.append(found)
    return Resolution(tuple(users), tuple(nobody), tuple(unknown), tuple(on_call.items()))

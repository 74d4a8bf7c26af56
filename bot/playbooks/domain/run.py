"""A playbook run as people live it: the state of each step and the rules for changing it.

Pure decisions over values: each function takes a step's current ``StepState`` (and ``now``) and
returns the next one, or raises ``StepRefused`` worded for the person who pressed the button.
Storage applies a decision only if the row is still the version the decision was made from, so two
people (or Slack retrying a click) racing on one step get one change and one refusal.

Step lifecycle::

    pending ──Done / Skip──> done / skipped
       │  └──Run (confirmed)──> running ──> succeeded ──(undo)──> undo: running ──> undone
       │                           │                                   └─> failed ──> running ...
       └─ failed <─────────────────┘   (Run again, or Skip)

A failed run stays retryable; a refusal (already running, already done, an outdated
confirmation) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.incidents.domain.events import (
    AlertFiring,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    StepOutcome,
    UndoOutcome,
)
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent


class StepStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    SKIPPED = "skipped"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED = frozenset({StepStatus.DONE, StepStatus.SKIPPED, StepStatus.SUCCEEDED})


class UndoStatus(StrEnum):
    NONE = "none"  # nothing offered yet (or nothing to undo)
    OFFERED = "offered"  # listed in an undo offer, waiting for someone to run it
    RUNNING = "running"
    UNDONE = "undone"
    FAILED = "failed"


class StepRefused(ValueError):
    """The button's action cannot apply to the step as it is now; the message says why."""


@dataclass(frozen=True)
class RunStep:
    """A step as rendered when the run started: later edits of the file do not change it."""

    id: str
    title: str
    instructions: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (title, url)
    action: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def automated(self) -> bool:
        return self.action is not None


@dataclass(frozen=True)
class StepState:
    """Where one step of a run is; ``actor``/``at`` say who last moved it and when."""

    status: StepStatus = StepStatus.PENDING
    actor: str | None = None
    at: datetime | None = None
    reason: str = ""  # why it was skipped
    target: str = ""  # what an automated step acts on, as its last plan said
    summary: str = ""  # what a successful run did
    before: str = ""
    after: str = ""
    error: str = ""
    retryable: bool = True
    attempts: int = 0  # confirmed runs so far
    undo: Mapping[str, Any] | None = None  # how to undo a successful run: action, params, summary
    undo_status: UndoStatus = UndoStatus.NONE
    undo_actor: str | None = None
    undo_at: datetime | None = None
    undo_error: str = ""
    undo_attempts: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def undo_summary(self) -> str:
        return str((self.undo or {}).get("summary") or "")

    @property
    def undoable(self) -> bool:
        """A change that can still be undone (or whose undo failed and may be tried again)."""
        return (
            self.status is StepStatus.SUCCEEDED
            and self.undo is not None
            and self.undo_status in (UndoStatus.NONE, UndoStatus.OFFERED, UndoStatus.FAILED)
        )


def clock_time(at: datetime | None) -> str:
    return at.strftime("%H:%M UTC") if at else "a moment ago"


def _by(actor: str | None, at: datetime | None) -> str:
    who = "warroom" if actor in (None, BOT_ACTOR) else f"<@{actor}>"
    return f"by {who} at {clock_time(at)}"


def _refuse_unless_open(state: StepState) -> None:
    if state.status is StepStatus.RUNNING:
        raise StepRefused(f"This step is already running (started {_by(state.actor, state.at)}).")
    if state.finished:
        verb = {StepStatus.SUCCEEDED: "run"}.get(state.status, state.status.value)
        raise StepRefused(f"This step was already {verb} {_by(state.actor, state.at)}.")


def mark_done(step: RunStep, state: StepState, actor: str, now: datetime) -> StepState:
    """A manual step ticked off. Automated steps are run (or skipped), not ticked."""
    _refuse_unless_open(state)
    if step.automated:
        raise StepRefused("This step is automated: press Run (or Skip it with a reason).")
    return replace(state, status=StepStatus.DONE, actor=actor, at=now, reason="", error="")


def skip(state: StepState, actor: str, now: datetime, reason: str) -> StepState:
    """Any open step may be skipped, with a reason for the record (and the post-mortem)."""
    _refuse_unless_open(state)
    reason = " ".join(reason.split())
    if not reason:
        raise StepRefused("Say why the step is skipped: the reason goes on the timeline.")
    return replace(state, status=StepStatus.SKIPPED, actor=actor, at=now, reason=reason)


def check_runnable(step: RunStep, state: StepState) -> None:
    """Refuse before reading the provider: a manual step, or one running or finished."""
    if not step.automated:
        raise StepRefused("This step is manual: press Done when it is done.")
    _refuse_unless_open(state)


def start_run(
    step: RunStep, state: StepState, actor: str, now: datetime, confirmed_attempt: int
) -> StepState:
    """A confirmation of Run: the step becomes running as attempt ``attempts + 1``.

    ``confirmed_attempt`` is the attempt count the confirmation was shown for; a confirmation
    replayed after that attempt ran (or failed) is refused, so one click runs once.
    """
    check_runnable(step, state)
    if confirmed_attempt != state.attempts:
        raise StepRefused(
            f"This confirmation is out of date: the step ran since ({state.status.value} "
            f"{_by(state.actor, state.at)}). Press Run again to see its current state."
        )
    return replace(
        state,
        status=StepStatus.RUNNING,
        actor=actor,
        at=now,
        error="",
        attempts=state.attempts + 1,
    )


class StaleResult(Exception):
    """A result for an attempt that is no longer the running one: it is dropped."""


def _check_running(state: StepState, attempt: int) -> None:
    if state.status is not StepStatus.RUNNING or state.attempts != attempt:
        raise StaleResult(f"attempt {attempt} is not running (state {state.status})")


def run_succeeded(
    state: StepState,
    attempt: int,
    now: datetime,
    *,
    summary: str,
    before: str,
    after: str,
    undo: Mapping[str, Any] | None,
) -> StepState:
    _check_running(state, attempt)
    return replace(
        state,
        status=StepStatus.SUCCEEDED,
        at=now,
        summary=summary,
        before=before,
        after=after,
        error="",
        undo=dict(undo) if undo else None,
        undo_status=UndoStatus.NONE,
    )


def run_failed(
    state: StepState, attempt: int, now: datetime, *, error: str, retryable: bool
) -> StepState:
    _check_running(state, attempt)
    return replace(state, status=StepStatus.FAILED, at=now, error=error, retryable=retryable)


def offer_undo(state: StepState) -> StepState | None:
    """The incident is mitigated or resolved: a change not offered for undo yet is offered now."""
    if state.undoable and state.undo_status is UndoStatus.NONE:
        return replace(state, undo_status=UndoStatus.OFFERED)
    return None


def check_undoable(state: StepState) -> None:
    if state.undo_status is UndoStatus.RUNNING:
        raise StepRefused(
            f"The undo is already running (started {_by(state.undo_actor, state.undo_at)})."
        )
    if state.undo_status is UndoStatus.UNDONE:
        raise StepRefused(f"This was already undone {_by(state.undo_actor, state.undo_at)}.")
    if not state.undoable:
        raise StepRefused("This step changed nothing that can be undone.")


def start_undo(state: StepState, actor: str, now: datetime, confirmed_attempt: int) -> StepState:
    """Like ``start_run``, for the step's undo."""
    check_undoable(state)
    if confirmed_attempt != state.undo_attempts:
        raise StepRefused(
            "This confirmation is out of date: the undo ran since. Press Run undo again."
        )
    return replace(
        state,
        undo_status=UndoStatus.RUNNING,
        undo_actor=actor,
        undo_at=now,
        undo_error="",
        undo_attempts=state.undo_attempts + 1,
    )


def undo_finished(state: StepState, attempt: int, now: datetime, error: str = "") -> StepState:
    """The undo ran: undone, or failed with ``error`` (and may be run again)."""
    if state.undo_status is not UndoStatus.RUNNING or state.undo_attempts != attempt:
        raise StaleResult(f"undo attempt {attempt} is not running")
    status = UndoStatus.FAILED if error else UndoStatus.UNDONE
    return replace(state, undo_status=status, undo_at=now, undo_error=error)


def all_finished(states: Iterable[StepState]) -> bool:
    return all(state.finished for state in states)


# --- timeline events (shapes: docs/timeline-events.md) -------------------------------------


def started_event(
    run_id: int, playbook: str, title: str, steps: int, actor: str, now: datetime
) -> TimelineEvent:
    started = PlaybookStarted(run_id, playbook, title, steps)
    return TimelineEvent(now, actor, started, dedup_key=f"playbook:{run_id}:started")


def step_event(run_id: int, playbook: str, step: RunStep, state: StepState) -> TimelineEvent:
    """The ``playbook_step`` event for a step that just became done, skipped, succeeded or failed.

    The post-mortem reads results and undo specs from these events alone.
    """
    if state.status not in (*FINISHED, StepStatus.FAILED) or state.at is None:
        raise ValueError(f"a step that is {state.status} has no outcome to record")
    automated = step.automated
    skipped = state.status is StepStatus.SKIPPED
    succeeded = state.status is StepStatus.SUCCEEDED
    failed = state.status is StepStatus.FAILED
    outcome = PlaybookStep(
        run=run_id,
        playbook=playbook,
        step=step.id,
        title=step.title,
        outcome=StepOutcome(state.status.value),
        action=step.action if automated else None,
        target=state.target if automated else None,
        attempt=state.attempts if automated else None,
        reason=state.reason if skipped else None,
        summary=state.summary if succeeded else None,
        before=state.before if succeeded else None,
        after=state.after if succeeded else None,
        undo_summary=state.undo_summary if succeeded and state.undo is not None else None,
        error=state.error if failed else None,
        retryable=state.retryable if failed else None,
    )
    key = f"playbook:{run_id}:{step.id}:{state.status.value}:{state.attempts}"
    return TimelineEvent(state.at, state.actor or BOT_ACTOR, outcome, dedup_key=key)


def undo_event(run_id: int, step: RunStep, state: StepState) -> TimelineEvent:
    """The ``playbook_undone`` event for an undo that just finished (undone or failed)."""
    if state.undo_status not in (UndoStatus.UNDONE, UndoStatus.FAILED) or state.undo_at is None:
        raise ValueError(f"an undo that is {state.undo_status} has no outcome to record")
    failed = state.undo_status is UndoStatus.FAILED
    undone = PlaybookUndone(
        run=run_id,
        step=step.id,
        title=step.title,
        summary=state.undo_summary,
        outcome=UndoOutcome.FAILED if failed else UndoOutcome.SUCCEEDED,
        error=state.undo_error if failed else None,
    )
    key = f"playbook:{run_id}:{step.id}:undo:{undone.outcome.value}:{state.undo_attempts}"
    return TimelineEvent(state.undo_at, state.undo_actor or BOT_ACTOR, undone, dedup_key=key)


def alert_labels(events: Iterable[TimelineEvent]) -> Mapping[str, str]:
    """The labels of the alert that opened the incident (its first firing alert), or none."""
    for event in events:
        if isinstance(event.payload, AlertFiring):
            return dict(event.payload.labels)
    return {}


# --- progress, as the pinned card shows it (derived from the timeline alone) ---------------


@dataclass(frozen=True)
class RunProgress:
    playbook: str
    finished: int
    total: int


def progress(events: Iterable[TimelineEvent]) -> list[RunProgress]:
    """Each run started on this timeline, in start order, with how many steps are finished.

    A step counts as finished when its latest ``playbook_step`` outcome is done, skipped or
    succeeded (a failure after a success cannot happen; a retry after a failure can).
    """
    started: dict[int, tuple[str, int]] = {}
    latest: dict[int, dict[str, StepOutcome]] = {}
    for event in events:
        match event.payload:
            case PlaybookStarted(run=run, playbook=playbook, steps=steps):
                started[run] = (playbook, steps)
            case PlaybookStep(run=run, step=step, outcome=outcome):
                latest.setdefault(run, {})[step] = outcome
    finished_outcomes = {StepOutcome(status.value) for status in FINISHED}
    return [
        RunProgress(
            name,
            sum(1 for outcome in latest.get(run, {}).values() if outcome in finished_outcomes),
            total,
        )
        for run, (name, total) in started.items()
    ]

"""Payloads of playbook events: a run started, a step's outcome, an undo's outcome."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar, Self

from bot.incidents.domain.events.fields import Fields
from bot.incidents.domain.events.kinds import JSON, EventKind


class StepOutcome(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class UndoOutcome(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class PlaybookStarted:
    kind: ClassVar[EventKind] = EventKind.PLAYBOOK_STARTED
    run: int
    playbook: str  # its name
    title: str
    steps: int  # how many

    def to_json(self) -> JSON:
        return {
            "run": self.run,
            "playbook": self.playbook,
            "title": self.title,
            "steps": self.steps,
        }

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(f.number("run"), f.text("playbook"), f.text("title"), f.number("steps"))


@dataclass(frozen=True, kw_only=True)
class PlaybookStep:
    """A step became done, skipped, succeeded or failed. Automated steps add ``action``,
    ``target`` and ``attempt``; a skip adds ``reason``; a success ``summary``, ``before``,
    ``after`` and, when it can be undone, ``undo_summary``; a failure ``error`` and
    ``retryable``. What a step did not record is ``None`` (and not stored)."""

    kind: ClassVar[EventKind] = EventKind.PLAYBOOK_STEP
    run: int
    playbook: str
    step: str  # the step's id
    title: str
    outcome: StepOutcome
    action: str | None = None
    target: str | None = None
    attempt: int | None = None
    reason: str | None = None
    summary: str | None = None
    before: str | None = None
    after: str | None = None
    undo_summary: str | None = None  # stored as {"undo": {"summary": ...}}
    error: str | None = None
    retryable: bool | None = None

    def to_json(self) -> JSON:
        data: JSON = {
            "run": self.run,
            "playbook": self.playbook,
            "step": self.step,
            "title": self.title,
            "outcome": self.outcome.value,
        }
        undo = None if self.undo_summary is None else {"summary": self.undo_summary}
        optional = {
            "action": self.action,
            "target": self.target,
            "attempt": self.attempt,
            "reason": self.reason,
            "summary": self.summary,
            "before": self.before,
            "after": self.after,
            "undo": undo,
            "error": self.error,
            "retryable": self.retryable,
        }
        data.update((key, value) for key, value in optional.items() if value is not None)
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        undo = f.nested("undo") if "undo" in f else None
        return cls(
            run=f.number("run"),
            playbook=f.text("playbook"),
            step=f.text("step"),
            title=f.text("title"),
            outcome=f.choice("outcome", StepOutcome),
            action=f.optional_text("action"),
            target=f.optional_text("target"),
            attempt=f.optional_number("attempt"),
            reason=f.optional_text("reason"),
            summary=f.optional_text("summary"),
            before=f.optional_text("before"),
            after=f.optional_text("after"),
            undo_summary=undo.text_or("summary", "") if undo is not None else None,
            error=f.optional_text("error"),
            retryable=f.optional_flag("retryable"),
        )


@dataclass(frozen=True, kw_only=True)
class PlaybookUndone:
    kind: ClassVar[EventKind] = EventKind.PLAYBOOK_UNDONE
    run: int
    step: str
    title: str
    summary: str
    outcome: UndoOutcome
    error: str | None = None  # stored only for a failure

    def to_json(self) -> JSON:
        data: JSON = {
            "run": self.run,
            "step": self.step,
            "title": self.title,
            "summary": self.summary,
            "outcome": self.outcome.value,
        }
        if self.error is not None:
            data["error"] = self.error
        return data

    @classmethod
    def from_json(cls, f: Fields) -> Self:
        return cls(
            run=f.number("run"),
            step=f.text("step"),
            title=f.text("title"),
            summary=f.text("summary"),
            outcome=f.choice("outcome", UndoOutcome),
            error=f.optional_text("error"),
        )

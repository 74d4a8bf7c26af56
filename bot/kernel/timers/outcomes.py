"""What handlers return and what the runner reports: decisions and observations as values.

A handler decides; the runner applies the decision under the lease check. A handler that raises
is retried with backoff (see ``runner``), so "try again later" needs no outcome of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.kernel.timers.store import ClaimedTimer


@dataclass(frozen=True)
class Done:
    """The timer has fired for good."""


@dataclass(frozen=True)
class Reschedule:
    """Fire the same key again at ``due_at`` (e.g. the next status reminder).

    ``payload=None`` keeps the current payload.
    """

    due_at: datetime
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class Completed:
    """The handler marked the timer done itself, with ``store.complete`` in the transaction that
    recorded its last effect: one write instead of two (on SQLite, one turn at its write lock).
    ``stored`` is what ``store.complete`` returned (False: the lease was no longer this claim's,
    and the runner reports the firing superseded)."""

    stored: bool


Outcome = Done | Reschedule | Completed
Handler = Callable[[ClaimedTimer], Outcome]

# done / rescheduled: the outcome was stored. retry: the handler raised and will run again.
# failed: gave up (``on_failure`` was called). superseded: the lease was lost, or the key was
# re-scheduled or cancelled meanwhile, so this firing's result was discarded (or, if detected
# before the handler ran, the handler was not run). error: storing the result failed; the
# lease will expire and the timer fire again.
OutcomeName = Literal["done", "rescheduled", "retry", "failed", "superseded", "error"]


@dataclass(frozen=True)
class TimerFailure:
    """A timer the runner gave up on, handed to ``on_failure``."""

    timer: ClaimedTimer
    error: str


@dataclass(frozen=True)
class Observation:
    """One firing, for metrics: ``lateness_seconds`` is handler start minus ``due_at``."""

    kind: str
    key: str
    attempts: int
    lateness_seconds: float
    outcome: OutcomeName

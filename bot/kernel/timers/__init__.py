"""Durable timers, fired exactly once among replicas (docs/architecture.md §4).

* ``store``: statements over the caller's ``Session``: ``schedule``/``cancel``/``cancel_prefix``/
  ``get``, the claim protocol (``claim_due``, ``holds``, ``extend_lease``, ``complete``,
  ``reschedule``, ``retry_later``, ``fail``, ``next_due_at``) and the side-effect outbox
  (``record_effect_once``).
* ``outcomes``: what a handler returns (``Done``, ``Reschedule``, ``Completed``) and what the
  runner reports (``TimerFailure``, ``Observation``).
* ``backoff``: exponential retry delays with full jitter.
* ``runner``: ``TimerRunner``, the per-replica APScheduler loop that claims and fires due timers.

Importing this package starts nothing; the composition root builds and starts the runner.
"""

from bot.kernel.timers.backoff import Backoff
from bot.kernel.timers.outcomes import Done, Handler, Observation, Outcome, Reschedule, TimerFailure
from bot.kernel.timers.runner import TimerRunner, default_owner
from bot.kernel.timers.store import ClaimedTimer, TimerState

__all__ = [
    "Backoff",
    "ClaimedTimer",
    "Done",
    "Handler",
    "Observation",
    "Outcome",
    "Reschedule",
    "TimerFailure",
    "TimerRunner",
    "TimerState",
    "default_owner",
]

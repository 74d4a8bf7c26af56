"""What one capability plugs into the running bot (docs/architecture.md §3, "Adding a feature").

Every feature package has a ``feature.py`` whose ``build`` returns a :class:`Feature`; the
composition root builds the kernel, then each feature, and plugs every one the same way
(``bot.kernel.runtime.Kernel.plug``). Nothing here knows any feature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from slack_bolt import App
from starlette.routing import BaseRoute

from bot.kernel.timers.outcomes import Handler, TimerFailure
from bot.kernel.web.metrics import DatabaseMetrics


class TimerFamily(Protocol):
    """Handlers for some timer kinds, and the reporter told when one of them fails for good."""

    def handlers(self) -> Mapping[str, Handler]: ...

    def on_failure(self, failure: TimerFailure) -> None: ...


@dataclass(frozen=True)
class Feature:
    """A capability's contribution; every part is optional.

    - ``timers``: its durable timer handlers, by kind (a kind claimed twice is refused at start).
    - ``listeners``: registers its Bolt listeners on the app.
    - ``slash_commands``: the slash commands it owns, each with a test of its text that says
      whether it changes something (and so is recorded before its answer).
    - ``read_only_actions``: its buttons that only open or update a modal (not recorded).
    - ``routes``: its web routes.
    - ``seed``: run once when plugged in (plan recurring timers: handoffs, retention).
    - ``start``: run when the web server starts serving (in each worker process), after the
      timer runner: start background work that only a serving process needs.
    - ``close``: run at shutdown, after the listeners have stopped (release HTTP clients).
    - ``metrics``: readers of metric families from the database, run with the ``/metrics``
      gauges (in the background, on a read-only engine, served from the last good read).
    """

    name: str
    timers: Sequence[TimerFamily] = ()
    listeners: Callable[[App], None] | None = None
    slash_commands: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)
    read_only_actions: frozenset[str] = frozenset()
    routes: Sequence[BaseRoute] = ()
    seed: Sequence[Callable[[], None]] = ()
    start: Sequence[Callable[[], None]] = ()
    close: Sequence[Callable[[], None]] = ()
    metrics: Sequence[DatabaseMetrics] = ()


def slash_commands(features: Sequence[Feature]) -> dict[str, Callable[[str], bool]]:
    """Every feature's slash commands; two features owning one command is a wiring bug (Bolt
    would run only the first listener), refused at start."""
    owners: dict[str, str] = {}
    merged: dict[str, Callable[[str], bool]] = {}
    for feature in features:
        for command, changes_state in feature.slash_commands.items():
            if command in owners:
                raise ValueError(f"{command} is claimed by {owners[command]} and {feature.name}")
            owners[command], merged[command] = feature.name, changes_state
    return merged

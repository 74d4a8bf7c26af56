"""Playbook runs from ``playbook_started`` / ``playbook_step`` / ``playbook_undone`` events:
every step with its result, and every roll-back (docs/timeline-events.md)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import (
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    UndoOutcome,
)
from bot.incidents.domain.timeline import TimelineEvent
from bot.postmortems.domain.people import Namer
from bot.postmortems.domain.values import Moment, PlaybookRun, Step, Undo


def playbook_runs(
    timeline: Sequence[TimelineEvent], tz: ZoneInfo, name: Namer
) -> tuple[list[PlaybookRun], list[Undo]]:
    """Runs in start order, each with its steps (an undone step carries its ``Undo``), and the
    roll-backs in time order."""
    rollbacks = [
        ((e.payload.run, e.payload.step), _undo(e, e.payload, tz, name))
        for e in timeline
        if isinstance(e.payload, PlaybookUndone)
    ]
    undos = dict(rollbacks)  # the last attempt per step wins
    runs: dict[int, PlaybookRun] = {}
    for event in timeline:
        match event.payload:
            case PlaybookStarted(run=run, playbook=playbook, title=title):
                runs[run] = PlaybookRun(
                    str(run),
                    playbook,
                    title or playbook,
                    Moment.of(event.at, tz),
                    name(event.actor),
                    [],
                )
            case PlaybookStep(run=run, playbook=playbook, step=step_id) as step:
                holder = runs.setdefault(
                    run, PlaybookRun(str(run), playbook, playbook, None, "", [])
                )
                holder.steps.append(_step(event, step, undos.get((run, step_id)), tz, name))
    return list(runs.values()), [undo for _, undo in rollbacks]


def _step(
    event: TimelineEvent, step: PlaybookStep, undone: Undo | None, tz: ZoneInfo, name: Namer
) -> Step:
    return Step(
        at=Moment.of(event.at, tz),
        by=name(event.actor),
        title=step.title or step.step,
        outcome=step.outcome.value,
        action=step.action or "",
        summary=step.summary or "",
        reason=step.reason or "",
        error=step.error or "",
        undo=step.undo_summary or "",
        undone=undone,
    )


def _undo(event: TimelineEvent, undone: PlaybookUndone, tz: ZoneInfo, name: Namer) -> Undo:
    return Undo(
        at=Moment.of(event.at, tz),
        by=name(event.actor),
        title=undone.title or undone.step,
        summary=undone.summary,
        succeeded=undone.outcome is UndoOutcome.SUCCEEDED,
        error=undone.error or "",
    )

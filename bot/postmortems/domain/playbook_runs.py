"""Playbook runs from ``playbook_started`` / ``playbook_step`` / ``playbook_undone`` events:
every step with its result, and every roll-back (docs/timeline-events.md)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.incidents.domain.timeline import EventKind, TimelineEvent
from bot.postmortems.domain.people import Namer
from bot.postmortems.domain.values import Moment, PlaybookRun, Step, Undo


def playbook_runs(
    timeline: Sequence[TimelineEvent], tz: ZoneInfo, name: Namer
) -> tuple[list[PlaybookRun], list[Undo]]:
    """Runs in start order, each with its steps (an undone step carries its ``Undo``), and the
    roll-backs in time order."""
    rollbacks = [
        (_key(e.data), _undo(e, tz, name)) for e in timeline if e.kind is EventKind.PLAYBOOK_UNDONE
    ]
    undos = dict(rollbacks)  # the last attempt per step wins
    runs: dict[str, PlaybookRun] = {}
    for event in timeline:
        d = event.data
        run = str(d.get("run"))
        if event.kind is EventKind.PLAYBOOK_STARTED:
            runs[run] = PlaybookRun(
                run,
                _s(d, "playbook"),
                _s(d, "title") or _s(d, "playbook"),
                Moment.of(event.at, tz),
                name(event.actor),
                [],
            )
        elif event.kind is EventKind.PLAYBOOK_STEP:
            holder = runs.setdefault(
                run, PlaybookRun(run, _s(d, "playbook"), _s(d, "playbook"), None, "", [])
            )
            holder.steps.append(_step(event, undos.get(_key(d)), tz, name))
    return list(runs.values()), [undo for _, undo in rollbacks]


def _key(d: dict[str, object]) -> tuple[str, str]:
    return str(d.get("run")), str(d.get("step"))


def _step(event: TimelineEvent, undone: Undo | None, tz: ZoneInfo, name: Namer) -> Step:
    d = event.data
    undo = d.get("undo")
    return Step(
        at=Moment.of(event.at, tz),
        by=name(event.actor),
        title=_s(d, "title") or _s(d, "step"),
        outcome=_s(d, "outcome"),
        action=_s(d, "action"),
        summary=_s(d, "summary"),
        reason=_s(d, "reason"),
        error=_s(d, "error"),
        undo=str(undo.get("summary") or "") if isinstance(undo, dict) else "",
        undone=undone,
    )


def _undo(event: TimelineEvent, tz: ZoneInfo, name: Namer) -> Undo:
    d = event.data
    return Undo(
        at=Moment.of(event.at, tz),
        by=name(event.actor),
        title=_s(d, "title") or _s(d, "step"),
        summary=_s(d, "summary"),
        succeeded=d.get("outcome") == "succeeded",
        error=_s(d, "error"),
    )


def _s(d: dict[str, object], key: str) -> str:
    value = d.get(key)
    return "" if value is None else str(value)

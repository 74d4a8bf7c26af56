"""How a step of a playbook run changes, and how runs are read back for Slack.

Every change is decided by ``bot.playbooks.domain.run`` on the step as read, and written only if
the row is still that version; otherwise it is read again and decided again (which then refuses:
"already done by ..."). The same transaction appends the step's timeline events, finishes the run
when its last step finishes, and schedules the coalesced refreshes of the checklist message, the
undo offer and the pinned card, so a click is applied once and its effects are never lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from bot.incidents import repo as incident_repo
from bot.incidents import timers as incident_timers
from bot.incidents.domain.timeline import TimelineEvent
from bot.kernel.timers import store as timers
from bot.playbooks import repo
from bot.playbooks import timers as keys
from bot.playbooks.domain import run as rules
from bot.playbooks.domain.run import RunStep, StepRefused, StepState
from bot.playbooks.rows import PlaybookRunRow, PlaybookStepRow

CONFLICT_RETRIES = 5
T = TypeVar("T")


@dataclass(frozen=True)
class StepView:
    step: RunStep
    state: StepState


@dataclass(frozen=True)
class Checklist:
    """A run as its checklist message shows it."""

    run_id: int
    incident: int
    channel_id: str
    playbook: str
    title: str
    description: str
    message_ts: str | None
    started_by: str
    started_at: datetime
    steps: tuple[StepView, ...]

    @property
    def finished_count(self) -> int:
        return sum(1 for view in self.steps if view.state.finished)


@dataclass(frozen=True)
class Change:
    """What one step change wrote, for the follow-up writes of the same transaction."""

    session: Session
    run: PlaybookRunRow
    row: PlaybookStepRow
    step: RunStep
    after: StepState
    events: list[TimelineEvent]
    now: datetime


Decide = Callable[[RunStep, StepState, datetime], StepState]
Then = Callable[[Change], None]


class PlaybookSteps:
    """The one way a step changes (``change``), and the reads the checklist needs."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        wake: Callable[[], None],
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.wake = wake

    def checklist(self, run_id: int) -> Checklist | None:
        with self.sessions() as session:
            run = repo.run(session, run_id)
            if run is None:
                return None
            states = {row.step_id: repo.state_of(row) for row in repo.step_rows(session, run_id)}
            steps = tuple(
                StepView(step, states.get(step.id, StepState())) for step in repo.run_steps(run)
            )
            return Checklist(
                run.id,
                run.incident_id,
                run.channel_id,
                run.playbook,
                run.title,
                run.description,
                run.message_ts,
                run.started_by,
                run.started_at,
                steps,
            )

    def step(self, run_id: int, step_id: str) -> StepView:
        """The step as it is now (``StepRefused`` if the run is gone)."""
        with self.sessions() as session:
            _, row, step = locate(session, run_id, step_id)
            return StepView(step, repo.state_of(row))

    def checklist_posted(self, run_id: int, ts: str) -> None:
        with self.sessions.begin() as session:
            session.execute(
                update(PlaybookRunRow).where(PlaybookRunRow.id == run_id).values(message_ts=ts)
            )

    def change(
        self, run_id: int, step_id: str, decide: Decide, then: Then | None = None
    ) -> StepState:
        """Apply ``decide`` to the step as it is now; ``then`` adds writes to the same transaction.

        ``StepRefused`` (from either) changes nothing. Returns the new state.
        """
        after = self.retrying(lambda session: self._change(session, run_id, step_id, decide, then))
        self.wake()
        return after

    def retrying(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction, again from the start when a step it wrote was changed
        concurrently (a version conflict)."""
        for conflict in range(1, CONFLICT_RETRIES + 1):
            try:
                with self.sessions.begin() as session:
                    return work(session)
            except StaleDataError:
                if conflict == CONFLICT_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def _change(
        self, session: Session, run_id: int, step_id: str, decide: Decide, then: Then | None
    ) -> StepState:
        now = self.clock()
        run, row, step = locate(session, run_id, step_id)
        before = repo.state_of(row)
        after = decide(step, before, now)
        repo.write_state(row, after)
        events = _outcome_events(run, step, before, after)
        incident_repo.append(session, run.incident_id, events, now)
        if then is not None:
            then(Change(session, run, row, step, after, events, now))
        session.flush()  # the version check: a concurrent change raises StaleDataError here
        if after.finished and run.open_slot is not None:
            states = [repo.state_of(other) for other in repo.step_rows(session, run.id)]
            if rules.all_finished(states):
                run.open_slot, run.finished_at = None, now
        payload = {"run": run.id}
        timers.schedule(session, keys.checklist_key(run.id), keys.CHECKLIST, now, payload, now)
        if row.undo_offer_key and after.undo_status is not before.undo_status:
            refresh = keys.undo_offer_refresh_key(row.undo_offer_key)
            offer = {"offer": row.undo_offer_key}
            timers.schedule(session, refresh, keys.UNDO_OFFER_REFRESH, now, offer, now)
        if events:
            refresh_card(session, run.incident_id, now)
        return after


def _outcome_events(
    run: PlaybookRunRow, step: RunStep, before: StepState, after: StepState
) -> list[TimelineEvent]:
    events = []
    if after.status is not before.status and after.status is not rules.StepStatus.RUNNING:
        events.append(rules.step_event(run.id, run.playbook, step, after))
    undo_ended = (rules.UndoStatus.UNDONE, rules.UndoStatus.FAILED)
    if after.undo_status is not before.undo_status and after.undo_status in undo_ended:
        events.append(rules.undo_event(run.id, step, after))
    return events


def locate(
    session: Session, run_id: int, step_id: str
) -> tuple[PlaybookRunRow, PlaybookStepRow, RunStep]:
    run = repo.run(session, run_id)
    row = repo.step_row(session, run_id, step_id)
    if run is None or row is None:
        raise StepRefused("This checklist no longer exists.")
    step = next(s for s in repo.run_steps(run) if s.id == step_id)
    return run, row, step


def refresh_card(session: Session, incident: int, now: datetime) -> None:
    """The pinned card shows playbook progress: refresh it (coalesced with the incident's own)."""
    incident_timers.refresh_card(session, incident, now)

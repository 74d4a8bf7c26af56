"""Automated playbook steps: read, confirm, run once, record; and their undo.

``plan_run`` reads the current state (``ActionPort.plan``) and keeps the plan under a token; the
confirmation modal carries the token and the attempt it was shown for. ``confirm`` marks the step
running and schedules attempt ``n`` as a durable timer whose key is also the action's idempotency
key (``playbook:<run>:<step>:attempt:<n>``); a second, replayed or outdated confirmation is refused
and schedules nothing. ``execute`` (the timer) runs exactly the confirmed plan and records the
result: the step, a ``playbook_step`` event, a post in the channel. A provider failure leaves the
step failed and retryable (Run again). Undo works the same way, from the undo a successful run
recorded; undos are offered when the incident is mitigated or resolved (``on_transition``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.incidents.domain import events as payloads
from bot.incidents.domain.lifecycle import Status
from bot.kernel.timers import store as timers
from bot.playbooks import repo
from bot.playbooks import timers as keys
from bot.playbooks.actions.base import ActionError, Plan
from bot.playbooks.domain import run as rules
from bot.playbooks.domain.run import RunStep, StepRefused, StepState
from bot.playbooks.plans import (
    ActionPort,
    plan_from_json,
    plan_to_json,
    undo_from_json,
    undo_to_json,
)
from bot.playbooks.rows import PlaybookRunRow, PlaybookStepRow
from bot.playbooks.steps import Change, Decide, PlaybookSteps, StepView, locate

KEPT_PLANS = 5  # confirmation modals open at once on one step
Purpose = Literal["run", "undo"]


@dataclass(frozen=True)
class Planned:
    """A plan shown for confirmation: submit ``token`` with ``attempt`` to run it."""

    run_id: int
    step: RunStep
    purpose: Purpose
    token: str
    attempt: int
    plan: Plan


@dataclass(frozen=True)
class UndoItem:
    run_id: int
    playbook: str
    step: RunStep
    state: StepState


@dataclass(frozen=True)
class UndoOffer:
    key: str
    incident: int
    channel_id: str
    ts: str | None
    items: tuple[UndoItem, ...]


class PlaybookRuns:
    def __init__(self, steps: PlaybookSteps, actions: ActionPort) -> None:
        self._steps = steps
        self._actions = actions

    # --- before confirming ----------------------------------------------------------------

    @staticmethod
    def check(view: StepView, purpose: Purpose) -> None:
        """Refuse (``StepRefused``) before reading anything: the step cannot run (or be undone)."""
        if purpose == "run":
            rules.check_runnable(view.step, view.state)
        else:
            rules.check_undoable(view.state)

    def plan(self, run_id: int, step_id: str, purpose: Purpose) -> Planned:
        """Read the current state and say what Run (or Run undo) would do.

        ``StepRefused`` when it cannot run; ``ActionError`` when the state cannot be read.
        """
        view = self._steps.step(run_id, step_id)
        self.check(view, purpose)
        if purpose == "run":
            assert view.step.action is not None
            plan = self._actions.plan(view.step.action, view.step.params)
            attempt = view.state.attempts
        else:
            assert view.state.undo is not None
            plan = self._actions.undo_plan(undo_from_json(view.state.undo))
            attempt = view.state.undo_attempts
        token = self._keep_plan(run_id, step_id, purpose, plan)
        return Planned(run_id, view.step, purpose, token, attempt, plan)

    def dry_run(self, run_id: int, step_id: str) -> tuple[RunStep, Plan, str | None]:
        """What Run would send, read now, and what the provider says to a dry run of it where
        it has one (Kubernetes ``dryRun=All``). Nothing is stored, recorded or changed."""
        step = self._steps.step(run_id, step_id).step
        if step.action is None:
            raise StepRefused("This step is manual: there is nothing to dry-run.")
        plan = self._actions.plan(step.action, step.params)
        return step, plan, self._actions.dry_run_note(plan)

    def report_unreadable(
        self, run_id: int, step_id: str, user: str, purpose: Purpose, error: ActionError
    ) -> None:
        """Reading the current state failed, so nothing was confirmed or changed: the channel
        hears it (the step stays open), not only the person who pressed."""
        with self._steps.sessions.begin() as session:
            run, _, step = locate(session, run_id, step_id)
            now = self._steps.clock()
            title = f"undo of {step.title}" if purpose == "undo" else step.title
            data = {"title": title, "playbook": run.playbook, "error": error.message}
            payload = _result_payload(run, keys.UNREADABLE, user, data)
            key = keys.unreadable_key(run_id, step_id, uuid.uuid4().hex[:12])
            timers.schedule(session, key, keys.RESULT, now, payload, now)
        self._steps.wake()

    # --- confirming and running -----------------------------------------------------------

    def confirm(
        self, run_id: int, step_id: str, purpose: Purpose, token: str, attempt: int, user: str
    ) -> StepState:
        """The confirmation was submitted: mark the step (or its undo) running and schedule it.

        A second submission, a replayed one or one for an attempt that already ran is refused
        (``StepRefused`` saying who did what when) and schedules nothing.
        """

        def decide(step: RunStep, state: StepState, now: datetime) -> StepState:
            if purpose == "run":
                return rules.start_run(step, state, user, now, attempt)
            return rules.start_undo(state, user, now, attempt)

        def schedule(change: Change) -> None:
            entry = (change.row.plans or {}).get(token)
            if entry is None or entry.get("purpose") != purpose:
                raise StepRefused(
                    "This confirmation has expired (someone ran or re-read the step since). "
                    "Press the button again to see the current state."
                )
            change.row.plan, change.row.plans = entry["plan"], {}
            run, step = change.run.id, change.step.id
            if purpose == "run":
                change.row.target = str(entry["plan"].get("target") or "")
                n = change.after.attempts
                key, kind = keys.run_key(run, step, n), keys.RUN
            else:
                n = change.after.undo_attempts
                key, kind = keys.undo_key(run, step, n), keys.UNDO
            payload = {"run": run, "step": step, "attempt": n}
            timers.schedule(change.session, key, kind, change.now, payload, change.now)

        return self._steps.change(run_id, step_id, decide, schedule)

    def execute(self, run_id: int, step_id: str, purpose: Purpose, attempt: int, key: str) -> None:
        """Run the confirmed plan of ``attempt`` (a timer, keyed ``key``) and record the result.

        A provider failure (``ActionError``) is recorded as the step's (or undo's) failure, to be
        retried by pressing the button again; anything else raises, so the timer retries with the
        same idempotency key. A result for an attempt that is no longer running is dropped.
        """
        with self._steps.sessions() as session:
            _, row, _ = locate(session, run_id, step_id)
            state, stored = repo.state_of(row), row.plan
        if not _is_running(state, purpose, attempt) or stored is None:
            return
        try:
            outcome = self._actions.run(plan_from_json(stored), key)
        except ActionError as error:
            self._settle(run_id, step_id, _failed(purpose, attempt, error), key)
            return
        undo = undo_to_json(outcome.undo) if outcome.undo else None

        def succeeded(step: RunStep, state: StepState, now: datetime) -> StepState:
            if purpose == "undo":
                return rules.undo_finished(state, attempt, now)
            return rules.run_succeeded(
                state,
                attempt,
                now,
                summary=outcome.summary,
                before=outcome.before,
                after=outcome.after,
                undo=undo,
            )

        self._settle(run_id, step_id, succeeded, key)

    def gave_up(
        self, run_id: int, step_id: str, purpose: Purpose, attempt: int, key: str, error: str
    ) -> None:
        """The timer of ``attempt`` failed for good: the step shows it and can be run again."""
        failure = ActionError(f"warroom could not finish it: {error}", retryable=True)
        self._settle(run_id, step_id, _failed(purpose, attempt, failure), key)

    def _settle(self, run_id: int, step_id: str, decide: Decide, key: str) -> None:
        """Record a finished attempt and schedule its post in the channel; a stale one is
        dropped."""

        def post(change: Change) -> None:
            for event in change.events:
                kind, data = payloads.dump(event.payload)
                payload = _result_payload(change.run, kind, event.actor, data)
                now = change.now
                timers.schedule(
                    change.session, keys.result_key(key), keys.RESULT, now, payload, now
                )

        try:
            self._steps.change(run_id, step_id, decide, post)
        except rules.StaleResult:
            return

    def _keep_plan(self, run_id: int, step_id: str, purpose: Purpose, plan: Plan) -> str:
        """Store ``plan`` under a new token, next to the few most recent ones."""
        token = uuid.uuid4().hex

        def keep(session: Session) -> None:
            _, row, _ = locate(session, run_id, step_id)
            kept = list((row.plans or {}).items())[-(KEPT_PLANS - 1) :]
            row.plans = {**dict(kept), token: {"purpose": purpose, "plan": plan_to_json(plan)}}

        self._steps.retrying(keep)
        return token

    # --- undo offers ----------------------------------------------------------------------

    def on_transition(self, session: Session, incident: int, status: Status, now: datetime) -> None:
        """Mitigated or resolved: offer to undo every change not offered for undo yet.

        A hook of ``IncidentService``: runs inside the transaction that changed the status, so the
        offer commits with it.
        """
        if status not in (Status.MITIGATED, Status.RESOLVED):
            return
        offered: list[tuple[PlaybookStepRow, StepState]] = []
        for row in repo.succeeded_steps(session, incident):
            new_state = rules.offer_undo(repo.state_of(row))
            if new_state is not None:
                offered.append((row, new_state))
        if not offered:
            return
        offer_key = keys.undo_offer_key(incident, min(row.id for row, _ in offered))
        for row, new_state in offered:
            repo.write_state(row, new_state)
            row.undo_offer_key = offer_key
        payload = {"incident": incident, "offer": offer_key}
        timers.schedule(session, offer_key, keys.UNDO_OFFER, now, payload, now)

    def undo_offer(self, offer_key: str) -> UndoOffer | None:
        with self._steps.sessions() as session:
            rows = repo.offered_in(session, offer_key)
            if not rows:
                return None
            items, channel, incident = [], "", 0
            for row in rows:
                run, _, step = locate(session, row.run_id, row.step_id)
                items.append(UndoItem(run.id, run.playbook, step, repo.state_of(row)))
                channel, incident = run.channel_id, run.incident_id
            return UndoOffer(offer_key, incident, channel, rows[0].undo_offer_ts, tuple(items))

    def undo_offer_posted(self, offer_key: str, ts: str) -> None:
        # A plain UPDATE: where the offer lives is no part of a step's state, so it does not
        # bump the version a concurrent click was decided on.
        with self._steps.sessions.begin() as session:
            session.execute(
                update(PlaybookStepRow)
                .where(PlaybookStepRow.undo_offer_key == offer_key)
                .values(undo_offer_ts=ts)
            )


def _is_running(state: StepState, purpose: Purpose, attempt: int) -> bool:
    if purpose == "run":
        return state.status is rules.StepStatus.RUNNING and state.attempts == attempt
    return state.undo_status is rules.UndoStatus.RUNNING and state.undo_attempts == attempt


def _failed(purpose: Purpose, attempt: int, error: ActionError) -> Decide:
    def failed(step: RunStep, state: StepState, now: datetime) -> StepState:
        if purpose == "undo":
            return rules.undo_finished(state, attempt, now, error=error.message)
        return rules.run_failed(state, attempt, now, error=error.message, retryable=error.retryable)

    return failed


def _result_payload(
    run: PlaybookRunRow, kind: str, actor: str, data: Mapping[str, Any]
) -> dict[str, Any]:
    """What a RESULT timer posts: rendered from the recorded facts, not from the step's state
    when the post happens (another attempt may have started by then)."""
    return {"run": run.id, "channel": run.channel_id, "kind": kind, "actor": actor, "data": data}

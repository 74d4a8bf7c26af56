"""Playbook run repository: rows <-> the pure run and step values, and the queries the use cases
need. Nothing here commits; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.playbooks.domain.run import RunStep, StepState, StepStatus, UndoStatus
from bot.playbooks.rows import PlaybookRunRow, PlaybookStepRow


def step_to_json(step: RunStep) -> dict[str, Any]:
    return {
        "id": step.id,
        "title": step.title,
        "instructions": step.instructions,
        "links": [list(link) for link in step.links],
        "action": step.action,
        "params": dict(step.params),
    }


def step_from_json(data: Mapping[str, Any]) -> RunStep:
    return RunStep(
        id=str(data["id"]),
        title=str(data["title"]),
        instructions=str(data.get("instructions") or ""),
        links=tuple((str(title), str(url)) for title, url in data.get("links") or []),
        action=data.get("action"),
        params=dict(data.get("params") or {}),
    )


def run_steps(run: PlaybookRunRow) -> list[RunStep]:
    return [step_from_json(data) for data in run.steps]


def state_of(row: PlaybookStepRow) -> StepState:
    return StepState(
        status=StepStatus(row.status),
        actor=row.actor,
        at=row.at,
        reason=row.reason,
        target=row.target,
        summary=row.summary,
        before=row.before,
        after=row.after,
        error=row.error,
        retryable=row.retryable,
        attempts=row.attempts,
        undo=dict(row.undo) if row.undo is not None else None,
        undo_status=UndoStatus(row.undo_status),
        undo_actor=row.undo_actor,
        undo_at=row.undo_at,
        undo_error=row.undo_error,
        undo_attempts=row.undo_attempts,
    )


def write_state(row: PlaybookStepRow, state: StepState) -> None:
    row.status = state.status.value
    row.actor = state.actor
    row.at = state.at
    row.reason = state.reason
    row.target = state.target
    row.summary = state.summary
    row.before = state.before
    row.after = state.after
    row.error = state.error
    row.retryable = state.retryable
    row.attempts = state.attempts
    row.undo = dict(state.undo) if state.undo is not None else None
    row.undo_status = state.undo_status.value
    row.undo_actor = state.undo_actor
    row.undo_at = state.undo_at
    row.undo_error = state.undo_error
    row.undo_attempts = state.undo_attempts


def new_step_row(run_id: int, position: int, step: RunStep) -> PlaybookStepRow:
    row = PlaybookStepRow(run_id=run_id, position=position, step_id=step.id, plans={})
    write_state(row, StepState())
    return row


def run(session: Session, run_id: int) -> PlaybookRunRow | None:
    return session.get(PlaybookRunRow, run_id)


def open_run(session: Session, incident_id: int, playbook: str) -> PlaybookRunRow | None:
    """The unfinished run of ``playbook`` in this incident, if any."""
    return session.scalars(
        select(PlaybookRunRow).where(
            PlaybookRunRow.incident_id == incident_id, PlaybookRunRow.open_slot == playbook
        )
    ).first()


def step_rows(session: Session, run_id: int) -> list[PlaybookStepRow]:
    return list(
        session.scalars(
            select(PlaybookStepRow)
            .where(PlaybookStepRow.run_id == run_id)
            .order_by(PlaybookStepRow.position)
        )
    )


def step_row(session: Session, run_id: int, step_id: str) -> PlaybookStepRow | None:
    return session.scalars(
        select(PlaybookStepRow).where(
            PlaybookStepRow.run_id == run_id, PlaybookStepRow.step_id == step_id
        )
    ).first()


def succeeded_steps(session: Session, incident_id: int) -> list[PlaybookStepRow]:
    """Every succeeded step of the incident's runs, oldest run and step first."""
    return list(
        session.scalars(
            select(PlaybookStepRow)
            .join(PlaybookRunRow, PlaybookRunRow.id == PlaybookStepRow.run_id)
            .where(
                PlaybookRunRow.incident_id == incident_id,
                PlaybookStepRow.status == StepStatus.SUCCEEDED.value,
            )
            .order_by(PlaybookStepRow.run_id, PlaybookStepRow.position)
        )
    )


def offered_in(session: Session, offer_key: str) -> list[PlaybookStepRow]:
    return list(
        session.scalars(
            select(PlaybookStepRow)
            .where(PlaybookStepRow.undo_offer_key == offer_key)
            .order_by(PlaybookStepRow.run_id, PlaybookStepRow.position)
        )
    )

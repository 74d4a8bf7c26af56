"""Playbook use cases for people: list the ones that apply, start one, tick off or skip a step.

Starting renders every step for the incident and keeps that snapshot with the run, so later edits
of the file never change a checklist people are working through. One unfinished run per playbook
and incident (a second start is refused with a pointer to the first); several playbooks may run at
once. Automated steps are in ``playbook_runs``; the way any step changes, in ``playbook_steps``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.config import Config
from bot.incidents import repo as incident_repo
from bot.incidents.domain.incident import InvalidChange, require_open
from bot.incidents.service import IncidentService
from bot.kernel.timers import store as timers
from bot.playbooks import repo
from bot.playbooks import timers as keys
from bot.playbooks.domain import run as rules
from bot.playbooks.domain.model import Playbook, Step
from bot.playbooks.domain.run import RunStep, StepState
from bot.playbooks.library import PlaybookLibrary, PlaybookUnavailable, variables
from bot.playbooks.rows import PlaybookRunRow
from bot.playbooks.steps import PlaybookSteps, refresh_card
from bot.playbooks.templating import RenderError


class AlreadyRunning(InvalidChange):
    """The playbook has an unfinished run in this incident: one checklist per playbook at once."""


@dataclass(frozen=True)
class Applicable:
    incident: int
    service: str | None
    severity: str
    playbooks: tuple[Playbook, ...]


class PlaybookService:
    def __init__(
        self,
        steps: PlaybookSteps,
        incidents: IncidentService,
        library: Callable[[], PlaybookLibrary],
        config: Callable[[], Config],
    ) -> None:
        self._steps = steps
        self._incidents = incidents
        self._library = library
        self._config = config

    def applicable(self, channel_id: str) -> Applicable:
        """The playbooks for this incident: its service's own list (services.yaml), then those
        whose conditions match its service, severity and alert labels (``NotAnIncidentChannel``)."""
        view = self._incidents.view(channel_id)
        incident = view.incident
        service = self._config().service(incident.service) if incident.service else None
        found = self._library().applicable(
            incident.service,
            incident.severity,
            rules.alert_labels(view.timeline),
            service.playbooks if service else (),
        )
        return Applicable(incident.number, incident.service, incident.severity.value, tuple(found))

    def start(self, channel_id: str, user: str, name: str) -> int:
        """Start playbook ``name`` in this incident; returns the run id.

        Refuses (worded for Slack): not an incident channel, a closed incident, an unknown or
        invalid playbook (``PlaybookUnavailable``), one whose templates cannot be filled in for
        this incident, or one with an unfinished run here (``AlreadyRunning``).
        """
        view = self._incidents.view(channel_id)
        incident = view.incident
        require_open(incident, "start a playbook")
        library = self._library()
        playbook = library.get(name)
        context = variables(playbook, incident, channel_id, rules.alert_labels(view.timeline))
        try:
            steps = [_snapshot(library, playbook, step, context) for step in playbook.steps]
        except RenderError as error:
            raise PlaybookUnavailable(
                f"Playbook `{name}` cannot be filled in for this incident: {error}"
            ) from None
        sessions, now = self._steps.sessions, self._steps.clock()
        try:
            with sessions.begin() as session:
                _refuse_second_run(session, incident.number, playbook.name)
                run = _new_run(incident.number, playbook, steps, channel_id, user, now)
                session.add(run)
                session.flush()
                session.add_all(repo.new_step_row(run.id, i, step) for i, step in enumerate(steps))
                started = rules.started_event(
                    run.id, playbook.name, playbook.title, len(steps), user, now
                )
                incident_repo.append(session, incident.number, [started], now)
                payload = {"run": run.id}
                timers.schedule(session, keys.post_key(run.id), keys.POST, now, payload, now)
                refresh_card(session, incident.number, now)
                run_id = run.id
        except IntegrityError:  # a concurrent start of the same playbook took the open slot
            with sessions() as session:
                _refuse_second_run(session, incident.number, playbook.name)
            raise
        self._steps.wake()
        return run_id

    def mark_done(self, run_id: int, step_id: str, user: str) -> StepState:
        return self._steps.change(
            run_id, step_id, lambda step, state, now: rules.mark_done(step, state, user, now)
        )

    def skip(self, run_id: int, step_id: str, user: str, reason: str) -> StepState:
        return self._steps.change(
            run_id, step_id, lambda step, state, now: rules.skip(state, user, now, reason)
        )


def _refuse_second_run(session: Session, incident: int, playbook: str) -> None:
    running = repo.open_run(session, incident, playbook)
    if running is not None:
        raise AlreadyRunning(
            f"Playbook `{playbook}` is already running here (started by <@{running.started_by}> "
            f"at {rules.clock_time(running.started_at)}): carry on with its checklist above. It "
            "can be started again once each of its steps is done or skipped."
        )


def _new_run(
    incident: int,
    playbook: Playbook,
    steps: list[RunStep],
    channel_id: str,
    user: str,
    now: datetime,
) -> PlaybookRunRow:
    return PlaybookRunRow(
        incident_id=incident,
        playbook=playbook.name,
        title=playbook.title,
        description=playbook.description,
        source=playbook.source,
        steps=[repo.step_to_json(step) for step in steps],
        open_slot=playbook.name if steps else None,
        channel_id=channel_id,
        started_by=user,
        started_at=now,
        finished_at=None if steps else now,
    )


def _snapshot(
    library: PlaybookLibrary, playbook: Playbook, step: Step, context: Mapping[str, Any]
) -> RunStep:
    rendered = library.render(playbook, step, context)
    return RunStep(
        id=step.id,
        title=step.title,
        instructions=rendered.instructions,
        links=tuple((link.title, link.url) for link in rendered.links),
        action=step.action,
        params=rendered.params,
    )

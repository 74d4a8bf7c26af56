"""A fully populated sample incident: every list has an entry and every optional value is set,
so rendering it under ``StrictUndefined`` exercises every branch a template is likely to have.
``Templates.load`` uses it for the trial render that finds misspelt attribute names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import (
    Acknowledged,
    AlertFiring,
    AlertResolved,
    Declared,
    NobodyOnCall,
    Notified,
    Paged,
    Payload,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    RoleAssigned,
    SeverityChanged,
    StatusChanged,
    StepOutcome,
    UndoOutcome,
    UpdatePosted,
)
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.postmortems.domain.inputs import ActionItemRecord, PostmortemInputs, build_inputs

_T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return _T0 + timedelta(minutes=minutes)


@cache
def sample_inputs() -> PostmortemInputs:
    incident = Incident(
        number=1,
        title="Sample incident",
        severity=Severity.SEV2,
        status=Status.RESOLVED,
        declarer="U1",
        lead="U2",
        declared_at=_at(2),
        service="checkout",
        description="Sample description",
        detected_at=_at(0),
        acknowledged_at=_at(4),
        mitigated_at=_at(20),
        resolved_at=_at(30),
        last_update_at=_at(10),
        roles={"comms": "U3"},
    )

    def alert(change: type[AlertFiring | AlertResolved], ends_at: datetime | None) -> Payload:
        return change(
            source="alertmanager",
            name="HighErrorRate",
            fingerprint="f1",
            starts_at=_at(0),
            labels={"service": "checkout"},
            summary="5xx above 5%",
            ends_at=ends_at,
            generator_url="http://prometheus.example/graph",
        )

    events = [
        TimelineEvent(_at(0), BOT_ACTOR, alert(AlertFiring, None)),
        TimelineEvent(_at(2), "U1", Declared("Sample", Severity.SEV3)),
        TimelineEvent(_at(2), "U1", Paged("service:checkout", "p")),
        TimelineEvent(_at(2), BOT_ACTOR, Notified(("U2",), level=0)),
        TimelineEvent(_at(3), BOT_ACTOR, Notified(("U3",), level=1)),
        TimelineEvent(_at(3), BOT_ACTOR, NobodyOnCall("backup")),
        TimelineEvent(_at(4), "U2", Acknowledged()),
        TimelineEvent(_at(5), "U2", SeverityChanged(Severity.SEV3, Severity.SEV2)),
        TimelineEvent(_at(5), "U2", RoleAssigned("comms", "U3")),
        TimelineEvent(_at(6), "U2", PlaybookStarted(1, "restart", "Restart", 2)),
        TimelineEvent(
            _at(7),
            "U2",
            PlaybookStep(
                run=1,
                playbook="restart",
                step="s1",
                title="Restart",
                outcome=StepOutcome.SUCCEEDED,
                action="http.request",
                summary="restarted",
                undo_summary="nothing to undo",
            ),
        ),
        TimelineEvent(
            _at(8),
            "U2",
            PlaybookStep(
                run=1,
                playbook="restart",
                step="s2",
                title="Flag",
                outcome=StepOutcome.FAILED,
                error="timeout",
            ),
        ),
        TimelineEvent(
            _at(9),
            "U2",
            PlaybookUndone(
                run=1,
                step="s1",
                title="Restart",
                summary="undo",
                outcome=UndoOutcome.FAILED,
                error="refused",
            ),
        ),
        TimelineEvent(_at(10), "U2", UpdatePosted("Recovering")),
        TimelineEvent(_at(20), "U2", StatusChanged(Status.IDENTIFIED, Status.MITIGATED, "ok")),
        TimelineEvent(_at(25), BOT_ACTOR, alert(AlertResolved, _at(25))),
        TimelineEvent(_at(30), "U2", StatusChanged(Status.MITIGATED, Status.RESOLVED, "done")),
    ]
    items = [
        ActionItemRecord("Add a rate limit", "U3", "U2", _at(31)),
        ActionItemRecord("Alert earlier", None, "U2", _at(32), done_at=_at(40)),
    ]
    inputs = build_inputs(
        incident, events, items, ZoneInfo("Europe/Berlin"), {"U1": "Ann"}, _at(-1)
    )
    # A still-firing alert too, so templates' "no end yet" branches run.
    return replace(inputs, alerts=[*inputs.alerts, replace(inputs.alerts[0], ends=None)])

"""A fully populated sample incident: every list has an entry and every optional value is set,
so rendering it under ``StrictUndefined`` exercises every branch a template is likely to have.
``Templates.load`` uses it for the trial render that finds misspelt attribute names."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, EventKind, TimelineEvent
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
    step = {"run": "r1", "playbook": "restart", "step": "s1", "title": "Restart"}
    alert = {
        "source": "alertmanager",
        "name": "HighErrorRate",
        "labels": {"service": "checkout"},
        "summary": "5xx above 5%",
        "starts_at": _at(0).isoformat(),
        "fingerprint": "f1",
        "generator_url": "http://prometheus.example/graph",
    }
    events = [
        TimelineEvent(EventKind.ALERT_FIRING, _at(0), BOT_ACTOR, alert),
        TimelineEvent(EventKind.DECLARED, _at(2), "U1", {"title": "Sample", "severity": "SEV3"}),
        TimelineEvent(EventKind.PAGED, _at(2), "U1", {"target": "service:checkout", "policy": "p"}),
        TimelineEvent(EventKind.NOTIFIED, _at(2), BOT_ACTOR, {"users": ["U2"], "level": 0}),
        TimelineEvent(EventKind.NOTIFIED, _at(3), BOT_ACTOR, {"users": ["U3"], "level": 1}),
        TimelineEvent(EventKind.NOBODY_ON_CALL, _at(3), BOT_ACTOR, {"schedule": "backup"}),
        TimelineEvent(EventKind.ACKNOWLEDGED, _at(4), "U2"),
        TimelineEvent(EventKind.SEVERITY_CHANGED, _at(5), "U2", {"from": "SEV3", "to": "SEV2"}),
        TimelineEvent(EventKind.ROLE_ASSIGNED, _at(5), "U2", {"role": "comms", "user": "U3"}),
        TimelineEvent(EventKind.PLAYBOOK_STARTED, _at(6), "U2", {**step, "steps": 2}),
        TimelineEvent(
            EventKind.PLAYBOOK_STEP,
            _at(7),
            "U2",
            {
                **step,
                "outcome": "succeeded",
                "action": "http.request",
                "summary": "restarted",
                "undo": {"summary": "nothing to undo"},
            },
        ),
        TimelineEvent(
            EventKind.PLAYBOOK_STEP,
            _at(8),
            "U2",
            {**step, "step": "s2", "title": "Flag", "outcome": "failed", "error": "timeout"},
        ),
        TimelineEvent(
            EventKind.PLAYBOOK_UNDONE,
            _at(9),
            "U2",
            {**step, "outcome": "failed", "summary": "undo", "error": "refused"},
        ),
        TimelineEvent(EventKind.UPDATE_POSTED, _at(10), "U2", {"text": "Recovering"}),
        TimelineEvent(
            EventKind.STATUS_CHANGED,
            _at(20),
            "U2",
            {"from": "identified", "to": "mitigated", "note": "ok"},
        ),
        TimelineEvent(
            EventKind.ALERT_RESOLVED, _at(25), BOT_ACTOR, {**alert, "ends_at": _at(25).isoformat()}
        ),
        TimelineEvent(
            EventKind.STATUS_CHANGED,
            _at(30),
            "U2",
            {"from": "mitigated", "to": "resolved", "note": "done"},
        ),
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

"""A recorded incident spanning the Europe/Berlin DST change of 2026-10-25 (03:00 CEST -> 02:00
CET at 01:00 UTC), built with the incident aggregate's own functions, as the bot records it.

Detected 00:38:00 UTC (alert start), declared 00:45:00, acknowledged 00:52:30, mitigated
01:20:00, resolved 01:45:00. By hand, from detection: acknowledge 14m 30s, mitigate 42m 00s,
resolve 1h 07m. Local times before 01:00 UTC are CEST (+2), after it CET (+1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.incidents import repo
from bot.incidents.domain import incident as domain
from bot.incidents.domain.events import (
    Acknowledged,
    AlertFiring,
    AlertResolved,
    Notified,
    Paged,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    StepOutcome,
    UndoOutcome,
)
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.incidents.rows import ActionItemRow, IncidentRow
from bot.postmortems.domain.inputs import ActionItemRecord

BERLIN = ZoneInfo("Europe/Berlin")
OLIVIA, LIAM, MAYA = "U0ONCALL", "U0LEAD", "U0MGR"
NAMES = {OLIVIA: "Olivia Okafor", LIAM: "Liam Laurent", MAYA: "Maya Mensah"}


def at(hh_mm_ss: str) -> datetime:
    """An instant on 2026-10-25, UTC."""
    h, m, s = (int(x) for x in hh_mm_ss.split(":"))
    return datetime(2026, 10, 25, h, m, s, tzinfo=UTC)


@dataclass(frozen=True)
class Recorded:
    incident: Incident
    events: list[TimelineEvent]
    action_items: list[ActionItemRecord]


_ALERT: dict[str, Any] = {
    "source": "alertmanager",
    "name": "CheckoutErrorRate",
    "labels": {"service": "checkout", "severity": "page"},
    "summary": "5xx ratio above 2% for 5 minutes",
    "starts_at": at("00:38:00"),
    "fingerprint": "c0ffee01",
    "generator_url": "https://prometheus.example/graph?g0.expr=checkout_5xx",
}
_RUN: dict[str, Any] = {"run": 1, "playbook": "feature-flag-disable"}


def recorded_incident() -> Recorded:
    events: list[TimelineEvent] = [
        TimelineEvent(at("00:40:00"), BOT_ACTOR, AlertFiring(**_ALERT)),
    ]

    def apply(result: tuple[Incident, list[TimelineEvent]]) -> Incident:
        events.extend(result[1])
        return result[0]

    incident = apply(
        domain.declare(
            number=1,
            title="Checkout errors after deploy",
            severity=Severity.SEV2,
            declarer=OLIVIA,
            now=at("00:45:00"),
            service="checkout",
            description="Customers see HTTP 500 when paying | card payments only.",
            detected_at=at("00:38:00"),
        )
    )
    events += [
        TimelineEvent(
            at("00:45:10"), OLIVIA, Paged("service:checkout", "payments", "checkout 5xx")
        ),
        TimelineEvent(at("00:45:10"), BOT_ACTOR, Notified((LIAM,), level=0, loop=0)),
        TimelineEvent(at("00:50:10"), BOT_ACTOR, Notified((MAYA,), level=1, loop=0)),
        TimelineEvent(at("00:52:30"), MAYA, Acknowledged()),
    ]
    incident = domain.acknowledge(incident, at("00:52:30"))
    incident = apply(domain.assign_role(incident, "comms", LIAM, MAYA, at("00:54:00")))
    incident = apply(
        domain.transition(incident, Status.IDENTIFIED, MAYA, at("00:57:00"), "bad flag rollout")
    )
    incident = apply(
        domain.add_note(
            incident,
            "Errors began with the new-checkout flag rollout; <@U0ONCALL> shared the "
            "<https://grafana.example/d/checkout|checkout dashboard> | p99 at 4s",
            MAYA,
            at("00:58:00"),
        )
    )
    events += _playbook_events()
    incident = apply(
        domain.transition(
            incident, Status.MITIGATED, MAYA, at("01:20:00"), "Error rate back under 0.1%"
        )
    )
    events.append(
        TimelineEvent(
            at("01:25:00"),
            MAYA,
            PlaybookUndone(
                run=1,
                step="scale-up",
                title="Scale checkout up",
                summary="Deployment checkout: 8 -> 4 replicas",
                outcome=UndoOutcome.SUCCEEDED,
            ),
        )
    )
    incident = apply(
        domain.add_action(
            incident, "Add a canary gate for checkout flag rollouts", LIAM, MAYA, at("01:30:00")
        )
    )
    events.append(
        TimelineEvent(
            at("01:32:00"),
            BOT_ACTOR,
            AlertResolved(**_ALERT, ends_at=at("01:31:00")),
        )
    )
    incident = apply(
        domain.post_update(
            incident,
            "Checkout is healthy; the flag stays off until the fix ships.",
            MAYA,
            at("01:40:00"),
        )
    )
    incident = apply(
        domain.transition(incident, Status.RESOLVED, MAYA, at("01:45:00"), "Fix deployed")
    )
    items = [
        ActionItemRecord(
            "Add a canary gate for checkout flag rollouts", LIAM, MAYA, at("01:30:00")
        ),
        ActionItemRecord(
            "Alert on checkout error budget burn", OLIVIA, MAYA, at("01:31:00"), at("02:30:00")
        ),
    ]
    return Recorded(incident, events, items)


def _playbook_events() -> list[TimelineEvent]:
    def step(when: str, step_id: str, title: str, **data: Any) -> TimelineEvent:
        return TimelineEvent(
            at(when),
            MAYA,
            PlaybookStep(**_RUN, step=step_id, title=title, **data),
        )

    return [
        TimelineEvent(
            at("01:05:00"), MAYA, PlaybookStarted(1, _RUN["playbook"], "Disable a feature flag", 3)
        ),
        step(
            "01:06:00",
            "flag-off",
            "Turn the flag off",
            outcome=StepOutcome.SUCCEEDED,
            action="feature_flag.disable",
            summary="LaunchDarkly flag new-checkout in production: on -> off",
            before="on",
            after="off",
            undo_summary="turn new-checkout back on in production",
        ),
        step("01:07:00", "announce", "Announce in #status", outcome=StepOutcome.DONE),
        step(
            "01:10:00",
            "scale-up",
            "Scale checkout up",
            outcome=StepOutcome.SUCCEEDED,
            action="kubernetes.scale",
            summary="Deployment checkout: 4 -> 8 replicas",
            undo_summary="scale checkout back to 4 replicas",
        ),
    ]


def store(session: Session, recorded: Recorded) -> int:
    """Write the recorded incident as the bot stores it: its row, timeline and action items."""
    incident = recorded.incident
    row = IncidentRow(
        id=incident.number,
        channel_name="inc-1-checkout-errors-after-deploy",
        declarer_id=incident.declarer,
        private=incident.private,
        **repo.owned_columns(incident),
    )
    session.add(row)
    session.flush()
    repo.append(session, row.id, recorded.events, recorded.events[-1].at)
    session.add_all(
        ActionItemRow(
            incident_id=row.id,
            text=item.text,
            owner_id=item.owner,
            created_by=item.created_by,
            created_at=item.created_at,
            done_at=item.done_at,
        )
        for item in recorded.action_items
    )
    return row.id

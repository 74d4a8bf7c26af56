"""Timeline rows as the bot stores them today (docs/timeline-events.md): each kind's ``data``
exactly as its producer writes it, key order included, with the payload it must load as.

Every kind is here at least once, with each variant its producer writes (a note or none, an
automated step or a manual one, a success or a failure, ...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.incidents.domain.events import (
    Acknowledged,
    ActionAdded,
    AlertFiring,
    AlertResolved,
    AlertsNotice,
    ChannelCreated,
    Declared,
    DeliveryFailed,
    Invited,
    LeadChanged,
    MessageAdded,
    NobodyOnCall,
    NoteAdded,
    Notified,
    Paged,
    PagingExhausted,
    Payload,
    PlaybookStarted,
    PlaybookStep,
    PlaybookUndone,
    PostmortemDrafted,
    PostmortemReviewed,
    PublicUpdate,
    RoleAssigned,
    SeverityChanged,
    StatusChanged,
    StepOutcome,
    UndoOutcome,
    UpdatePosted,
)
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity

_STEP = {"run": 7, "playbook": "flags", "step": "disable", "title": "Disable the flag"}
_AUTOMATED = {"action": "feature_flag.disable", "target": "new-checkout in production"}
ALERT_DATA: dict[str, Any] = {
    "source": "alertmanager",
    "name": "HighErrorRate",
    "labels": {"alertname": "HighErrorRate", "service": "checkout"},
    "summary": "5xx above 5%",
    "starts_at": "2026-11-20T14:02:11.372000+00:00",
    "ends_at": None,
    "fingerprint": "4f1c2a9be0d3a7c1",
    "generator_url": "http://prometheus.example.com:9090/graph",
    "group_key": '{}:{alertname="HighErrorRate"}',
}
_ALERT_VALUES: dict[str, Any] = {
    "source": "alertmanager",
    "name": "HighErrorRate",
    "fingerprint": "4f1c2a9be0d3a7c1",
    "starts_at": datetime(2026, 11, 20, 14, 2, 11, 372000, tzinfo=UTC),
    "labels": {"alertname": "HighErrorRate", "service": "checkout"},
    "summary": "5xx above 5%",
    "generator_url": "http://prometheus.example.com:9090/graph",
    "group_key": '{}:{alertname="HighErrorRate"}',
}
_RESOLVED_AT = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)

SEV1, SEV2, SEV3 = Severity.SEV1, Severity.SEV2, Severity.SEV3

# (kind, data as stored, the payload it loads as)
STORED: list[tuple[str, dict[str, Any], Payload]] = [
    (
        "declared",
        {"title": "Checkout errors", "severity": "SEV2", "service": "checkout"},
        Declared("Checkout errors", SEV2, "checkout"),
    ),
    (
        "declared",
        {"title": "Checkout errors", "severity": "SEV1", "service": None},
        Declared("Checkout errors", SEV1),
    ),
    (
        "channel_created",
        {"channel_id": "C0INC1", "name": "inc-1-checkout-errors"},
        ChannelCreated("C0INC1", "inc-1-checkout-errors"),
    ),
    (
        "status_changed",
        {"from": "investigating", "to": "resolved", "note": "reverted"},
        StatusChanged(Status.INVESTIGATING, Status.RESOLVED, "reverted"),
    ),
    (
        "status_changed",
        {"from": "identified", "to": "mitigated"},
        StatusChanged(Status.IDENTIFIED, Status.MITIGATED),
    ),
    ("severity_changed", {"from": "SEV3", "to": "SEV1"}, SeverityChanged(SEV3, SEV1)),
    ("lead_changed", {"from": "U0DECL", "to": "U0LEAD"}, LeadChanged("U0DECL", "U0LEAD")),
    ("role_assigned", {"role": "comms", "user": "U0COMMS"}, RoleAssigned("comms", "U0COMMS")),
    (
        "invited",
        {"user": "U0BOB", "reason": "acknowledged the page"},
        Invited("U0BOB", "acknowledged the page"),
    ),
    ("update_posted", {"text": "Recovering"}, UpdatePosted("Recovering")),
    (
        "public_update",
        {"text": "Checkout is recovering", "components": ["checkout-api"]},
        PublicUpdate("Checkout is recovering", ("checkout-api",)),
    ),
    ("note_added", {"text": "Rolled back <@U0LEAD>"}, NoteAdded("Rolled back <@U0LEAD>")),
    (
        "action_added",
        {"text": "Add a canary gate", "owner": "U0LEAD"},
        ActionAdded("Add a canary gate", "U0LEAD"),
    ),
    ("action_added", {"text": "Alert earlier", "owner": None}, ActionAdded("Alert earlier")),
    (
        "message_added",
        {
            "text": "Deploy 42 rolled back",
            "author": "U0LEAD",
            "permalink": "https://example.slack.com/archives/C0INC1/p1700000000000100",
            "ts": "1700000000.000100",
            "added_by": "U0DECL",
        },
        MessageAdded(
            text="Deploy 42 rolled back",
            ts="1700000000.000100",
            author="U0LEAD",
            permalink="https://example.slack.com/archives/C0INC1/p1700000000000100",
            added_by="U0DECL",
        ),
    ),
    (
        "message_added",
        {
            "text": "from a bot",
            "author": None,
            "permalink": None,
            "ts": "1700000001.000200",
            "added_by": "U0DECL",
        },
        MessageAdded(text="from a bot", ts="1700000001.000200", added_by="U0DECL"),
    ),
    (
        "paged",
        {"target": "service checkout", "policy": "payments", "message": "5xx", "page": 3},
        Paged("service checkout", "payments", "5xx", 3),
    ),
    (
        "paged",
        {"target": "<@U0LEAD>", "policy": "page U0LEAD", "message": "", "page": 4},
        Paged("<@U0LEAD>", "page U0LEAD", "", 4),
    ),
    (
        "notified",
        {"users": ["U0LEAD", "oncall@example.com"], "loop": 1, "level": 2, "page": 3},
        Notified(("U0LEAD", "oncall@example.com"), level=2, loop=1, page=3),
    ),
    ("acknowledged", {"pages": [3, 4]}, Acknowledged((3, 4))),
    (
        "delivery_failed",
        {"user": "U0LEAD", "channel": "pagerduty", "error": "HTTP 500"},
        DeliveryFailed("U0LEAD", "pagerduty", "HTTP 500"),
    ),
    ("nobody_on_call", {"schedule": "dba"}, NobodyOnCall("dba")),
    ("paging_exhausted", {"target": "service checkout"}, PagingExhausted("service checkout")),
    (
        "playbook_started",
        {"run": 7, "playbook": "flags", "title": "Disable a flag", "steps": 3},
        PlaybookStarted(7, "flags", "Disable a flag", 3),
    ),
    (
        "playbook_step",
        {**_STEP, "outcome": "done"},
        PlaybookStep(**_STEP, outcome=StepOutcome.DONE),
    ),
    (
        "playbook_step",
        {**_STEP, "outcome": "skipped", "reason": "n/a"},
        PlaybookStep(**_STEP, outcome=StepOutcome.SKIPPED, reason="n/a"),
    ),
    (
        "playbook_step",
        {**_STEP, "outcome": "skipped", **_AUTOMATED, "attempt": 0, "reason": "not needed"},
        PlaybookStep(
            **_STEP, outcome=StepOutcome.SKIPPED, **_AUTOMATED, attempt=0, reason="not needed"
        ),
    ),
    (
        "playbook_step",
        {
            **_STEP,
            "outcome": "succeeded",
            **_AUTOMATED,
            "attempt": 1,
            "summary": "flag on -> off",
            "before": "on",
            "after": "off",
            "undo": {"summary": "re-enable"},
        },
        PlaybookStep(
            **_STEP,
            outcome=StepOutcome.SUCCEEDED,
            **_AUTOMATED,
            attempt=1,
            summary="flag on -> off",
            before="on",
            after="off",
            undo_summary="re-enable",
        ),
    ),
    (
        "playbook_step",
        {
            **_STEP,
            "outcome": "succeeded",
            **_AUTOMATED,
            "attempt": 1,
            "summary": "already off",
            "before": "off",
            "after": "off",
        },
        PlaybookStep(
            **_STEP,
            outcome=StepOutcome.SUCCEEDED,
            **_AUTOMATED,
            attempt=1,
            summary="already off",
            before="off",
            after="off",
        ),
    ),
    (
        "playbook_step",
        {
            **_STEP,
            "outcome": "failed",
            **_AUTOMATED,
            "attempt": 2,
            "error": "403 Forbidden",
            "retryable": False,
        },
        PlaybookStep(
            **_STEP,
            outcome=StepOutcome.FAILED,
            **_AUTOMATED,
            attempt=2,
            error="403 Forbidden",
            retryable=False,
        ),
    ),
    (
        "playbook_undone",
        {
            "run": 7,
            "step": "disable",
            "title": "Disable",
            "summary": "re-enable",
            "outcome": "succeeded",
        },
        PlaybookUndone(
            run=7,
            step="disable",
            title="Disable",
            summary="re-enable",
            outcome=UndoOutcome.SUCCEEDED,
        ),
    ),
    (
        "playbook_undone",
        {
            "run": 7,
            "step": "disable",
            "title": "Disable",
            "summary": "re-enable",
            "outcome": "failed",
            "error": "401",
        },
        PlaybookUndone(
            run=7,
            step="disable",
            title="Disable",
            summary="re-enable",
            outcome=UndoOutcome.FAILED,
            error="401",
        ),
    ),
    ("alert_firing", dict(ALERT_DATA), AlertFiring(**_ALERT_VALUES)),
    (
        "alert_firing",
        {**ALERT_DATA, "summary": None, "generator_url": None, "labels": {}},
        AlertFiring(**{**_ALERT_VALUES, "summary": None, "generator_url": None, "labels": {}}),
    ),
    (
        "alert_resolved",
        {**ALERT_DATA, "ends_at": "2026-11-20T14:30:00+00:00"},
        AlertResolved(**_ALERT_VALUES, ends_at=_RESOLVED_AT),
    ),
    (
        "alerts_notice",
        {"text": "Every alert of this incident has resolved"},
        AlertsNotice("Every alert of this incident has resolved"),
    ),
    ("postmortem_drafted", {"version": 1, "template": "default"}, PostmortemDrafted(1, "default")),
    (
        "postmortem_reviewed",
        {"version": 2, "verdict": "requested changes on", "note": "add the timeline"},
        PostmortemReviewed(2, "requested changes on", "add the timeline"),
    ),
    (
        "postmortem_reviewed",
        {"version": 3, "verdict": "approved", "note": ""},
        PostmortemReviewed(3, "approved"),
    ),
]

# Rows this version cannot read, with the kind each must report.
UNREADABLE: list[tuple[str, object]] = [
    ("incident_renamed", {"title": "a kind from a newer version"}),
    ("severity_changed", {"from": "SEV2"}),  # a required key missing
    ("severity_changed", {"from": "SEV2", "to": "SEV9"}),  # not a severity
    ("notified", {"users": "U0LEAD", "loop": 0, "level": 0}),  # not a list
    ("playbook_step", {**_STEP, "run": "run-7", "outcome": "done"}),  # not a run id
    ("playbook_step", {**_STEP, "outcome": "exploded"}),  # not an outcome
    ("alert_firing", {**ALERT_DATA, "starts_at": "yesterday"}),  # not an instant
    ("alert_firing", {**ALERT_DATA, "starts_at": "2026-11-20T14:02:11"}),  # no UTC offset
    ("alert_resolved", {**ALERT_DATA, "labels": ["service=checkout"]}),  # not an object
    ("acknowledged", {"pages": [True]}),  # a flag is not a page id
    ("public_update", {"text": "Recovering", "components": "checkout-api"}),  # not a list
    ("update_posted", ["not", "an", "object"]),
]

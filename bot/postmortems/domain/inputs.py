"""``build_inputs``: an incident, its timeline and action items -> ``PostmortemInputs``.

Every number is computed here from recorded events and the incident's clocks (``Clocks``), so
templates only place values. Local times use the team's time zone (DST-correct: each instant is
converted on its own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import EventKind, SeverityChanged, StatusChanged, UpdatePosted
from bot.incidents.domain.incident import Clocks, Incident, format_duration
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent
from bot.postmortems.domain.alerts import TimedAlert, alerts
from bot.postmortems.domain.people import Namer, lead_name, namer, people_refs, responders
from bot.postmortems.domain.plaintext import to_markdown
from bot.postmortems.domain.playbook_runs import playbook_runs
from bot.postmortems.domain.response import detection, response
from bot.postmortems.domain.timeline_rows import timeline_rows
from bot.postmortems.domain.values import (
    ActionItem,
    Clock,
    Duration,
    Impact,
    KeyClocks,
    Moment,
    PlaybookRun,
    PostmortemInputs,
    Response,
)

__all__ = ["ActionItemRecord", "PostmortemInputs", "build_inputs"]


@dataclass(frozen=True)
class ActionItemRecord:
    """An ``/incident action`` item as stored (open or done)."""

    text: str
    owner: str | None
    created_by: str
    created_at: datetime
    done_at: datetime | None = None


# Drafting and reviewing the post-mortem is not part of the incident it describes (and would make
# every re-draft differ from the last).
_ABOUT_THE_DOCUMENT = frozenset({EventKind.POSTMORTEM_DRAFTED, EventKind.POSTMORTEM_REVIEWED})
_SEVERITIES = frozenset(s.value for s in Severity)


def build_inputs(
    incident: Incident,
    timeline: Sequence[TimelineEvent],
    action_items: Sequence[ActionItemRecord],
    tz: ZoneInfo,
    names: Mapping[str, str] | None = None,
    impact_started_at: datetime | None = None,
) -> PostmortemInputs:
    """``names`` maps Slack ids (or refs) to display names; ``impact_started_at`` is the
    hand-corrected start of impact, when someone recorded one."""
    names = names or {}
    name = namer(names)
    events = sorted((e for e in timeline if e.kind not in _ABOUT_THE_DOCUMENT), key=lambda e: e.at)
    found_alerts = alerts(events, tz)
    runs, rollbacks = playbook_runs(events, tz, name)
    items = [_action_item(item, tz, name) for item in action_items]
    who = responders(incident, events, name)
    resp = response(incident, events, tz, name)
    return PostmortemInputs(
        number=incident.number,
        title=incident.title,
        severity=incident.severity.value,
        severity_label=incident.severity.label,
        status=incident.status.value,
        services=[incident.service] if incident.service else [],
        description=to_markdown(incident.description, names),
        last_update=_last_update(events, names),
        mitigation_note=_status_note(events, Status.MITIGATED, names),
        resolution_note=_status_note(events, Status.RESOLVED, names),
        time_zone=tz.key,
        lead=lead_name(incident, name),
        declared_by=name(incident.declarer),
        responders=who,
        people=people_refs(who),
        clocks=key_clocks(incident, tz),
        impact=_impact(incident, events, found_alerts, impact_started_at, tz),
        detection=detection(incident, found_alerts, tz, name),
        response=resp,
        timeline=timeline_rows(events, tz, names, name),
        playbooks=runs,
        rollbacks=rollbacks,
        alerts=[a.alert for a in found_alerts],
        action_items=items,
        open_action_items=[i for i in items if not i.done],
        follow_ups=_follow_ups(resp, runs, found_alerts),
    )


def key_clocks(incident: Incident, tz: ZoneInfo) -> KeyClocks:
    """The incident's ``Clocks``, formatted; durations count from detection, else declaration."""
    clocks = Clocks.of(incident)
    detected, acknowledged, mitigated, resolved = (
        Moment.of(at, tz) if at else None
        for at in (
            clocks.detected_at,
            clocks.acknowledged_at,
            clocks.mitigated_at,
            clocks.resolved_at,
        )
    )
    declared = Moment.of(clocks.declared_at, tz)
    to_ack, to_mitigate, to_resolve = (
        format_duration(delta) if delta is not None else None
        for delta in (clocks.time_to_acknowledge, clocks.time_to_mitigate, clocks.time_to_resolve)
    )
    return KeyClocks(
        detected=detected,
        declared=declared,
        acknowledged=acknowledged,
        mitigated=mitigated,
        resolved=resolved,
        started_from="detection" if clocks.detected_at else "declaration",
        time_to_acknowledge=to_ack,
        time_to_mitigate=to_mitigate,
        time_to_resolve=to_resolve,
        instants=[
            Clock("Detected", detected),
            Clock("Declared", declared),
            Clock("Acknowledged", acknowledged),
            Clock("Mitigated", mitigated),
            Clock("Resolved", resolved),
        ],
        durations=[
            Duration("Time to acknowledge", to_ack),
            Duration("Time to mitigate", to_mitigate),
            Duration("Time to resolve", to_resolve),
        ],
    )


def _impact(
    incident: Incident,
    events: Sequence[TimelineEvent],
    found_alerts: Sequence[TimedAlert],
    corrected_start: datetime | None,
    tz: ZoneInfo,
) -> Impact:
    first_alert = found_alerts[0].starts_at if found_alerts else None
    started = corrected_start or min(
        at for at in (first_alert, incident.started_at) if at is not None
    )
    changed = [e.payload for e in events if isinstance(e.payload, SeverityChanged)]
    seen = {incident.severity.value} | {s.value for c in changed for s in (c.old, c.new)}
    return Impact(
        started=Moment.of(started, tz),
        mitigated=Moment.of(incident.mitigated_at, tz) if incident.mitigated_at else None,
        duration=format_duration(incident.mitigated_at - started)
        if incident.mitigated_at
        else None,
        severity_changes=[f"{c.old} -> {c.new}" for c in changed],
        highest_severity=min(seen & _SEVERITIES),  # "SEV1" sorts first and is the highest
        services=[incident.service] if incident.service else [],
        alert_names=sorted({a.alert.name for a in found_alerts}),
    )


def _last_update(events: Sequence[TimelineEvent], names: Mapping[str, str]) -> str | None:
    updates = [e.payload for e in events if isinstance(e.payload, UpdatePosted)]
    return to_markdown(updates[-1].text, names) if updates else None


def _status_note(
    events: Sequence[TimelineEvent], status: Status, names: Mapping[str, str]
) -> str | None:
    """The note given with the last change into ``status``, if any."""
    changes = [e.payload for e in events if isinstance(e.payload, StatusChanged)]
    last = next((c for c in reversed(changes) if c.new is status), None)
    return to_markdown(last.note, names) if last and last.note else None


def _action_item(item: ActionItemRecord, tz: ZoneInfo, name: Namer) -> ActionItem:
    return ActionItem(
        text=item.text,
        owner=name(item.owner) if item.owner else None,
        done=item.done_at is not None,
        created=Moment.of(item.created_at, tz),
        created_by=name(item.created_by),
        done_at=Moment.of(item.done_at, tz) if item.done_at else None,
    )


def _follow_ups(
    resp: Response, runs: Sequence[PlaybookRun], found_alerts: Sequence[TimedAlert]
) -> list[str]:
    """Gaps the record shows in systems and tooling: each deserves an action item or a note."""
    gaps = list(resp.paging_problems)
    for run in runs:
        for step in run.steps:
            if step.outcome == "failed":
                gaps.append(f"Playbook step {step.title} ({run.title}) failed: {step.error}")
            if step.undone and not step.undone.succeeded:
                gaps.append(f"Undo of {step.title} ({run.title}) failed: {step.undone.error}")
    gaps += [
        f"Alert {a.alert.name} ({a.alert.labels_text}) was still firing when this was drafted"
        for a in found_alerts
        if a.alert.ends is None
    ]
    return gaps

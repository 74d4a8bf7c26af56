"""The facts a post-mortem shows, computed from recorded events: clocks across a DST change
(checked against values computed by hand in ``recorded.py``), paging, playbooks, alerts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.incidents.domain.events import (
    EventKind,
    NobodyOnCall,
    PlaybookStep,
    PostmortemDrafted,
    PostmortemReviewed,
    SeverityChanged,
    StepOutcome,
)
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import BOT_ACTOR, TimelineEvent
from bot.postmortems.domain.inputs import PostmortemInputs, build_inputs
from bot.postmortems.domain.plaintext import cell, to_markdown
from bot.postmortems.domain.values import Moment
from tests.postmortem.recorded import BERLIN, LIAM, MAYA, NAMES, OLIVIA, at, recorded_incident


def inputs(tz: ZoneInfo = BERLIN) -> PostmortemInputs:
    r = recorded_incident()
    return build_inputs(r.incident, r.events, r.action_items, tz, NAMES)


def test_durations_count_real_time_across_the_autumn_dst_change() -> None:
    clocks = inputs().clocks

    # Detected 00:38:00 UTC (02:38 CEST); resolved 01:45:00 UTC (02:45 CET): 1h 07m, not the
    # 7 minutes the local wall clock suggests.
    assert clocks.started_from == "detection"
    assert clocks.time_to_acknowledge == "14m 30s"
    assert clocks.time_to_mitigate == "42m 00s"
    assert clocks.time_to_resolve == "1h 07m"
    assert [d.value for d in clocks.durations] == ["14m 30s", "42m 00s", "1h 07m"]


def test_local_times_are_right_on_both_sides_of_the_change() -> None:
    found = inputs()
    clocks = found.clocks

    assert clocks.detected == Moment("2026-10-25 00:38:00", "2026-10-25 02:38:00 CEST")
    assert clocks.acknowledged is not None
    assert clocks.acknowledged.local == "2026-10-25 02:52:30 CEST"
    assert clocks.mitigated is not None
    assert clocks.mitigated.local == "2026-10-25 02:20:00 CET"
    assert clocks.resolved is not None
    assert clocks.resolved.local == "2026-10-25 02:45:00 CET"
    rows = {row.utc: row.local for row in found.timeline}
    assert rows["2026-10-25 00:58:00"] == "2026-10-25 02:58:00 CEST"  # before 01:00 UTC
    assert rows["2026-10-25 01:05:00"] == "2026-10-25 02:05:00 CET"  # after: the hour repeats
    assert [row.utc for row in found.timeline] == sorted(row.utc for row in found.timeline)


def test_local_times_across_the_spring_change() -> None:
    tz = ZoneInfo("Europe/Berlin")

    before = Moment.of(datetime(2026, 3, 29, 0, 59, tzinfo=UTC), tz)
    after = Moment.of(datetime(2026, 3, 29, 1, 0, tzinfo=UTC), tz)

    assert before.local == "2026-03-29 01:59:00 CET"
    assert after.local == "2026-03-29 03:00:00 CEST"  # 02:xx does not exist that night
    assert str(after) == "2026-03-29 01:00:00 UTC (2026-03-29 03:00:00 CEST)"


def test_another_time_zone_only_changes_the_local_column() -> None:
    new_york = inputs(ZoneInfo("America/New_York"))
    berlin = inputs()

    assert new_york.clocks.detected is not None
    assert new_york.clocks.detected.local == "2026-10-24 20:38:00 EDT"
    assert [r.utc for r in new_york.timeline] == [r.utc for r in berlin.timeline]
    assert new_york.clocks.time_to_resolve == berlin.clocks.time_to_resolve


def test_without_an_alert_durations_count_from_the_declaration() -> None:
    r = recorded_incident()
    incident = replace(r.incident, detected_at=None)
    events = [e for e in r.events if e.kind is not EventKind.ALERT_FIRING]

    found = build_inputs(incident, events, [], BERLIN, NAMES)

    assert found.clocks.started_from == "declaration"
    assert found.clocks.time_to_acknowledge == "7m 30s"  # 00:45:00 -> 00:52:30
    assert found.detection.method == "person"
    assert found.detection.declared_by == "Olivia Okafor"


def test_responders_are_everyone_who_acted_was_paged_or_acknowledged() -> None:
    found = inputs()

    assert [(r.name, r.involvement) for r in found.responders] == [
        ("Olivia Okafor", ["declared", "acted", "lead"]),
        ("Liam Laurent", ["paged", "comms"]),
        ("Maya Mensah", ["paged", "acknowledged", "acted"]),
    ]
    assert set(found.people) == {*NAMES, *NAMES.values()}


def test_paging_escalation_and_the_acknowledgement_delay() -> None:
    response = inputs().response

    assert [(p.by, p.target, p.policy) for p in response.pages] == [
        ("Olivia Okafor", "service:checkout", "payments")
    ]
    assert [(n.people, n.level, n.escalation) for n in response.notifications] == [
        (["Liam Laurent"], 1, False),
        (["Maya Mensah"], 2, True),
    ]
    assert [(a.by, a.after) for a in response.acknowledgements] == [("Maya Mensah", "7m 20s")]
    assert [(r.role, r.person) for r in response.roles] == [("comms", "Liam Laurent")]


def test_playbook_steps_with_their_results_and_what_was_rolled_back() -> None:
    found = inputs()

    (run,) = found.playbooks
    assert run.title == "Disable a feature flag"
    assert [(s.title, s.outcome, s.undo, s.undone is not None) for s in run.steps] == [
        ("Turn the flag off", "succeeded", "turn new-checkout back on in production", False),
        ("Announce in #status", "done", "", False),
        ("Scale checkout up", "succeeded", "scale checkout back to 4 replicas", True),
    ]
    assert [(u.title, u.summary, u.succeeded) for u in found.rollbacks] == [
        ("Scale checkout up", "Deployment checkout: 8 -> 4 replicas", True)
    ]


def test_alerts_pair_firing_and_resolved_by_fingerprint() -> None:
    (alert,) = inputs().alerts

    assert alert.name == "CheckoutErrorRate"
    assert alert.labels_text == "service=checkout, severity=page"
    assert alert.starts is not None
    assert alert.starts.utc == "2026-10-25 00:38:00"  # the alert's own start, not when we heard
    assert alert.ends is not None
    assert alert.ends.utc == "2026-10-25 01:31:00"
    assert alert.generator_url == "https://prometheus.example/graph?g0.expr=checkout_5xx"


def test_action_items_open_and_done_with_owners() -> None:
    found = inputs()

    assert [(i.text, i.owner, i.done) for i in found.action_items] == [
        ("Add a canary gate for checkout flag rollouts", "Liam Laurent", False),
        ("Alert on checkout error budget burn", "Olivia Okafor", True),
    ]
    assert [i.text for i in found.open_action_items] == [
        "Add a canary gate for checkout flag rollouts"
    ]


def test_failures_read_with_the_system_as_subject_and_become_follow_ups() -> None:
    r = recorded_incident()
    run: dict[str, Any] = {"run": 2, "playbook": "restart", "step": "restart"}
    events = [
        *r.events,
        TimelineEvent(
            at("01:50:00"),
            MAYA,
            PlaybookStep(
                **run, title="Restart pods", outcome=StepOutcome.FAILED, error="403 Forbidden"
            ),
        ),
        TimelineEvent(at("01:51:00"), BOT_ACTOR, NobodyOnCall("dba")),
    ]

    found = build_inputs(r.incident, events, [], BERLIN, NAMES)

    assert found.timeline[-2].event == "Step Restart pods (restart) failed: 403 Forbidden"
    assert found.timeline[-2].actor == "Maya Mensah"
    assert found.follow_ups == [
        "Nobody was on call for dba (2026-10-25 01:51:00 UTC)",
        "Playbook step Restart pods (restart) failed: 403 Forbidden",
    ]


def test_an_incident_opened_by_an_alert_has_no_lead_until_someone_acknowledges() -> None:
    r = recorded_incident()
    incident = replace(r.incident, declarer=BOT_ACTOR, lead=BOT_ACTOR)

    found = build_inputs(incident, r.events, [], BERLIN, NAMES)

    assert found.lead == "nobody yet (opened by an alert)"
    assert "warroom" not in [p.name for p in found.responders]


def test_slack_markup_becomes_markdown() -> None:
    names = {OLIVIA: "Olivia Okafor"}

    assert to_markdown(f"<@{OLIVIA}> and <@{LIAM}> in <#C1|ops>", names) == (
        f"Olivia Okafor and {LIAM} in #ops"
    )
    assert to_markdown("see <https://x.example/a|the graph> or <https://x.example/b>", {}) == (
        "see [the graph](https://x.example/a) or <https://x.example/b>"
    )
    assert to_markdown(":rotating_light: Alert firing: <!here>", {}) == "Alert firing: @here"


def test_table_cells_escape_pipes_and_line_breaks() -> None:
    assert cell("a | b\nc") == "a \\| b c"
    assert cell("already \\| escaped") == "already \\| escaped"


def test_drafting_and_reviewing_the_post_mortem_is_not_part_of_it() -> None:
    r = recorded_incident()
    events = [
        *r.events,
        TimelineEvent(at("02:00:00"), LIAM, PostmortemDrafted(1, "x")),
        TimelineEvent(at("02:10:00"), OLIVIA, PostmortemReviewed(1, "approved")),
    ]

    assert build_inputs(r.incident, events, [], BERLIN, NAMES) == build_inputs(
        r.incident, r.events, [], BERLIN, NAMES
    )


def test_impact_reports_the_highest_severity_reached() -> None:
    r = recorded_incident()
    raised = [
        TimelineEvent(at("01:00:00"), MAYA, SeverityChanged(Severity.SEV2, Severity.SEV1)),
        TimelineEvent(at("01:30:00"), MAYA, SeverityChanged(Severity.SEV1, Severity.SEV2)),
    ]

    impact = build_inputs(r.incident, [*r.events, *raised], [], BERLIN, NAMES).impact

    assert impact.highest_severity == "SEV1"
    assert impact.severity_changes == ["SEV2 -> SEV1", "SEV1 -> SEV2"]
    assert impact.started.utc == "2026-10-25 00:38:00"  # the alert's start
    assert impact.duration == "42m 00s"  # to mitigation


def test_a_hand_corrected_impact_start_wins() -> None:
    r = recorded_incident()

    impact = build_inputs(r.incident, r.events, [], BERLIN, NAMES, at("00:30:00")).impact

    assert impact.started.local == "2026-10-25 02:30:00 CEST"
    assert impact.duration == "50m 00s"

"""Timeline payloads: each stored kind loads as its typed payload and is written back as exactly
the JSON stored today; data this version cannot read loads as ``Unknown`` and never breaks what
is computed from the timeline."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.domain.summary import summarize
from bot.incidents.domain import incident as domain
from bot.incidents.domain.events import EventKind, Unknown, dump, parse
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent, describe
from bot.incidents.slack.blocks import timeline as timeline_blocks
from bot.playbooks.domain.run import alert_labels, progress
from bot.postmortems.domain.inputs import build_inputs
from tests.domain.stored_events import STORED, UNREADABLE

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(("kind", "data", "payload"), STORED)
def test_a_stored_row_loads_as_its_kinds_payload(kind: str, data: dict, payload: object) -> None:
    assert parse(kind, copy.deepcopy(data)) == payload


@pytest.mark.parametrize(("kind", "data", "payload"), STORED)
def test_a_payload_is_stored_as_exactly_todays_json(kind: str, data: dict, payload: object) -> None:
    stored_kind, stored = dump(parse(kind, copy.deepcopy(data)))

    assert stored_kind == kind
    # The same text, so key order and null-versus-missing are the same too.
    assert json.dumps(stored) == json.dumps(data)


def test_every_kind_has_a_stored_example() -> None:
    known = {kind.value for kind in EventKind} - {EventKind.UNRECOGNIZED.value}
    assert {kind for kind, _, _ in STORED} == known
    assert {parse(kind, data).kind.value for kind, data, _ in STORED} == known


@pytest.mark.parametrize(("kind", "data"), UNREADABLE)
def test_data_that_does_not_fit_loads_as_unknown_and_is_kept(kind: str, data: object) -> None:
    payload = parse(kind, copy.deepcopy(data))

    assert isinstance(payload, Unknown)
    assert payload.problem
    expected = EventKind(kind) if kind in set(EventKind) else EventKind.UNRECOGNIZED
    assert payload.kind is expected
    assert dump(payload) == (kind, data if isinstance(data, dict) else {})


def test_missing_data_reads_as_an_empty_object() -> None:
    assert parse("acknowledged", None) == parse("acknowledged", {})
    assert isinstance(parse("note_added", None), Unknown)


def test_unknown_events_render_and_are_skipped_by_what_is_computed_from_the_timeline() -> None:
    incident, declared = domain.declare(
        number=1, title="Checkout errors", severity=Severity.SEV2, declarer="U0DECL", now=T0
    )
    readable = [TimelineEvent(T0, "U0LEAD", payload) for _, _, payload in STORED]
    unknown = [TimelineEvent(T0, "U0LEAD", parse(kind, data)) for kind, data in UNREADABLE]
    events = [*declared, *unknown, *readable]

    assert describe(unknown[0]) == "<@U0LEAD>: incident renamed (details unreadable)"
    assert describe(unknown[1]) == "<@U0LEAD>: severity changed (details unreadable)"
    assert all(describe(e) for e in events)
    assert timeline_blocks(incident, events)
    assert summarize(events) == summarize(readable)
    assert progress(events) == progress(readable)
    assert alert_labels(events) == alert_labels(readable)
    berlin = ZoneInfo("Europe/Berlin")
    with_unknown = build_inputs(incident, events, [], berlin)
    without = build_inputs(incident, [*declared, *readable], [], berlin)
    assert with_unknown.alerts == without.alerts
    assert with_unknown.playbooks == without.playbooks
    assert with_unknown.response == without.response
    assert len(with_unknown.timeline) == len(without.timeline) + len(unknown)


def test_every_kind_reads_as_it_did() -> None:
    """``describe`` words each stored example as the dict-reading code did (a person's name on
    a notification round is who pressed "Escalate now")."""
    lines = [describe(TimelineEvent(T0, "U0LEAD", payload)) for _, _, payload in STORED]

    assert lines == [
        "<@U0LEAD> declared the incident (SEV2): Checkout errors",
        "<@U0LEAD> declared the incident (SEV1): Checkout errors",
        "Channel <#C0INC1> created",
        "<@U0LEAD> changed status investigating -> resolved: reverted",
        "<@U0LEAD> changed status identified -> mitigated",
        "<@U0LEAD> changed severity SEV3 -> SEV1",
        "<@U0LEAD> made <@U0LEAD> the lead",
        "<@U0LEAD> assigned comms to <@U0COMMS>",
        "<@U0BOB> was invited to the channel (acknowledged the page)",
        "<@U0LEAD> posted a status update: Recovering",
        "<@U0LEAD> published on the status page (checkout-api): Checkout is recovering",
        "<@U0LEAD> noted: Rolled back <@U0LEAD>",
        "<@U0LEAD> added an action item: Add a canary gate (owner <@U0LEAD>)",
        "<@U0LEAD> added an action item: Alert earlier",
        "<@U0LEAD>: Deploy 42 rolled back "
        "(<https://example.slack.com/archives/C0INC1/p1700000000000100|message>)",
        "a message: from a bot",
        "<@U0LEAD> paged service checkout (payments): 5xx",
        "<@U0LEAD> paged <@U0LEAD> (page U0LEAD)",
        "<@U0LEAD> escalated: paged <@U0LEAD>, oncall@example.com (level 3, round 2)",
        "<@U0LEAD> acknowledged the page",
        "Could not reach <@U0LEAD> via pagerduty: HTTP 500",
        ":rotating_light: Nobody is on call for dba: nobody paged there",
        "Nobody acknowledged the page for service checkout: escalation finished",
        "<@U0LEAD> started playbook Disable a flag",
        "<@U0LEAD> completed step Disable the flag (flags)",
        "<@U0LEAD> skipped step Disable the flag (flags) (reason: n/a)",
        "<@U0LEAD> skipped step Disable the flag (flags) (reason: not needed)",
        "<@U0LEAD> ran step Disable the flag (flags): flag on -> off",
        "<@U0LEAD> ran step Disable the flag (flags): already off",
        "<@U0LEAD> failed to run step Disable the flag (flags): 403 Forbidden",
        "<@U0LEAD> undid Disable: re-enable",
        "<@U0LEAD> could not undo Disable: re-enable: 401",
        ":rotating_light: Alert firing: HighErrorRate (5xx above 5%)",
        ":rotating_light: Alert firing: HighErrorRate",
        ":white_check_mark: Alert resolved: HighErrorRate (5xx above 5%)",
        ":warning: Every alert of this incident has resolved",
        "<@U0LEAD> drafted the post-mortem (version 1)",
        "<@U0LEAD> requested changes on the post-mortem (version 2): add the timeline",
        "<@U0LEAD> approved the post-mortem (version 3)",
    ]


def test_product_code_reads_payloads_not_stored_json() -> None:
    """``TimelineEvent.data`` is the stored form, for tests; the product reads ``payload``."""
    root = Path(__file__).resolve().parents[2] / "bot"
    reads = re.compile(r"(?<!info)\.data(\[|\.get\()")  # pydantic's ValidationInfo.data is not ours
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if reads.search(line)
    ]
    assert found == []

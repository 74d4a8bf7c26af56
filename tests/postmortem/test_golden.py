"""Golden drafts: the recorded incident of ``recorded.py`` (declare, page, escalate, ack, notes,
an action item with an owner, playbook steps with one undone, an alert, mitigate, resolve;
across the 2026-10-25 DST change in Europe/Berlin) rendered with the shipped ``default`` and
``short`` templates must equal ``golden/<template>.md``: straight from the domain events, and
read back from a real database (SQLite, or PostgreSQL with WARROOM_TEST_DATABASE_URL).

After an intended change to a template or to the inputs, regenerate the expected files with

    WARROOM_REGENERATE_GOLDEN=1 pytest tests/postmortem/test_golden.py

and review their diff like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.incidents.rows import IncidentRow
from bot.kernel.storage.db import make_session_factory
from bot.postmortems.config import PostmortemConfig
from bot.postmortems.domain.blameless import Rule, check
from bot.postmortems.domain.inputs import build_inputs
from bot.postmortems.domain.sections import REQUIRED_SECTIONS, split
from bot.postmortems.drafting import DraftingSetup, draft
from bot.postmortems.templates import Templates
from tests.postmortem.recorded import BERLIN, NAMES, recorded_incident, store

GOLDEN = Path(__file__).parent / "golden"
SHIPPED = Path(__file__).parents[2] / "postmortems"
REGENERATE = os.environ.get("WARROOM_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def setup() -> DraftingSetup:
    shipped = DraftingSetup.load(SHIPPED)
    config = PostmortemConfig(time_zone=BERLIN)
    return DraftingSetup(config, Templates.for_config(config, SHIPPED), shipped.rules)


def expect(name: str, markdown: str) -> None:
    path = GOLDEN / f"{name}.md"
    if REGENERATE:
        path.write_text(markdown, encoding="utf-8")
    assert markdown == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("template", ["default", "short"])
def test_the_recorded_incident_renders_to_the_golden_file(
    setup: DraftingSetup, template: str
) -> None:
    recorded = recorded_incident()
    inputs = build_inputs(recorded.incident, recorded.events, recorded.action_items, BERLIN, NAMES)

    expect(template, setup.templates.render(template, inputs))


@pytest.mark.parametrize("template", ["default", "short"])
def test_the_golden_drafts_are_blameless_and_have_their_required_sections(
    setup: DraftingSetup, template: str
) -> None:
    markdown = (GOLDEN / f"{template}.md").read_text(encoding="utf-8")
    ids = {s.id for s in split(markdown)}

    assert check(markdown, setup.rules, [*NAMES, *NAMES.values()]) == []
    required = REQUIRED_SECTIONS if template == "default" else REQUIRED_SECTIONS - {"impact"}
    assert required <= ids


def test_a_draft_read_from_the_database_matches_the_golden_file(
    engine: Engine, setup: DraftingSetup
) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        number = store(session, recorded_incident())

    result = draft(sessions, number, setup.templates, setup.config, setup.rules, names=NAMES)

    assert result.template == "default"  # SEV2: the default template
    assert result.findings == []
    assert result.markdown == (GOLDEN / "default.md").read_text(encoding="utf-8")


def test_the_short_template_is_chosen_for_minor_incidents(
    engine: Engine, setup: DraftingSetup
) -> None:
    sessions = make_session_factory(engine)
    recorded = recorded_incident()
    with sessions.begin() as session:
        number = store(session, recorded)
        session.get_one(IncidentRow, number).severity = "SEV3"

    result = draft(sessions, number, setup.templates, setup.config, names=NAMES)

    assert result.template == "short"
    assert result.markdown.startswith("# Post-mortem: Checkout errors after deploy (incident #1)")


def test_drafting_checks_with_the_given_rules(engine: Engine, setup: DraftingSetup) -> None:
    sessions = make_session_factory(engine)
    with sessions.begin() as session:
        number = store(session, recorded_incident())
    flags_declaring = Rule("no-declaring", r"\bdeclared\b", "test", "test")

    result = draft(sessions, number, setup.templates, setup.config, [flags_declaring])

    assert result.findings
    assert {f.section for f in result.findings} >= {"title", "timeline"}
    assert "U0ONCALL" in result.people

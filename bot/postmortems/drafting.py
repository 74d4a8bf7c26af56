"""Drafting from the database: the incident, its whole timeline and every action item (open
and done) -> ``PostmortemInputs`` -> Markdown, plus the blameless check of the result.

Reads only existing tables (incidents, timeline_events, action_items); writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.incidents import repo
from bot.incidents.domain.incident import Incident
from bot.incidents.domain.severity import Severity
from bot.incidents.domain.timeline import TimelineEvent
from bot.incidents.rows import ActionItemRow
from bot.postmortems.config import PostmortemConfig, load_postmortem_config
from bot.postmortems.domain.blameless import Finding, Rule, check
from bot.postmortems.domain.inputs import ActionItemRecord, PostmortemInputs, build_inputs
from bot.postmortems.rules import load_rules
from bot.postmortems.templates import Templates

CONFIG_FILE = "config.yaml"
RULES_FILE = "blameless-rules.yaml"


class UnknownIncident(LookupError):
    """No incident with that number."""


@dataclass(frozen=True)
class Draft:
    """A rendered draft: its text, the template used, and what the blameless check found.

    ``people`` is what the check looked for (responders' names and ids): pass it again when
    checking human edits of this draft.
    """

    incident_number: int
    template: str
    markdown: str
    people: list[str]
    findings: list[Finding]


@dataclass(frozen=True)
class Record:
    """What the database holds about one incident, as domain values."""

    incident: Incident
    timeline: list[TimelineEvent]
    action_items: list[ActionItemRecord]
    impact_started_at: datetime | None


def read_record(session: Session, incident_number: int) -> Record:
    """The incident, its whole timeline and every action item; ``UnknownIncident`` if none."""
    row = repo.by_number(session, incident_number)
    if row is None:
        raise UnknownIncident(f"there is no incident #{incident_number}")
    items = session.scalars(
        select(ActionItemRow)
        .where(ActionItemRow.incident_id == incident_number)
        .order_by(ActionItemRow.id)
    )
    return Record(
        repo.to_domain(row),
        repo.timeline(session, incident_number),
        [
            ActionItemRecord(i.text, i.owner_id, i.created_by, i.created_at, i.done_at)
            for i in items
        ],
        row.impact_started_at,
    )


def load_inputs(
    session: Session,
    incident_number: int,
    config: PostmortemConfig,
    names: Mapping[str, str] | None = None,
) -> PostmortemInputs:
    """``names``: Slack id (or user ref) -> display name, e.g. from users.yaml."""
    record = read_record(session, incident_number)
    return build_inputs(
        record.incident,
        record.timeline,
        record.action_items,
        config.time_zone,
        names,
        record.impact_started_at,
    )


def draft_in(
    session: Session,
    incident_number: int,
    templates: Templates,
    config: PostmortemConfig,
    rules: Sequence[Rule] = (),
    template: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Draft:
    """Draft inside a caller's session (e.g. a transition hook's transaction).

    ``template`` overrides the config's choice; an unknown name raises ``UnknownTemplate``.
    """
    inputs = load_inputs(session, incident_number, config, names)
    service = inputs.services[0] if inputs.services else None
    chosen = template or templates.choose(Severity(inputs.severity), service)
    markdown = templates.render(chosen, inputs)
    findings = check(markdown, rules, inputs.people)
    return Draft(incident_number, chosen, markdown, inputs.people, findings)


def draft(
    sessions: sessionmaker[Session],
    incident_number: int,
    templates: Templates,
    config: PostmortemConfig,
    rules: Sequence[Rule] = (),
    template: str | None = None,
    names: Mapping[str, str] | None = None,
) -> Draft:
    with sessions() as session:
        return draft_in(session, incident_number, templates, config, rules, template, names)


@dataclass(frozen=True)
class DraftingSetup:
    """Everything drafting needs from the post-mortem folder, loaded and validated once."""

    config: PostmortemConfig
    templates: Templates
    rules: list[Rule]

    @classmethod
    def load(cls, folder: Path) -> DraftingSetup:
        """``folder`` holds the templates, ``blameless-rules.yaml`` and the optional
        ``config.yaml``; raises ``SourceErrors`` (``TemplateProblem`` for templates) listing
        every problem with file and line."""
        config = load_postmortem_config(folder / CONFIG_FILE)
        templates = Templates.for_config(config, folder)
        rules = load_rules(folder / RULES_FILE, *config.extra_rules)
        return cls(config, templates, rules)

"""What blocks approving a post-mortem version, decided in one place for Slack and the web page.

Three things block approval:

- **Blameless findings** still in the text. An approver may *approve anyway* with a reason; the
  reason is recorded with the approval and printed in the published post-mortem.
- **Required sections not filled** (per template, ``config.yaml``'s ``required_sections``; by
  default summary, impact, contributing factors and action items). A section is not filled while
  it is blank or still shows its template prompt. Filling it or **waiving** it with a reason
  unblocks it; a waiver is kept across versions and printed where the section would be.
- **Re-draft conflicts** whose markers are still in the text: only an edit resolves them.

A **prompt** is a paragraph written wholly in italics (``_Who was affected?_``): templates ask
reviewers a question that way. Prompts are shown while reviewing, replaced by a reviewer's text,
and never published (see ``published``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.postmortems.domain.sections import Section

FINDINGS = "findings"
UNFILLED = "unfilled"
CONFLICT = "conflict"

DEFAULT_REQUIRED: frozenset[str] = frozenset(
    {"summary", "impact", "contributing-factors", "action-items"}
)

_PROMPT = re.compile(r"\A_(?!_)(?:[^_]|_(?=\w))+(?<!\s)_\Z", re.DOTALL)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Blocker:
    """One reason the version cannot be approved yet.

    ``kind``: ``findings`` (overridable with *approve anyway*), ``unfilled`` (a required section:
    fill or waive it) or ``conflict`` (edit the markers away). ``section``: the section's id
    (``None`` for findings); ``text``: how the card and the page say it.
    """

    kind: str
    section: str | None
    text: str


@dataclass(frozen=True)
class Waiver:
    """A required section deliberately left unfilled, who decided so and why."""

    section: str
    reason: str
    by: str


def is_prompt(paragraph: str) -> bool:
    return bool(_PROMPT.match(paragraph.strip()))


def paragraphs(body: str) -> list[str]:
    return [p.strip("\n") for p in _PARAGRAPH_BREAK.split(body) if p.strip()]


def without_prompts(body: str) -> str:
    """``body`` with its prompt paragraphs removed; blank lines between paragraphs kept."""
    kept = [p for p in paragraphs(body) if not is_prompt(p)]
    return "\n\n".join(kept)


def prompts(body: str) -> list[str]:
    return [p.strip() for p in paragraphs(body) if is_prompt(p)]


def filled(section: Section) -> bool:
    """Filled: it says something of its own and no longer shows a prompt."""
    return not prompts(section.body) and bool(section.body.strip())


def answered(text: str, prompted: str) -> str:
    """A reviewer's ``text`` for a section whose body was ``prompted``: the section's prompts
    are dropped from it when the reviewer wrote anything else, so the answer replaces them."""
    asked = set(prompts(prompted))
    if not asked:
        return text
    kept = [p for p in paragraphs(text) if p.strip() not in asked]
    return "\n\n".join(kept) if kept else text


def blockers(
    sections: Sequence[Section],
    findings: int,
    required: frozenset[str],
    waivers: Mapping[str, Waiver],
    conflicts: Sequence[str] = (),
) -> list[Blocker]:
    """Everything that blocks approving a version with ``sections`` (in the order to fix it)."""
    found: list[Blocker] = []
    if findings:
        plural = "s" if findings != 1 else ""
        found.append(Blocker(FINDINGS, None, f"{findings} blameless finding{plural} unresolved"))
    for section in sections:
        if section.id in required and section.id not in waivers and not filled(section):
            found.append(Blocker(UNFILLED, section.id, f"section '{section.heading}' not filled"))
    names = {s.id: s.heading or "the title" for s in sections}
    for conflict in conflicts:
        name = names.get(conflict, conflict)
        found.append(Blocker(CONFLICT, conflict, f"section '{name}' has re-draft conflicts"))
    return found


def said(found: Sequence[Blocker]) -> str:
    """``2 blameless findings unresolved; section 'Impact' not filled``."""
    return "; ".join(b.text for b in found)


def unfilled(found: Sequence[Blocker]) -> list[str]:
    """The ids of the sections ``found`` says are not filled, in document order."""
    return [b.section for b in found if b.kind == UNFILLED and b.section is not None]


def only_findings(found: Sequence[Blocker]) -> bool:
    return bool(found) and all(b.kind == FINDINGS for b in found)

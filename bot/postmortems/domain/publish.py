"""The published Markdown of an approved version: what readers outside the review get.

- Prompts (``gates.is_prompt``) are never published: they are questions to the reviewers.
- An optional section with nothing left once its prompt is gone is **omitted**. Readers of a
  published post-mortem (other teams, leadership, the next on-call) scan it for answers; a heading
  followed by "Not filled" tells them nothing and reads as an unfinished document, while the
  review page already showed reviewers every unfilled section before they approved.
- A waived required section keeps its heading and says who waived it and why, so a reader sees
  it was left out on purpose.
- Approvals given over blameless findings are listed at the end under ``## Review``, with each
  approver's reason and the sentences they approved over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from bot.postmortems.domain.gates import Waiver, filled, without_prompts
from bot.postmortems.domain.sections import TITLE, Section, join


@dataclass(frozen=True)
class Override:
    """An approval given despite blameless findings: who, why, and the sentences flagged."""

    by: str
    reason: str
    sentences: tuple[str, ...]


def published(
    sections: Sequence[Section],
    required: frozenset[str],
    waivers: Mapping[str, Waiver],
    overrides: Sequence[Override],
    name: Callable[[str], str] = str,
) -> str:
    out: list[Section] = []
    for section in sections:
        kept = _published_section(section, required, waivers, name)
        if kept is not None:
            out.append(kept)
    text = join(out).rstrip("\n") + "\n"
    review = _review(overrides, name)
    return text + review if review else text


def _published_section(
    section: Section,
    required: frozenset[str],
    waivers: Mapping[str, Waiver],
    name: Callable[[str], str],
) -> Section | None:
    body = without_prompts(section.body).strip("\n")
    waiver = waivers.get(section.id)
    if waiver is not None and not filled(section):
        note = f"Not filled: waived by {name(waiver.by)}: {waiver.reason}"
        body = f"{body}\n\n{note}" if body else note
    if not body:
        if section.id == TITLE or section.id not in required:
            return None
        body = "Not filled."
    lead = "" if section.id == TITLE else "\n"
    return Section(section.id, section.heading, f"{lead}{body}\n\n")


def _review(overrides: Sequence[Override], name: Callable[[str], str]) -> str:
    lines: list[str] = []
    for override in overrides:
        count = len(override.sentences)
        plural = "s" if count != 1 else ""
        lines.append(
            f"- Approved by {name(override.by)} despite {count} blameless finding{plural}: "
            f"{override.reason}"
        )
        lines += [f"  - “{sentence}”" for sentence in override.sentences]
    return "\n## Review\n\n" + "\n".join(lines) + "\n" if lines else ""

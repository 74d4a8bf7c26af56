"""The approval gates, prompts and the published Markdown, as pure functions."""

from __future__ import annotations

from bot.postmortems.domain.gates import (
    DEFAULT_REQUIRED,
    Waiver,
    answered,
    blockers,
    filled,
    is_prompt,
    said,
    without_prompts,
)
from bot.postmortems.domain.publish import Override, published
from bot.postmortems.domain.sections import Section, split
from bot.postmortems.domain.title import plain_title, split_title, with_title

DRAFT = """# Post-mortem: Checkout slow (incident #1)

- **Severity:** SEV2

## Summary

Checkout slow.

_Summarise in two or three sentences what happened._

## Impact

- Impact started: 09:00

_Who and what was affected, for how long?_

## Contributing factors

_Which conditions in systems combined to make this possible? List
several; people appear here as responders, never as causes._

## Action items

| Action item | Owner |
|---|---|
| Add an alert | Liam |

## Where we got lucky

_What went right by chance?_
"""


def sections() -> list[Section]:
    return split(DRAFT)


def test_a_paragraph_wholly_in_italics_is_a_prompt() -> None:
    assert is_prompt("_Who was affected?_")
    assert is_prompt("_Which conditions combined? List\nseveral; never causes._")
    assert not is_prompt("_Half_ in italics")
    assert not is_prompt("Plain text with _some_ italics.")
    assert not is_prompt("_one_ and _two_")
    assert not is_prompt("__bold__")


def test_unfilled_required_sections_and_findings_block_approval() -> None:
    found = blockers(sections(), 2, DEFAULT_REQUIRED, {})
    assert said(found) == (
        "2 blameless findings unresolved; section 'Summary' not filled; "
        "section 'Impact' not filled; section 'Contributing factors' not filled"
    )
    assert [b.section for b in found] == [None, "summary", "impact", "contributing-factors"]


def test_a_waived_or_answered_section_stops_blocking() -> None:
    answered_ = [
        Section(s.id, s.heading, "\nThe cache was cold after the deploy.\n\n")
        if s.id in ("summary", "impact")
        else s
        for s in sections()
    ]
    waiver = Waiver("contributing-factors", "Hardware failure, no factors of ours", "U1")
    assert blockers(answered_, 0, DEFAULT_REQUIRED, {waiver.section: waiver}) == []


def test_a_filled_section_has_text_and_no_prompt() -> None:
    by_id = {s.id: s for s in sections()}
    assert filled(by_id["action-items"])
    assert not filled(by_id["impact"])  # facts, but the question is not answered yet
    assert not filled(Section("x", "X", "\n\n"))


def test_the_reviewers_text_replaces_the_prompt() -> None:
    prompted = "\nFacts.\n\n_Who was affected?_\n\n"
    assert answered("Facts.\n\n_Who was affected?_\n\nAll EU users.", prompted) == (
        "Facts.\n\nAll EU users."
    )
    assert answered("Only the prompt stays", "\nno prompt here\n") == "Only the prompt stays"
    assert without_prompts(prompted) == "Facts."


def test_published_markdown_drops_prompts_and_unfilled_optional_sections() -> None:
    waiver = Waiver("contributing-factors", "A disk failed; nothing of ours contributed.", "U1")
    override = Override("U2", "Quoting the customer's words.", ("Bob broke it.",))
    names = {"U1": "Liam Lead", "U2": "Maya Manager"}
    text = published(
        sections(),
        DEFAULT_REQUIRED,
        {waiver.section: waiver},
        [override],
        lambda ref: names.get(ref, ref),
    )
    assert "_" not in text.replace("**", "")  # no prompt left anywhere
    assert "## Where we got lucky" not in text  # optional and unfilled: omitted
    assert "## Summary\n\nCheckout slow.\n\n## Impact" in text
    assert (
        "## Contributing factors\n\nNot filled: waived by Liam Lead: A disk failed; nothing of "
        "ours contributed.\n" in text
    )
    assert text.endswith(
        "## Review\n\n- Approved by Maya Manager despite 1 blameless finding: Quoting the "
        "customer's words.\n  - “Bob broke it.”\n"
    )
    assert text.count("# Post-mortem") == 1


def test_the_title_is_a_field_not_a_heading() -> None:
    body = "# Post-mortem: Checkout slow\n\n- **Severity:** SEV2\n\n"
    title, rest = split_title(body)
    assert (title, rest) == ("Post-mortem: Checkout slow", "\n- **Severity:** SEV2\n\n")
    assert plain_title("# Post-mortem:\n  Checkout   slow ") == "Post-mortem: Checkout slow"
    assert with_title("New", rest) == "# New\n\n- **Severity:** SEV2\n"

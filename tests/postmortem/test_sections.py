"""Splitting a post-mortem into sections and joining it back never changes the text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.postmortems.domain.sections import (
    REQUIRED_SECTIONS,
    Section,
    emptied_required,
    join,
    slug,
    split,
)

DRAFT = """# Post-mortem: Checkout errors

- **Severity:** SEV2

## Summary

Checkout failed.

## Action items

| Action item | Owner |
|---|---|
| Add a canary | Liam |
"""


def test_split_by_level_two_headings_with_the_preamble_as_title() -> None:
    sections = split(DRAFT)

    assert [s.id for s in sections] == ["title", "summary", "action-items"]
    assert sections[0] == Section(
        "title", "", "# Post-mortem: Checkout errors\n\n- **Severity:** SEV2\n\n"
    )
    assert sections[1] == Section("summary", "Summary", "\nCheckout failed.\n\n")
    assert join(sections) == DRAFT


def test_repeated_headings_get_distinct_ids() -> None:
    sections = split("## Notes\na\n## Notes\nb\n## Title\nc\n")

    assert [s.id for s in sections] == ["title", "notes", "notes-2", "title-2"]


def test_headings_inside_code_fences_are_body_text() -> None:
    text = "## Timeline\n```\n## not a heading\n```\n## Follow-ups\n"

    assert [s.id for s in split(text)] == ["title", "timeline", "follow-ups"]


def test_slugs_are_lowercase_words_joined_by_dashes() -> None:
    assert slug("What went well?") == "what-went-well"
    assert slug("  Action   items ") == "action-items"
    assert slug("???") == "section"


def test_emptying_a_required_section_is_detected() -> None:
    before = split(DRAFT)
    blanked = [Section(s.id, s.heading, "\n  \n") if s.id == "summary" else s for s in before]
    without = [s for s in before if s.id != "action-items"]

    assert "summary" in REQUIRED_SECTIONS
    assert emptied_required(before, blanked) == ["summary"]
    assert emptied_required(before, without) == ["action-items"]
    assert emptied_required(before, before) == []


_lines = st.lists(
    st.one_of(
        st.text(
            st.characters(
                blacklist_categories=["Cs"],
                blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
            ),
            max_size=20,
        ),
        st.sampled_from(["## Summary", "## Impact", "```", "# Title", "## ", "## Summary"]),
    ),
    max_size=30,
)


@given(_lines)
def test_join_of_split_is_the_original_text(lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)

    assert join(split(text)) == text

"""Re-drafting keeps human edits: the per-section three-way merge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.postmortems.domain.merge import (
    BASE_MARK,
    GENERATED_MARK,
    HUMAN_MARK,
    SPLIT_MARK,
    Conflict,
    merge,
)
from bot.postmortems.domain.sections import Section, join, split

BASE = """# Post-mortem
## Summary
Checkout failed.
## Timeline
| 00:40 | alert |
| 00:45 | declared |
## What went well
_prompt_
"""


def merged_text(base: str, human: str, generated: str) -> str:
    return join(merge(split(base), split(human), split(generated)).sections)


def test_a_section_humans_did_not_touch_takes_the_new_draft() -> None:
    generated = BASE.replace("| 00:45 | declared |\n", "| 00:45 | declared |\n| 01:00 | note |\n")

    result = merge(split(BASE), split(BASE), split(generated))

    assert join(result.sections) == generated
    assert result.conflicts == []


def test_a_section_only_humans_changed_keeps_the_human_text() -> None:
    human = BASE.replace("_prompt_", "Paging reached the right person quickly.")
    generated = BASE.replace("| 00:45 | declared |\n", "| 00:45 | declared |\n| 01:00 | note |\n")

    assert merged_text(BASE, human, generated) == (
        generated.replace("_prompt_", "Paging reached the right person quickly.")
    )


def test_both_changing_different_lines_keeps_both_changes() -> None:
    human = BASE.replace("| 00:40 | alert |", "| 00:40 | alert (the first sign) |")
    generated = BASE.replace("| 00:45 | declared |\n", "| 00:45 | declared |\n| 01:00 | note |\n")

    result = merge(split(BASE), split(human), split(generated))

    timeline = next(s for s in result.sections if s.id == "timeline")
    assert (
        timeline.body
        == "| 00:40 | alert (the first sign) |\n| 00:45 | declared |\n| 01:00 | note |\n"
    )
    assert result.conflicts == []


def test_both_changing_the_same_lines_is_a_conflict_that_keeps_both_sides() -> None:
    human = BASE.replace("Checkout failed.", "Checkout failed for card payments.")
    generated = BASE.replace("Checkout failed.", "Checkout errors after deploy.")

    result = merge(split(BASE), split(human), split(generated))

    summary = next(s for s in result.sections if s.id == "summary")
    assert summary.body == (
        HUMAN_MARK
        + "Checkout failed for card payments.\n"
        + BASE_MARK
        + "Checkout failed.\n"
        + SPLIT_MARK
        + "Checkout errors after deploy.\n"
        + GENERATED_MARK
    )
    assert result.conflicts == [
        Conflict(
            "summary",
            "Checkout failed.\n",
            "Checkout failed for card payments.\n",
            "Checkout errors after deploy.\n",
        )
    ]


def test_a_section_added_by_a_human_stays_where_they_put_it() -> None:
    human = BASE.replace("## Timeline", "## Customer impact\nAbout 3% of payments.\n## Timeline")
    generated = BASE.replace(
        "## What went well", "## Playbooks\nNo playbook was run.\n## What went well"
    )

    ids = [s.id for s in merge(split(BASE), split(human), split(generated)).sections]

    assert ids == ["title", "summary", "customer-impact", "timeline", "playbooks", "what-went-well"]


def test_a_section_a_human_removed_stays_removed_unless_the_draft_changed_it() -> None:
    human = BASE.replace("## What went well\n_prompt_\n", "")

    assert merged_text(BASE, human, BASE) == human
    assert "## What went well" not in merged_text(
        BASE, human, BASE.replace("Checkout failed.", "Checkout failed!")
    )


def test_a_removed_section_the_draft_changed_comes_back_as_a_conflict() -> None:
    human = BASE.replace("## Summary\nCheckout failed.\n", "")
    generated = BASE.replace("Checkout failed.", "Checkout errors after deploy.")

    result = merge(split(BASE), split(human), split(generated))

    summary = next(s for s in result.sections if s.id == "summary")
    assert summary.body.startswith(HUMAN_MARK)
    assert "Checkout errors after deploy.\n" + GENERATED_MARK in summary.body
    assert [c.section for c in result.conflicts] == ["summary"]
    assert result.conflicts[0].human == ""


def test_a_human_section_the_new_draft_no_longer_has_is_kept() -> None:
    human = BASE.replace("_prompt_", "Alerts fired within a minute.")
    generated = BASE.replace("## What went well\n_prompt_\n", "")

    assert "Alerts fired within a minute." in merged_text(BASE, human, generated)
    assert "## What went well" not in merged_text(BASE, BASE, generated)


def test_the_same_new_section_from_both_sides_with_different_text_conflicts() -> None:
    human = BASE + "## Follow-ups\nTicket OPS-1\n"
    generated = BASE + "## Follow-ups\n1 open action item\n"

    result = merge(split(BASE), split(human), split(generated))

    assert [c.section for c in result.conflicts] == ["follow-ups"]
    assert "Ticket OPS-1" in join(result.sections)
    assert "1 open action item" in join(result.sections)


_line = st.text(alphabet="abcx |\n", max_size=12).map(lambda t: t.replace("\n", "") + "\n")
_body = st.lists(_line, max_size=6).map("".join)
_heading = st.sampled_from(["Summary", "Impact", "Timeline", "Action items", "Notes"])


@st.composite
def drafts(draw: st.DrawFn) -> list[Section]:
    headings = draw(st.lists(_heading, unique=True, max_size=5))
    text = draw(_body) + "".join(f"## {h}\n{draw(_body)}" for h in headings)
    return split(text)


@given(drafts(), drafts())
def test_without_human_changes_the_result_is_the_new_draft(
    base: list[Section], generated: list[Section]
) -> None:
    result = merge(base, base, generated)

    assert join(result.sections) == join(generated)
    assert result.conflicts == []


@given(drafts(), drafts())
def test_without_generator_changes_the_result_is_the_human_text(
    base: list[Section], human: list[Section]
) -> None:
    result = merge(base, human, base)

    assert join(result.sections) == join(human)
    assert result.conflicts == []


@given(drafts(), drafts(), drafts())
def test_every_line_a_human_wrote_survives_a_merge(
    base: list[Section], human: list[Section], generated: list[Section]
) -> None:
    text = join(merge(base, human, generated).sections).splitlines()
    written = set(join(human).splitlines()) - set(join(base).splitlines())

    assert written <= set(text)

"""The approval gates end to end over HTTP, with the shipped required sections: a blameless
finding blocks approval until an approver approves anyway with a reason (which the export
prints), an unfilled required section until someone fills or waives it; a reviewer's text
replaces a section's prompt in the published Markdown."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.postmortems.slack import blocks as pm
from tests.e2e.conftest import LEAD, ONCALL, Bot, bot, config_dir, fake_slack_server, slack
from tests.e2e.test_interactions import open_view
from tests.postmortem.test_e2e_review import SHIPPED, draft, edit, incident, page_url, summary

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # the e2e fixtures, used here

BLAME = "Olivia Oncall forgot to warm the cache before the launch."
FACTOR = "The cache starts cold after every deploy and nothing warms it."


@pytest.fixture
def extra_settings(tmp_path: Path) -> dict[str, Any]:
    folder = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, folder)  # the shipped gates: no config.yaml
    return {"postmortem_templates_dir": folder, "postmortem_export_dir": tmp_path / "published"}


def test_a_finding_blocks_approval_until_approved_anyway_with_a_reason(
    bot: Bot, tmp_path: Path
) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    assert (
        "Blocks approval:* section 'Summary' not filled; section 'Impact' not filled; section "
        "'Contributing factors' not filled; section 'Action items' not filled"
    ) in message.all_text
    edit(bot, channel, ONCALL, "summary", lambda old: "Checkout p99 rose to 4 s for 12 min.")
    summary(bot, channel.id, "edited Summary")
    edit(bot, channel, ONCALL, "impact", lambda old: f"{old}\n\nSlow checkouts for EU users.")
    summary(bot, channel.id, "edited Impact")
    edit(bot, channel, ONCALL, "contributing-factors", lambda old: f"{FACTOR}\n\n{BLAME}")
    message = summary(bot, channel.id, "4: edited Contributing factors")
    assert "blameless finding" in message.all_text
    assert "section 'Action items' not filled" in message.all_text
    assert "section 'Impact' not filled" not in message.all_text
    page = httpx.get(page_url(bot, message))
    assert "Blocks approval:" in page.text
    assert "section &#39;Action items&#39; not filled" in page.text

    # One click no longer approves: the approver is asked for reasons.
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="4")
    form = open_view(bot, LEAD, pm.APPROVE_CALLBACK)
    assert form["submit"]["text"] == "Approve anyway"
    assert BLAME in str(form["blocks"])
    assert "0 of 1" in summary(bot, channel.id).all_text
    waive = f"{pm.WAIVE_BLOCK}:action-items"
    no_reason = bot.driver.view_submission(
        LEAD,
        form,
        {waive: {"value": "Tracked in the platform epic."}, pm.ANYWAY_BLOCK: {"value": "  "}},
    )
    assert "choose *Approve anyway* and say why" in no_reason.json()["errors"][pm.ANYWAY_BLOCK]
    assert "0 of 1" in summary(bot, channel.id).all_text  # nothing saved, not even the waiver

    reason = "Olivia wrote this about herself and asked to keep it."
    done = bot.driver.view_submission(
        LEAD,
        form,
        {waive: {"value": "Tracked in the platform epic."}, pm.ANYWAY_BLOCK: {"value": reason}},
    )
    assert done.status_code == 200
    told = bot.said_to(LEAD, "You approved version 4")
    assert "Your reason for approving despite the blameless findings is recorded" in told
    published = summary(bot, channel.id, "Published")
    assert f"Approved despite blameless findings (<@{LEAD}>: {reason})" in published.all_text
    assert "Blocks approval" not in published.all_text

    text = (tmp_path / "published" / "inc-1-checkout-latency-high.md").read_text("utf-8")
    assert f"## Contributing factors\n\n{FACTOR}\n\n{BLAME}\n" in text
    assert "Which conditions in systems" not in text  # the prompt was replaced
    assert "## Trigger" not in text  # optional, never filled: omitted
    assert "## Where we got lucky" not in text
    assert (
        "## Action items\n\nNot filled: waived by Liam Lead: Tracked in the platform epic.\n"
    ) in text
    assert "## Review\n\n- Approved by Liam Lead despite" in text
    assert f"blameless finding{'' if text.count('  - “') == 1 else 's'}: {reason}\n" in text
    assert f"  - “{BLAME}”" in text

    timeline = bot.app.incidents.view(channel.id).timeline
    reviewed = [e.data for e in timeline if e.kind.value == "postmortem_reviewed"]
    assert reviewed[0] == {
        "version": 4,
        "verdict": "waived 'Action items' in",
        "note": "Tracked in the platform epic.",
    }
    assert reviewed[1]["verdict"].startswith("approved, despite ")
    assert reviewed[1]["note"] == reason
    page = httpx.get(page_url(bot, summary(bot, channel.id)))
    assert "Action items waived by Liam Lead: Tracked in the platform epic." in page.text
    assert "(anyway, despite" in page.text


def test_every_resolve_offers_a_draft_then_a_redraft(bot: Bot) -> None:
    channel = incident(bot)
    bot.command(channel, "resolve")
    first = bot.posted(channel.id, "is resolved. Draft the blameless post-mortem")
    bot.driver.block_action(ONCALL, channel.id, first.ts, pm.ACTION_DRAFT, value="1")
    summary(bot, channel.id, "drafted from the timeline")
    bot.command(channel, "reopen Errors are back")
    bot.posted(channel.id, "-> investigating")
    bot.command(channel, "resolve")
    again = bot.posted(channel.id, "is resolved again. Re-draft the post-mortem")
    assert [b["text"]["text"] for b in again.blocks[1]["elements"]] == ["Re-draft the post-mortem"]
    bot.driver.block_action(ONCALL, channel.id, again.ts, pm.ACTION_DRAFT, value="1")
    summary(bot, channel.id, "2: re-drafted from the timeline")
    offers = [m for m in bot.slack.state.messages(channel.id) if "is resolved" in m.all_text]
    assert len(offers) == 2  # one per resolve, never repeated


def test_the_review_page_names_the_channel_and_shows_utc_once_without_a_team_zone(
    bot: Bot,
) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    page = httpx.get(page_url(bot, message)).text
    assert "Channel #inc-1-checkout-latency-high created" in page
    assert "Channel #C" not in page
    assert "Local time" not in page
    assert "UTC (" not in page  # no "09:00 UTC (09:00 UTC)"


def test_the_title_is_edited_as_a_field_and_never_duplicated(bot: Bot, tmp_path: Path) -> None:
    channel = incident(bot)
    message = draft(bot, channel)
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_EDIT, value="1")
    form = open_view(bot, LEAD, pm.EDIT_CALLBACK)  # the title section opens first
    title = next(b for b in form["blocks"] if b.get("block_id") == f"{pm.TITLE_BLOCK}:1")
    assert title["element"]["initial_value"] == "Post-mortem: Checkout latency high (incident #1)"
    body = next(b for b in form["blocks"] if b.get("block_id") == "body:title:1")
    details = body["element"]["initial_value"]
    assert not details.startswith("#")
    assert details.startswith("- **Severity:** SEV2")

    heading = bot.driver.view_submission(
        LEAD,
        form,
        {title["block_id"]: {"value": "Checkout slow"}, body["block_id"]: {"value": "# Again\n"}},
    )
    assert "The title has its own field" in heading.json()["errors"]["body:title:1"]
    saved = bot.driver.view_submission(
        LEAD,
        form,
        {
            title["block_id"]: {"value": "# Checkout slow for EU users"},
            body["block_id"]: {"value": details + "\n- **Customer impact:** EU only"},
        },
    )
    assert saved.status_code == 200
    message = summary(bot, channel.id, "2: edited the title and metadata")
    page = httpx.get(page_url(bot, message)).text
    assert page.count("<h1>") == 1
    assert "<h1>Checkout slow for EU users</h1>" in page
    assert "EU only" in page

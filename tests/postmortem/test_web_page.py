"""The review page in real headless Chromium (Debian's ``/usr/bin/chromium``, never downloaded):
open the signed link from the summary message, read the sections, see a blameless finding
highlighted with why and how to reword it, the versions and a diff; all without JavaScript."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import WAIT_MS, open_served
from tests.e2e.conftest import LEAD, Bot, bot, config_dir, fake_slack_server, slack
from tests.postmortem.test_e2e_review import draft, edit, incident, page_url, summary
from tests.sandbox.browser.conftest import VIEWPORT, screenshot

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # fixtures used here

pytestmark = pytest.mark.browser

BLAME = "Olivia Oncall forgot to warm the cache before the launch."


@pytest.fixture
def extra_settings(tmp_path: Path) -> dict[str, Any]:
    return {"postmortem_export_dir": tmp_path / "published"}


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript off: the review page must work without it."""
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)  # type: ignore[arg-type]
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def test_the_signed_link_shows_the_draft_findings_versions_and_a_diff(bot: Bot, page: Page) -> None:
    channel = incident(bot)
    draft(bot, channel)
    edit(bot, channel, LEAD, "contributing-factors", lambda old: f"{BLAME}\n\n{old}")
    message = summary(bot, channel.id, "edited Contributing factors")
    warned = bot.said_to(LEAD, "The blameless check flags 1 sentence (saved anyway)")
    assert f"• “{BLAME}”\n    ◦ A named person is the subject of a failure" in warned
    assert "_Try:_ Make the system or the change the subject" in warned
    assert "Blameless check: 2 findings" in message.all_text  # two rules, one sentence
    assert message.all_text.count(BLAME) == 1

    open_served(page, page_url(bot, message))
    expect(page.locator("h1")).to_have_text("Post-mortem: Checkout latency high (incident #1)")
    expect(page.locator("#section-summary h2")).to_have_text("Summary")
    expect(page.locator("#section-timeline table")).to_contain_text("Rolled back deploy 42")
    mark = page.locator("#section-contributing-factors mark.finding")
    expect(mark).to_have_text(BLAME)
    expect(mark).to_have_css("background-color", "rgb(255, 224, 138)")
    expect(page.locator("#section-contributing-factors sup a")).to_have_text(["1", "2"])
    why = page.locator("#why-1")
    expect(why).to_contain_text("Reads as blame: A named person is the subject of a failure")
    expect(why).to_contain_text("Try: Make the system or the change the subject")
    expect(page.locator("#why-2")).to_contain_text("Reads as blame")

    rows = page.locator("#versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("edited Contributing factors")
    expect(rows.nth(0)).to_contain_text("Liam Lead")
    expect(rows.nth(1)).to_contain_text("drafted from the timeline")
    expect(rows.nth(1)).to_contain_text("Olivia Oncall")
    expect(page.locator("#review")).to_contain_text("Approvals: 0 of 1")

    rows.nth(0).get_by_role("link", name="diff").click()
    diff = page.locator("#diff")
    expect(diff.locator("h2")).to_have_text("Changes in version 2 (from version 1)")
    expect(diff.locator(".add")).to_contain_text([f"+{BLAME}"])
    # The reviewer's text replaced the section's prompt.
    expect(diff.locator(".del")).to_contain_text(["-_Which conditions", "-several; people"])


def test_the_page_shows_what_blocks_approval_and_gives_the_timeline_its_width(
    bot: Bot, page: Page
) -> None:
    channel = incident(bot)
    draft(bot, channel)
    edit(bot, channel, LEAD, "contributing-factors", lambda old: f"{BLAME}\n\n{old}")
    message = summary(bot, channel.id, "edited Contributing factors")

    open_served(page, page_url(bot, message))
    blockers = page.locator("#blockers")
    expect(blockers).to_contain_text("Blocks approval:")
    expect(blockers).to_contain_text("section 'Impact' not filled")
    expect(blockers).to_contain_text("blameless finding")
    expect(blockers).not_to_contain_text("Contributing factors")  # answered, if blamefully
    expect(page.locator("#section-impact .unfilled")).to_contain_text("Required, not filled")
    expect(page.locator("#section-contributing-factors .unfilled")).to_have_count(0)
    screenshot(page, "postmortem-review-blockers")

    timeline = page.locator("#section-timeline table")
    expect(timeline).to_contain_text("Channel #inc-1-checkout-latency-high created")
    expect(timeline.locator("th")).to_have_text(["Time (UTC)", "Event", "Actor"])
    draft_box = page.locator("article#draft").bounding_box()
    table_box = timeline.bounding_box()
    assert draft_box is not None
    assert table_box is not None
    assert draft_box["width"] > 0.9 * VIEWPORT["width"] - 80  # the page's width, no side column
    assert table_box["width"] > 0.9 * draft_box["width"] - 60
    timeline.scroll_into_view_if_needed()
    page.locator("#section-timeline").evaluate("s => s.scrollIntoView({block: 'start'})")
    screenshot(page, "postmortem-review-timeline")

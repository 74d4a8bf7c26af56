"""The status page in real headless Chromium with JavaScript off: a published update shows its
component in a partial outage, the update, the uptime bars with their text, and the feed link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import WAIT_MS
from tests.e2e.conftest import (
    ONCALL,
    Bot,
    bot,
    config_dir,
    eventually,
    extra_settings,
    fake_slack_server,
    slack,
)
from tests.e2e.test_status_page import publish_from_modal, status
from tests.sandbox.browser.conftest import VIEWPORT, screenshot

__all__ = ["bot", "config_dir", "extra_settings", "fake_slack_server", "slack"]

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)  # type: ignore[arg-type]
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def test_the_status_page_shows_a_published_outage_without_javascript(bot: Bot, page: Page) -> None:
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    preview = publish_from_modal(
        bot,
        channel.id,
        {
            "text": {"value": "Primary DB failing over"},
            "public": {"value": "Some card payments fail; we are working on a fix."},
            "publish": {"value": "publish"},
        },
    )
    bot.driver.view_submission(ONCALL, preview, {})
    eventually(lambda: status(bot)["incidents"], what="the published update")

    page.goto(f"{bot.url}/status")
    expect(page.locator("#overall")).to_contain_text("partial outage")
    expect(page.locator("#component-checkout-api .state")).to_have_text("partial outage")
    expect(page.locator("#active-heading + article")).to_contain_text(
        "Some card payments fail; we are working on a fix."
    )
    bars = page.locator("#component-checkout-api svg.bars")
    expect(bars).to_have_attribute("role", "img")
    expect(bars.locator("rect")).to_have_count(90)
    expect(bars.locator("title").first).to_contain_text("uptime over the past 90 days")
    expect(page.locator("a[href='/status/feed.atom']").first).to_be_visible()
    screenshot(page, "status-page")

"""Chromium signs in through the fake Sign in with Slack (its person picker) and reads
``/insights`` over a seeded year: the charts are images with their tables beside them, the scope
filter applies, and a chart's CSV downloads (screenshot in docs/insights.md)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from tests.browser import WAIT_MS, open_served
from tests.e2e import test_webapp as webapp
from tests.e2e.conftest import ONCALL, Bot
from tests.insights.history import generate, insert_history
from tests.sandbox.browser.conftest import VIEWPORT, screenshot

web, web_settings = webapp.web, webapp.web_settings


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)  # type: ignore[arg-type]
    opened = context.new_page()
    opened.set_default_timeout(WAIT_MS)
    yield opened
    context.close()


def test_sign_in_and_read_the_insights(page: Page, web: Bot, engine: Engine) -> None:
    history = generate(seed=16)
    insert_history(engine, history)
    shown = [i for i in history.incidents if not i["private"]]

    open_served(page, f"{web.url}/insights?since=2025-01-01&until=2025-12-31")
    expect(page.get_by_role("heading", name=re.compile("Sign in to"))).to_be_visible()
    olivia = web.slack.state.user(ONCALL)
    page.get_by_role("button", name=olivia.real_name).click()

    expect(page.get_by_role("heading", name="Insights", exact=True)).to_be_visible()
    expect(page.locator("#scope")).to_contain_text(f"{len(shown):,} incidents declared")
    expect(page.get_by_role("link", name="Insights")).to_be_visible()  # in the nav
    expect(page.get_by_role("img", name="MTTR by month")).to_be_visible()
    expect(page.get_by_role("img", name="Incidents by severity per month")).to_be_visible()
    expect(page.locator("#mttx-month-table tbody tr")).to_have_count(12)
    screenshot(page, "insights-page")

    page.get_by_role("combobox", name="Service").select_option("search")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"service=search"))
    searched = sum(1 for i in shown if i["service"] == "search")
    expect(page.locator("#scope")).to_contain_text(f"{searched:,} incidents declared")
    expect(page.locator("#mttx-service-table tbody tr")).to_have_count(1)

    section = page.locator("#severity-month")
    with page.expect_download() as waiting:
        section.get_by_role("link", name="Download CSV").click()
    download = waiting.value
    assert download.suggested_filename == "warroom-severity-month-2025-01-01-2025-12-31.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Month,SEV1,SEV2,SEV3,SEV4,Total"
    assert sum(int(line.split(",")[-1]) for line in lines[1:]) == searched

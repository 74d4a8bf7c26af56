"""Chromium signs in to the web app of ``warroom dev`` through the sandbox's fake Sign in with
Slack (its person picker), filters the incident list and opens an incident."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser import open_served
from tests.e2e.conftest import eventually
from tests.sandbox.browser.conftest import screenshot
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.seed import GENERAL, ONCALL


def declare(sandbox: DevSandbox, text: str) -> str:
    before = {c.id for c in sandbox.emulator.state.conversations()}
    answer = sandbox.driver.slash_command(
        text=f"declare {text}", user_id=ONCALL, channel_id=GENERAL
    )
    assert answer.status_code == 200

    def created() -> str | None:
        return next(
            (
                c.name
                for c in sandbox.emulator.state.conversations()
                if c.id not in before and c.name.startswith("inc-")
            ),
            None,
        )

    return eventually(created, what="the incident channel")


def test_sign_in_filter_the_list_and_open_an_incident(page: Page, sandbox: DevSandbox) -> None:
    declare(sandbox, "Checkout latency high sev2 service:checkout-api")
    channel = declare(sandbox, "Search results empty sev1")
    number = channel.split("-")[1]

    open_served(page, f"{sandbox.url}/incidents")
    expect(page.get_by_role("heading", name=re.compile("Sign in to"))).to_be_visible()
    olivia = sandbox.emulator.state.user(ONCALL)
    page.get_by_role("button", name=olivia.real_name).click()

    expect(page.get_by_role("heading", name="Incidents", exact=True)).to_be_visible()
    expect(page.get_by_text(olivia.real_name)).to_be_visible()
    table = page.get_by_role("table")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two incidents

    page.get_by_label("Severity").select_option("SEV1")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"severity=SEV1"))
    expect(table.get_by_role("row")).to_have_count(2)
    expect(table.get_by_role("link", name="Search results empty")).to_be_visible()
    screenshot(page, "insights-incidents")

    table.get_by_role("link", name="Search results empty").click()
    expect(page).to_have_url(re.compile(rf"/incidents/{number}$"))
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("declared the incident (SEV1): Search results empty")
    expect(page.get_by_role("columnheader", name=olivia.tz).first).to_be_visible()
    # docs/screenshots/insights-incident.png comes from tests/e2e/test_webapp_incident_sections.py:
    # an incident with alerts, playbook runs and action items to show.

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Signed out")).to_be_visible()
    open_served(page, f"{sandbox.url}/incidents")
    expect(page.get_by_role("heading", name=re.compile("Sign in to"))).to_be_visible()

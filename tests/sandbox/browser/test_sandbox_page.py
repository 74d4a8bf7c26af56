"""The sandbox in a real browser: declare, click, fill a modal, react, as a newcomer would."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.sandbox.browser.conftest import screenshot
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.seed import GENERAL, LEAD, ONCALL

pytestmark = pytest.mark.browser


def open_page(page: Page, sandbox: DevSandbox, viewer: str = ONCALL) -> None:
    page.goto(f"{sandbox.url}/?as={viewer}&channel={GENERAL}")
    expect(page.locator("#region-header h1")).to_have_text("#general")


def send(page: Page, text: str) -> None:
    box = page.locator("#composer-text")
    box.fill(text)
    box.press("Enter")


def declare_and_open(page: Page, title: str, slug: str) -> Locator:
    """Declare from the composer; the channel appears in the sidebar; open it; return the card."""
    send(page, f"/incident declare {title} sev2")
    link = page.locator("#region-sidebar a", has_text=slug)
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#region-header h1")).to_contain_text(slug)
    card = page.locator(".msg.pinned")
    expect(card).to_contain_text(title)
    return card


def test_declare_from_the_composer_and_see_the_channel_appear(
    page: Page, sandbox: DevSandbox
) -> None:
    open_page(page, sandbox)
    send(page, "/incident declare Checkout latency high sev2 service:checkout-api")
    expect(page.locator("#region-messages")).to_contain_text("declared incident")
    link = page.locator("#region-sidebar a", has_text="checkout-latency-high")
    expect(link).to_be_visible()
    link.click()
    card = page.locator(".msg.pinned")
    expect(card).to_contain_text("Checkout latency high")
    expect(card.get_by_role("button", name="Resolve", exact=True)).to_be_visible()
    expect(page.locator("#region-header .topic")).to_contain_text("Investigating")
    screenshot(page, "sandbox-incident-channel")


def test_mitigate_and_resolve_through_their_confirm_dialogs(
    page: Page, sandbox: DevSandbox
) -> None:
    open_page(page, sandbox)
    card = declare_and_open(page, "Search results empty", "search-results-empty")
    card.get_by_role("button", name="Mitigate", exact=True).click()
    dialog = page.locator(".confirm")
    expect(dialog).to_contain_text("Mark mitigated?")
    screenshot(page, "sandbox-confirm-dialog")
    dialog.get_by_role("button", name="Yes").click()
    expect(card.locator(".bk-fields")).to_contain_text("Mitigated")
    card.get_by_role("button", name="Resolve", exact=True).click()
    page.locator(".confirm").get_by_role("button", name="Yes").click()
    expect(card.locator(".bk-fields")).to_contain_text("Resolved")
    expect(card.get_by_role("button", name="Reopen")).to_be_visible()
    expect(page.locator(".msg.pinned")).to_have_count(1)  # updated in place, not re-posted


def test_the_declare_modal_shows_the_bots_validation_error_then_declares(
    page: Page, sandbox: DevSandbox
) -> None:
    open_page(page, sandbox, viewer=LEAD)
    send(page, "/incident")
    modal = page.locator("form.modal")
    expect(modal).to_contain_text("Declare incident")
    title = modal.locator('[data-block-id="title"] input')
    title.fill("   ")
    modal.get_by_role("button", name="Declare").click()
    expect(modal.locator(".bk-error")).to_contain_text("a title is required")
    expect(title).to_have_value("   ")  # what was typed survives the error
    screenshot(page, "sandbox-modal-validation")
    title.fill("Payments failing")
    modal.locator('[data-block-id="severity"] select').select_option("SEV1")
    modal.locator('[data-block-id="description"] textarea').fill("Card payments time out.")
    modal.get_by_role("button", name="Declare").click()
    expect(page.locator("form.modal")).to_have_count(0)
    link = page.locator("#region-sidebar a", has_text="payments-failing")
    expect(link).to_be_visible()
    link.click()
    expect(page.locator(".msg.pinned")).to_contain_text("SEV1")


def test_a_pushpin_reaction_grows_the_timeline(page: Page, sandbox: DevSandbox) -> None:
    open_page(page, sandbox)
    declare_and_open(page, "Cache stampede", "cache-stampede")
    send(page, "Hit ratio fell to 3% at 09:12")
    message = page.locator(".msg", has_text="Hit ratio fell to 3%").last
    expect(message).to_be_visible()
    message.hover()
    message.locator(".tool.react").click()
    page.locator('.floating [data-pick="pushpin"]').click()
    expect(message.locator('.reaction[data-reaction="pushpin"]')).to_be_visible()
    expect(message.locator('.reaction[data-reaction="white_check_mark"]')).to_be_visible()
    send(page, "/incident timeline")
    timeline = page.locator(".msg.ephemeral", has_text="Timeline of incident")
    expect(timeline).to_contain_text("Hit ratio fell to 3%")
    timeline.scroll_into_view_if_needed()
    screenshot(page, "sandbox-timeline")


def test_the_bot_being_down_is_shown_and_recovers(page: Page, sandbox: DevSandbox) -> None:
    open_page(page, sandbox)
    page.get_by_role("button", name="Stop bot").click()
    expect(page.locator("#region-banners")).to_contain_text("warroom is not answering")
    send(page, "/incident help")
    expect(page.locator(".msg.slackbot")).to_contain_text(re.compile("failed with the error"))
    page.get_by_role("button", name="Start bot").click()
    expect(page.locator("#region-status")).to_contain_text("online")
    expect(page.locator("#region-banners")).not_to_contain_text("not answering")
    send(page, "/incident help")
    expect(page.locator(".msg.ephemeral.from-bot").last).to_contain_text("/incident declare")

"""Playbooks and post-mortems in ``warroom dev``, tried the way a newcomer tries them.

Everything a person does goes through the page's action API as the browser sends it (a click
carries the button's ``action_id``, ``block_id`` and ``value``; a modal is submitted by its view
id). The flag change lands in the sandbox's LaunchDarkly fake, and what people see is read from
the channel, the page's regions and the fake itself. The browser tests render the checklist and
the post-mortem review page in Chromium and save the screenshots the docs show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.sandbox.browser import conftest as browser_fixtures
from tests.sandbox.browser.conftest import screenshot
from tests.sandbox.test_dev_sandbox import act, state, type_line
from tests.sandbox.waiting import eventually
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.dev_providers import ENVIRONMENT, FLAG
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.seed import GENERAL, ONCALL

page = browser_fixtures.page  # a Chromium page as tests/sandbox/browser opens them

SERVICE = "checkout-api"  # config/services.yaml lists feature-flag-disable and scale-up for it
PLAYBOOK = "feature-flag-disable"
CHECKLIST_HEADER = "Playbook: Disable a feature flag"
FLAG_STEP = "Turn the flag off"


# --- what a person does -------------------------------------------------------------------------


def declare(dev: DevSandbox, title: str) -> Channel:
    """Declare a SEV2 of checkout-api from #general; return its channel once the card is pinned."""
    answer = type_line(dev, ONCALL, GENERAL, f"/incident declare {title} sev2 service:{SERVICE}")
    assert answer["ok"], answer
    slug = "-".join(title.lower().split())

    def created() -> Channel | None:
        ws = dev.emulator.state
        found = [c for c in ws.conversations() if c.name.endswith(f"-{slug}") and ws.pins(c.id)]
        return found[0] if found else None

    return eventually(created, f"the channel of {title!r} with its pinned card")


def say(dev: DevSandbox, channel: Channel, line: str) -> None:
    answer = type_line(dev, ONCALL, channel.id, line)
    assert answer["ok"], answer


def posted(dev: DevSandbox, channel: Channel, text: str) -> Message:
    """The latest message in the channel containing ``text`` (waits for it)."""

    def find() -> Message | None:
        found = [m for m in dev.emulator.state.messages(channel.id) if text in m.all_text]
        return found[-1] if found else None

    return eventually(find, f"a message saying {text!r} in #{channel.name}")


def told(dev: DevSandbox, channel: Channel, text: str) -> str:
    """The latest private answer to the on-call in ``channel`` containing ``text``."""

    def find() -> str | None:
        answers = dev.emulator.state.ephemerals(ONCALL, channel_id=channel.id)
        found = [e.all_text for e in answers if text in e.all_text]
        return found[-1] if found else None

    return eventually(find, f"a private answer saying {text!r}")


def button_under(message: Message, section_text: str, label: str) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the button labelled ``label`` that belongs to the section saying
    ``section_text``: its accessory, or the first actions block after it (a checklist step)."""
    blocks = message.blocks
    for index, block in enumerate(blocks):
        if section_text not in json.dumps(block.get("text") or {}):
            continue
        following = [block.get("accessory")] + [
            element
            for later in blocks[index + 1 : index + 2]
            if later["type"] == "actions"
            for element in later["elements"]
        ]
        for element in following:
            if element and element.get("text", {}).get("text") == label:
                owner = block if element is block.get("accessory") else blocks[index + 1]
                return str(owner["block_id"]), element
    raise AssertionError(f"no {label!r} button under {section_text!r} in: {message.all_text}")


def click(dev: DevSandbox, message: Message, section_text: str, label: str) -> None:
    """Click a button the way the page does: its action_id, block_id and value."""
    block_id, element = button_under(message, section_text, label)
    answer = act(
        dev,
        "click",
        **{
            "as": ONCALL,
            "channel": message.channel,
            "ts": message.ts,
            "action_id": element["action_id"],
            "block_id": block_id,
            "value": element.get("value"),
        },
    )
    assert answer["ok"], answer


def confirm_run(dev: DevSandbox, title: str, submit: str) -> dict[str, Any]:
    """Wait for the confirmation modal to show its plan, press ``submit``; return the modal."""

    def ready() -> dict[str, Any] | None:
        views = dev.emulator.state.open_views(ONCALL)
        plan = views[-1] if views else None
        return plan if plan and "*After*" in json.dumps(plan["blocks"]) else None

    view = eventually(ready, f"the confirmation of {title!r} with what will change")
    assert view["title"]["text"] == title
    assert view["submit"]["text"] == submit
    answer = act(dev, "submit", **{"as": ONCALL, "view_id": view["id"], "values": {}})
    assert answer["ok"], answer
    assert dev.emulator.state.open_views(ONCALL) == []
    return view


def launchdarkly(dev: DevSandbox) -> FakeLaunchDarkly:
    assert dev.providers is not None
    fake = dev.providers.started["LaunchDarkly"]
    assert isinstance(fake, FakeLaunchDarkly)
    return fake


def flag_is(dev: DevSandbox, on: bool) -> Callable[[], bool]:
    return lambda: launchdarkly(dev).is_on("default", FLAG, ENVIRONMENT) is on


def flag_on_in_production(dev: DevSandbox) -> None:
    """The flag on, as the sandbox seeds it: tests of this module share one sandbox."""
    launchdarkly(dev).set_flag("default", FLAG, {ENVIRONMENT: True})


def run_the_flag_step(dev: DevSandbox, channel: Channel) -> Message:
    """Start feature-flag-disable, Run "Turn the flag off", confirm; return the checklist."""
    flag_on_in_production(dev)
    say(dev, channel, f"/incident playbook {PLAYBOOK}")
    checklist = posted(dev, channel, CHECKLIST_HEADER)
    click(dev, checklist, FLAG_STEP, "Run")
    plan = confirm_run(dev, "Run step", "Run")
    assert f"`{FLAG}`" in json.dumps(plan["blocks"])
    eventually(flag_is(dev, on=False), f"{FLAG} to be off in LaunchDarkly's {ENVIRONMENT}")
    return checklist


def draft_link(dev: DevSandbox, channel: Channel) -> str:
    """The summary message's "Open draft" URL."""
    summary = posted(dev, channel, "Post-mortem: incident #")
    buttons = [
        e for b in summary.blocks if b["type"] == "actions" for e in b["elements"] if e.get("url")
    ]
    assert [b["text"]["text"] for b in buttons] == ["Open draft"]
    return str(buttons[0]["url"])


# --- the flag playbook over HTTP ----------------------------------------------------------------


def test_a_newcomer_turns_a_flag_off_with_a_playbook_and_undoes_it(dev: DevSandbox) -> None:
    channel = declare(dev, "Checkout errors")

    say(dev, channel, "/incident playbook")
    offered = told(dev, channel, "Playbooks for this incident")
    assert f"`{PLAYBOOK}`" in offered
    assert "`scale-up`" in offered

    checklist = run_the_flag_step(dev, channel)
    result = posted(dev, channel, f"ran *{FLAG_STEP}*")
    assert f"`{FLAG}`" in result.all_text
    assert "on -> off" in result.all_text

    def step_succeeded() -> bool:
        text = dev.emulator.state.message(channel.id, checklist.ts).all_text
        return "*1/4* steps finished" in text and "_Ran by <@U0ONCALL>" in text

    eventually(step_succeeded, "the checklist to show the step ran")
    page_messages = state(dev, ONCALL, channel.id)["regions"]["messages"]
    assert "Ran by" in page_messages
    assert 'data-block-id="step:disable-flag"' not in page_messages  # its buttons are gone

    say(dev, channel, "/incident timeline")
    timeline = told(dev, channel, "Timeline of incident")
    assert f"ran step {FLAG_STEP} ({PLAYBOOK})" in timeline
    assert "on -> off" in timeline

    say(dev, channel, "/incident mitigate")
    offer = posted(dev, channel, "Undo playbook changes?")
    click(dev, offer, FLAG_STEP, "Run undo")
    confirm_run(dev, "Undo step", "Run undo")
    eventually(flag_is(dev, on=True), f"{FLAG} to be on again in LaunchDarkly's {ENVIRONMENT}")
    posted(dev, channel, f"undid *{FLAG_STEP}*")
    eventually(
        lambda: "Undone by" in dev.emulator.state.message(channel.id, checklist.ts).all_text,
        "the checklist to show the undo",
    )


def test_the_post_mortems_open_draft_link_opens_on_the_sandboxs_port(dev: DevSandbox) -> None:
    channel = declare(dev, "Checkout timeouts")
    say(dev, channel, "/incident resolve Rolled back the release")
    offer = posted(dev, channel, "Draft the blameless post-mortem")
    click(dev, offer, "Draft the blameless post-mortem", "Draft the post-mortem")
    link = draft_link(dev, channel)
    assert link.startswith(f"{dev.url}/postmortems/")
    review = httpx.get(link, timeout=30)
    assert review.status_code == 200
    assert "Checkout timeouts" in review.text
    assert httpx.get(link.replace("sig=", "sig=0"), timeout=30).status_code == 403


# --- in Chromium --------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_playbook_checklist_in_the_browser(page: Page, dev: DevSandbox) -> None:
    flag_on_in_production(dev)
    page.goto(f"{dev.url}/?as={ONCALL}&channel={GENERAL}")
    box = page.locator("#composer-text")
    box.fill(f"/incident declare Cart totals wrong sev2 service:{SERVICE}")
    box.press("Enter")
    page.locator("#region-sidebar a", has_text="cart-totals-wrong").click()
    expect(page.locator(".msg.pinned")).to_contain_text("Cart totals wrong")
    box.fill(f"/incident playbook {PLAYBOOK}")
    box.press("Enter")
    checklist = page.locator(".msg", has_text=CHECKLIST_HEADER)
    expect(checklist).to_contain_text("0/4")
    checklist.locator('[data-block-id="step:confirm-blast-radius"]').get_by_role(
        "button", name="Done"
    ).click()
    expect(checklist).to_contain_text("1/4")
    checklist.locator('[data-block-id="step:disable-flag"]').get_by_role(
        "button", name="Run", exact=True
    ).click()
    modal = page.locator("form.modal")
    expect(modal).to_contain_text("Check what will change")
    modal.get_by_role("button", name="Run", exact=True).click()
    expect(page.locator("form.modal")).to_have_count(0)
    expect(checklist).to_contain_text("2/4")
    expect(checklist).to_contain_text("Ran by")
    assert not launchdarkly(dev).is_on("default", FLAG, ENVIRONMENT)
    expect(page.locator(".msg.pinned")).to_contain_text("feature-flag-disable 2/4")
    checklist.evaluate("message => message.scrollIntoView({block: 'start'})")  # its header
    screenshot(page, "sandbox-playbook-checklist")


@pytest.mark.browser
def test_the_post_mortem_review_page_in_the_browser(page: Page, dev: DevSandbox) -> None:
    channel = declare(dev, "Checkout double charges")
    run_the_flag_step(dev, channel)
    say(dev, channel, "/incident note Double charges came only from the new checkout flow")
    say(dev, channel, "/incident resolve Flag off, refunds issued")
    say(dev, channel, "/incident postmortem")
    response = page.goto(draft_link(dev, channel))
    assert response is not None
    assert response.status == 200
    draft = page.locator("article#draft")
    for heading in ("Summary", "Impact", "Key clocks", "Playbooks", "Action items", "Timeline"):
        expect(draft.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(draft).to_contain_text(FLAG_STEP)
    expect(page.locator("header")).to_contain_text("Checkout double charges")
    screenshot(page, "postmortem-review-page")

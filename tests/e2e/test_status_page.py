"""The customer-facing half of status updates and the built-in status page, end to end: updates
written in the modal (or with ``--public``), previewed, published, and read over HTTP from
``/status``, ``/status.json`` and ``/status/feed.atom`` as customers would."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree as ET

import httpx

from tests.e2e.conftest import BOB, ONCALL, Bot, eventually
from tests.e2e.test_interactions import open_view

ATOM = "{http://www.w3.org/2005/Atom}"
_VOID = {"meta", "link", "br", "img", "input", "hr", "rect"}


class Page(HTMLParser):
    """The page's text and tags, checking every element it opens is closed in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        assert self.open[-1:] == [tag], f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))


def read_page(bot: Bot) -> Page:
    response = httpx.get(f"{bot.url}/status", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = Page()
    page.feed(response.text)
    page.close()
    assert page.open == [], f"unclosed: {page.open}"
    assert "script" not in page.tags  # works without JavaScript: there is none
    return page


def status(bot: Bot) -> dict[str, Any]:
    response = httpx.get(f"{bot.url}/status.json", timeout=10)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def component(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["components"] if c["name"] == name)


def publish_from_modal(bot: Bot, channel_id: str, values: dict[str, Any]) -> dict[str, Any]:
    """Open the update modal from the card, submit ``values``; return the pushed preview."""
    card = bot.card(channel_id)
    bot.driver.block_action(ONCALL, channel_id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    answer = bot.driver.view_submission(ONCALL, view, values)
    assert answer.json()["response_action"] == "push", answer.json()
    return open_view(bot, ONCALL, "post_update_preview")


def test_a_published_update_shows_on_the_status_page_until_resolved(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    assert component(status(bot), "checkout-api")["status"] == "operational"

    preview = publish_from_modal(
        bot,
        channel.id,
        {
            "text": {"value": "Primary DB on pg-07 OOM, failing over"},
            "public": {"value": "Some card payments fail; we are working on it."},
            "publish": {"value": "publish"},
        },
    )
    shown = " ".join(str(b) for b in preview["blocks"])
    assert "what the public will see" in shown
    assert "Some card payments fail; we are working on it." in shown
    assert "checkout-api*: partial outage" in shown
    assert "Primary DB on pg-07 OOM" in shown  # the internal half, marked as such
    # Nothing is published before Publish is pressed.
    assert not status(bot)["incidents"]

    bot.driver.view_submission(ONCALL, preview, {})
    bot.posted(channel.id, "posted a status update: Primary DB on pg-07 OOM, failing over")
    bot.posted(channel.id, "published on the status page (checkout-api): Some card payments fail")

    data = eventually(
        lambda: (d := status(bot))["incidents"] and d, what="the incident on /status.json"
    )
    assert component(data, "checkout-api")["status"] == "partial outage"
    assert data["status"] == "partial outage"
    [incident] = data["incidents"]
    assert [u["text"] for u in incident["updates"]] == [
        "Some card payments fail; we are working on it."
    ]
    page = " ".join(read_page(bot).text)
    assert "partial outage" in page
    assert "Some card payments fail; we are working on it." in page
    assert "pg-07" not in page
    assert "Checkout down" not in page

    bot.command(channel, "resolve")
    data = eventually(
        lambda: (d := status(bot))["history"] and d, what="the incident in the history"
    )
    assert component(data, "checkout-api")["status"] == "operational"
    assert data["incidents"] == []
    [past] = data["history"]
    assert past["resolved_at"]
    assert past["duration_seconds"] >= 0
    page = " ".join(read_page(bot).text)
    assert "All systems operational" in page
    assert "lasted" in page
    assert "Past incidents" in page

    feed = httpx.get(f"{bot.url}/status/feed.atom", timeout=10)
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    [entry] = root.findall(f"{ATOM}entry")
    assert "resolved" in (entry.findtext(f"{ATOM}title") or "")
    assert "Some card payments fail" in (entry.findtext(f"{ATOM}content") or "")
    assert root.findtext(f"{ATOM}updated")


def test_an_internal_update_never_reaches_the_status_page(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    bot.command(channel, "update Rolled back the deploy")
    bot.posted(channel.id, "posted a status update: Rolled back the deploy")
    # A customer-facing text without choosing to publish is pointed out, not sent.
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    refused = bot.driver.view_submission(
        ONCALL, view, {"text": {"value": "Still rolling"}, "public": {"value": "Degraded"}}
    )
    assert "Choose Yes to publish" in refused.json()["errors"]["publish"]

    data = status(bot)
    assert component(data, "checkout-api")["status"] == "operational"
    assert data["incidents"] == []
    assert data["history"] == []
    assert "Rolled back" not in " ".join(read_page(bot).text)


def test_the_modal_names_an_unknown_component_and_a_missing_text(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    card = bot.card(channel.id)
    bot.driver.block_action(ONCALL, channel.id, card.ts, "incident_open_update", value="1")
    view = open_view(bot, ONCALL, "post_update")
    base = {"text": {"value": "Failing over"}, "publish": {"value": "publish"}}
    missing = bot.driver.view_submission(ONCALL, view, base)
    assert missing.json()["errors"] == {"public": "Write what customers will see."}
    unknown = bot.driver.view_submission(
        ONCALL,
        view,
        {**base, "public": {"value": "Slow"}, "components": {"value": "checkout-apl"}},
    )
    error = unknown.json()["errors"]["components"]
    assert "`checkout-apl` is not a component" in error
    assert "checkout-api" in error


def test_slash_public_opens_the_preview_and_a_non_member_cannot_publish(bot: Bot) -> None:
    channel = bot.declare("Checkout down sev3 service:checkout-api")
    bot.command(channel, "update Cache warmed --public Checkout is slower than usual")
    preview = open_view(bot, ONCALL, "post_update_preview")
    assert "Checkout is slower than usual" in str(preview["blocks"])
    assert "degraded performance" in str(preview["blocks"])
    assert status(bot)["incidents"] == []  # the command alone publishes nothing

    bot.driver.view_submission(BOB, preview, {})  # BOB is not in the incident channel
    bot.driver.view_submission(ONCALL, preview, {})
    data = eventually(lambda: (d := status(bot))["incidents"] and d, what="the published update")
    assert component(data, "checkout-api")["status"] == "degraded performance"
    [incident] = data["incidents"]
    assert len(incident["updates"]) == 1

"""Private incidents end to end: `/incident declare --private` makes a private channel that
only its members see; the incident is never announced, and it stays off the public surfaces."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.e2e import test_webapp as webapp
from tests.e2e.conftest import (
    BOB,
    CONFIG_DIR,
    GENERAL,
    MANAGER,
    ONCALL,
    Bot,
    eventually,
    metrics_showing,
)
from tests.e2e.test_idempotent_writes import settled
from tests.e2e.test_interactions import open_view
from tests.e2e.test_oncall import WEDNESDAY_9, handoff_dms, pin
from tests.postmortem import test_e2e_review as review
from warroom_sandbox.errors import ApiError
from warroom_sandbox.model import Channel
from warroom_sandbox.seed import BOT_USER_ID

# The web app's fixtures: the bot with Sign in with Slack on the fake, and a browser-like client.
web, web_settings, http = webapp.web, webapp.web_settings, webapp.http

ANNOUNCEMENTS = """
announcements:
  channels: ["#incidents"]
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "announcements.yaml").write_text(ANNOUNCEMENTS)
    return folder


def declare_private(bot: Bot, text: str = "Payroll data exposed sev1") -> Channel:
    return bot.declare(f"{text} --private")


def test_a_private_incident_gets_a_private_channel_and_no_announcement(bot: Bot) -> None:
    incidents = bot.slack.state.create_channel("incidents", MANAGER, members=[BOT_USER_ID])
    channel = declare_private(bot)
    assert channel.is_private
    assert set(channel.members) == {BOT_USER_ID, ONCALL}
    bot.said_to(ONCALL, "declared incident #1")  # the declarer still hears where it lives
    # A non-member can neither see nor join it; nobody joins a private channel, even a member.
    with pytest.raises(ApiError, match="channel_not_found"):
        bot.slack.state.join(channel.id, MANAGER)
    slack = WebClient(token="xoxb-e2e", base_url=bot.slack.api_url)
    with pytest.raises(SlackApiError, match="method_not_supported_for_channel_type"):
        slack.conversations_join(channel=channel.id)

    public = bot.declare("Checkout latency high sev2")  # a public one is announced...
    eventually(
        lambda: any("incident #2" in m.all_text for m in bot.slack.state.messages(incidents.id)),
        what="the public incident's announcement",
    )
    bot.command(channel, "update Rotated the leaked keys")
    bot.command(public, "update Rolled back")
    bot.posted(channel.id, "Rotated the leaked keys")
    texts = [m.all_text for m in bot.slack.state.messages(incidents.id)]
    assert not any("incident #1" in t.lower() or "Payroll" in t for t in texts)  # ...never this


def test_a_private_incident_stays_off_the_status_page_and_metrics_labels(bot: Bot) -> None:
    channel = declare_private(bot, "Payroll data exposed sev1 service:checkout-api")
    bot.command(channel, "update Keys rotated --public Payroll data was exposed")
    bot.said_to(ONCALL, "incident #1 is private: it is never published on a status page")
    assert not bot.slack.state.open_views(ONCALL)  # no preview to publish from

    data = httpx.get(f"{bot.url}/status.json", timeout=10).json()
    assert data["incidents"] == []
    assert {c["status"] for c in data["components"]} == {"operational"}
    for path in ("/status", "/status/feed.atom"):
        assert "Payroll" not in httpx.get(f"{bot.url}{path}", timeout=10).text

    # Counted by status and severity like any incident, with no label naming it or its service
    # (the configured service's clock histograms are there, at zero, whatever happens).
    counted = 'warroom_incidents{severity="SEV1",status="investigating"} 1.0'
    metrics = metrics_showing(bot.url, counted)
    assert "Payroll" not in metrics
    assert not [
        line
        for line in metrics.splitlines()
        if 'service="checkout-api"' in line and not line.endswith(" 0.0")
    ]


def test_a_private_incident_is_left_out_of_the_oncall_handoff_brief(bot: Bot) -> None:
    pin(bot, WEDNESDAY_9 - timedelta(minutes=32))
    channel = declare_private(bot)
    bot.command(channel, "action Tell legal")
    bot.posted(channel.id, "added an action item: Tell legal")
    bot.declare("Checkout latency high sev2")
    bot.clock.advance(timedelta(minutes=3))  # 29 minutes before the handoff
    outgoing = eventually(lambda: handoff_dms(bot, ONCALL), what="the outgoing DM")[0]
    assert "*Open incidents* (1)" in outgoing
    assert "#2 SEV2 Checkout latency high" in outgoing
    assert "Payroll" not in outgoing
    assert "Tell legal" not in outgoing


def test_a_non_member_naming_a_private_incident_is_refused(bot: Bot) -> None:
    channel = declare_private(bot)
    refusal = "incident #1 is private: only members of its channel can see or act on it"
    for text in ("status 1", "timeline 1", "follow 1"):
        bot.driver.slash_command(text=text, user_id=MANAGER, channel_id=GENERAL)
    eventually(
        lambda: (
            len([r for r in bot.slack.state.responses(user_id=MANAGER) if refusal in r.all_text])
            == 3
        ),
        what="three refusals",
    )
    assert not [m for m in bot.slack.state.dm_messages(MANAGER) if "Payroll" in m.all_text]
    # A member may name it from anywhere; a public incident is anyone's to look at.
    bot.driver.slash_command(text="status 1", user_id=ONCALL, channel_id=GENERAL)
    bot.said_to(ONCALL, "Payroll data exposed")
    bot.declare("Checkout latency high sev2")
    bot.driver.slash_command(text="status 2", user_id=MANAGER, channel_id=GENERAL)
    bot.said_to(MANAGER, "Checkout latency high")
    assert channel.is_private


def test_the_web_app_shows_a_private_incident_only_to_its_members(
    web: Bot, http: httpx.Client
) -> None:
    declare_private(web)
    web.declare("Checkout latency high sev2")
    webapp.sign_in(http, web, MANAGER)  # not in the private channel
    listing = http.get(f"{web.url}/incidents")
    assert webapp._numbers(listing.text) == [2]
    assert "Payroll" not in listing.text
    page = http.get(f"{web.url}/incidents/1")
    assert page.status_code == 403
    assert "Incident 1 is private" in page.text
    assert "Payroll" not in page.text

    http.cookies.clear()
    webapp.sign_in(http, web, ONCALL)  # the declarer, a member
    assert webapp._numbers(http.get(f"{web.url}/incidents").text) == [2, 1]
    page = http.get(f"{web.url}/incidents/1")
    assert page.status_code == 200
    assert "Payroll data exposed" in page.text


def test_the_declare_modal_has_a_private_checkbox(bot: Bot) -> None:
    bot.driver.slash_command(text="", user_id=ONCALL, channel_id=GENERAL)
    view = open_view(bot, ONCALL, "declare_incident")
    values = {"title": {"value": "Payroll data exposed"}, "private": {"value": ["private"]}}
    bot.driver.view_submission(ONCALL, view, values)
    channel = bot.incident_channel("inc-1-payroll-data-exposed")
    assert channel.is_private


def test_followers_who_leave_the_private_channel_hear_no_more(bot: Bot) -> None:
    channel = declare_private(bot)
    bot.slack.state.invite(channel.id, ONCALL, [MANAGER, BOB])
    for user in (ONCALL, MANAGER, BOB):
        bot.command(channel, "follow", user=user)
        bot.said_to(user, "You follow incident #1")
    bot.command(channel, "update Rotated the leaked keys")
    eventually(
        lambda: all(dms(bot, u, "Rotated the leaked keys") for u in (ONCALL, MANAGER, BOB)),
        what="every follower's DM",
    )

    assert bot.slack.state.leave(channel.id, MANAGER)  # leaves on their own
    assert bot.slack.state.leave(channel.id, BOB, remover=ONCALL)  # is removed
    bot.command(channel, "update Told the payroll provider")
    eventually(lambda: dms(bot, ONCALL, "Told the payroll provider"), what="a member's DM")
    eventually(lambda: settled(bot), what="every DM timer to finish")
    assert dms(bot, MANAGER, "Told the payroll provider") == []
    assert dms(bot, BOB, "Told the payroll provider") == []

    bot.slack.state.invite(channel.id, ONCALL, [MANAGER])  # back in: hears the next change
    bot.command(channel, "update Customers notified")
    eventually(lambda: dms(bot, MANAGER, "Customers notified"), what="Maya's DM, back in")
    eventually(lambda: settled(bot), what="every DM timer to finish")
    assert dms(bot, BOB, "Customers notified") == []


def dms(bot: Bot, user: str, fragment: str) -> list[str]:
    return [m.all_text for m in bot.slack.state.dm_messages(user) if fragment in m.all_text]


def test_a_private_incidents_post_mortem_page_is_for_its_members(
    web: Bot, http: httpx.Client
) -> None:
    channel = declare_private(web)
    url = review.page_url(web, review.draft(web, channel))
    path = url.removeprefix(web.url)

    signed_out = http.get(url)  # the signed link is not enough: sign in first, then back here
    assert signed_out.status_code == 303
    assert signed_out.headers["location"].startswith("/auth/slack/signin?next=")
    back = http.get(webapp.choose(http, webapp.start(http, web, path), MANAGER))
    assert back.headers["location"] == path
    refused = http.get(url)  # Maya is not in the private channel
    assert refused.status_code == 403
    assert "Incident 1 is private" in refused.text
    assert "Payroll" not in refused.text

    http.cookies.clear()
    webapp.sign_in(http, web, ONCALL)  # the declarer, a member
    page = http.get(url)
    assert page.status_code == 200
    assert "Payroll data exposed" in page.text

    public = web.declare("Checkout latency high sev2")  # a public one: the signed link suffices
    opened = httpx.get(review.page_url(web, review.draft(web, public)), timeout=20)
    assert opened.status_code == 200

"""People configured by email only appear by name, or as a mention once Slack resolved them,
never as a bare address or a raw Slack id: in the channel's announcements, on the card and
`/incident status`, in `/incident timeline`, in the page DM, in the post-mortem draft and in
the "Could not reach ..." line (issue 13).

Bob Builder is configured by email and is in the fake Slack (``users.lookupByEmail`` finds
U0BOB); Priya Patel is configured by email and is not in Slack at all, and her PagerDuty routing
key setting is unset, so she cannot be reached that way either. Maya Manager is in Slack but not
in users.yaml: the post-mortem (Markdown, where a mention cannot render) uses her Slack name.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import BOB, MANAGER, ONCALL, Bot, eventually
from tests.postmortem.test_e2e_review import draft, page_url
from warroom_sandbox.model import Channel

PRIYA_EMAIL = "priya@example.com"
# A Slack user id outside mention markup: what people must never read.
RAW_ID = re.compile(r"(?<![<@A-Z0-9])[UW]0[A-Z0-9]{2,}\b")
PAGED = f"Paged <@{BOB}>, Priya Patel (level 1, round 1)"
NOT_IN_SLACK = (
    "Could not reach Priya Patel via slack: Slack has no account with their email from users.yaml"
)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    (tmp_path / "users.yaml").write_text(f"""
users:
  - {{name: Olivia Oncall, slack_id: {ONCALL}}}
  - {{name: Bob Builder, email: bob@example.com}}
  - name: Priya Patel
    email: {PRIYA_EMAIL}
    notify: {{pagerduty: {{routing_key_setting: PD_KEY_NAMES_UNSET}}}}
""")
    (tmp_path / "schedules.yaml").write_text(f"""
schedules:
  - name: primary
    time_zone: UTC
    layers:
      - name: all-week
        users: [{PRIYA_EMAIL}]
        rotation_virtual_start: "2024-01-01 00:00"
        turn: weekly
""")
    (tmp_path / "escalation_policies.yaml").write_text(f"""
escalation_policies:
  - name: both
    levels:
      - {{delay_minutes: 10, targets: [{{user: bob@example.com}}, {{user: {PRIYA_EMAIL}}}]}}
""")
    (tmp_path / "services.yaml").write_text("""
services:
  - {name: checkout-api, escalation_policy: both}
""")
    return tmp_path


def paged(bot: Bot) -> Channel:
    channel = bot.declare("Checkout down sev1 service:checkout-api")
    bot.posted(channel.id, PAGED)
    bot.posted(channel.id, "Could not reach Priya Patel via pagerduty")
    return channel


def test_the_channel_card_and_status_name_people_configured_by_email(bot: Bot) -> None:
    channel = paged(bot)
    eventually(
        lambda: f"paged <@{BOB}>, Priya Patel; waiting" in bot.card(channel.id).all_text,
        what="the card's paging line naming both",
    )
    bot.command(channel, "status")
    status = bot.said_to(ONCALL, "*Paging*")
    assert f"paged <@{BOB}>, Priya Patel; waiting" in status
    seen = [m.all_text for m in bot.slack.state.messages(channel.id)] + [status]
    assert_named_only(seen)


def test_the_timeline_names_people_configured_by_email(bot: Bot) -> None:
    channel = paged(bot)
    bot.posted(channel.id, NOT_IN_SLACK)
    bot.command(channel, "timeline")
    timeline = bot.said_to(ONCALL, "Timeline of incident #1")
    assert PAGED in timeline
    assert "Could not reach Priya Patel via pagerduty" in timeline
    assert timeline.count(NOT_IN_SLACK) == 1  # said at once, not after retries
    assert_named_only([timeline])


def test_the_page_dm_shows_no_raw_ids(bot: Bot) -> None:
    paged(bot)
    dm = eventually(
        lambda: next(
            (m for m in bot.slack.state.dm_messages(BOB) if "You are paged" in m.all_text), None
        ),
        what="the page DM to Bob",
    )
    assert_named_only([dm.all_text])


def test_the_postmortem_draft_names_people_configured_by_email(bot: Bot) -> None:
    channel = paged(bot)
    message = draft(bot, channel)
    page = httpx.get(page_url(bot, message), timeout=30)
    assert page.status_code == 200
    assert "Paged Bob Builder, Priya Patel (level 1, round 1)" in page.text
    assert "Could not reach Priya Patel via pagerduty" in page.text
    assert_named_only([page.text])


def assert_named_only(texts: list[str]) -> None:
    for text in texts:
        assert PRIYA_EMAIL not in text, text
        assert "bob@example.com" not in text, text
        assert not RAW_ID.findall(text), text


def test_the_postmortem_names_people_outside_the_config_by_their_slack_name(bot: Bot) -> None:
    """Maya is in Slack but not in users.yaml: a mention would read as a raw id in Markdown."""
    channel = bot.declare("Checkout down sev1 service:checkout-api", user=MANAGER)
    message = draft(bot, channel, user=MANAGER)
    page = httpx.get(page_url(bot, message), timeout=30)
    assert page.status_code == 200
    assert "Declared by Maya Manager" in page.text
    assert "Maya Manager declared the incident (SEV1): Checkout down" in page.text
    assert_named_only([page.text])

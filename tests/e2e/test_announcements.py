"""Announcements end to end: one post per incident in #incidents (and the service's channel),
kept current in place, a new post on escalation, Join, and channels Slack refuses."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk import WebClient

from tests.e2e.conftest import BOB, CONFIG_DIR, GENERAL, MANAGER, ONCALL, Bot, eventually
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.seed import BOT_USER_ID

ANNOUNCEMENTS = """
announcements:
  channels: ["#incidents"]
  reannounce_at: sev1
  services:
    - service: checkout-api
      channels: ["#payments-incidents"]
      stakeholders: [maya@example.com, "@payments-leads", "@gone-group"]
      stakeholders_at: sev1
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "announcements.yaml").write_text(ANNOUNCEMENTS)
    return folder


def incidents_channel(bot: Bot, members: list[str] | None = None) -> Channel:
    return bot.slack.state.create_channel(
        "incidents", MANAGER, members=members if members is not None else [BOT_USER_ID]
    )


def announcements(bot: Bot, channel_id: str, count: int = 1) -> list[Message]:
    def found() -> list[Message] | None:
        posts = [
            m for m in bot.slack.state.messages(channel_id) if "incident #" in m.all_text.lower()
        ]
        return posts if len(posts) >= count else None

    return eventually(found, what=f"{count} announcement(s)")


def test_declaring_announces_once_and_updates_the_same_post(bot: Bot) -> None:
    incidents = incidents_channel(bot)
    channel = bot.declare("Checkout latency high sev2")
    bot.said_to(ONCALL, "declared incident #1")  # the ephemeral confirmation stays
    [post] = announcements(bot, incidents.id)
    text = post.all_text
    for shown in ("SEV2", "Checkout latency high", "investigating", f"<#{channel.id}>", "Join"):
        assert shown in text, shown

    bot.command(channel, "update Rolled back the deploy")
    eventually(
        lambda: "Rolled back the deploy" in bot.slack.state.messages(incidents.id)[-1].all_text,
        what="the update on the announcement",
    )
    bot.clock.advance(timedelta(minutes=42))
    bot.command(channel, "resolve Fixed")

    def resolved() -> Message | None:
        [current] = announcements(bot, incidents.id)
        return current if "lasted 42 min" in current.all_text else None

    current = eventually(resolved, what="the resolved announcement")
    assert current.ts == post.ts  # edited in place, never posted again
    assert "resolved" in current.all_text
    assert "Join" not in current.all_text
    assert len(announcements(bot, incidents.id)) == 1


def test_escalation_to_sev1_reannounces(bot: Bot) -> None:
    incidents = incidents_channel(bot)
    channel = bot.declare("Checkout latency high sev3")
    [first] = announcements(bot, incidents.id)
    bot.command(channel, "sev sev2")  # more severe, but below reannounce_at: edited in place
    eventually(lambda: "SEV2" in announcements(bot, incidents.id)[0].all_text, what="SEV2")
    assert len(announcements(bot, incidents.id)) == 1
    bot.command(channel, "sev sev1")
    posts = announcements(bot, incidents.id, count=2)
    assert posts[0].ts == first.ts
    assert "escalated to SEV1" in posts[1].all_text
    eventually(
        lambda: "newer post below" in announcements(bot, incidents.id, count=2)[0].all_text,
        what="the first post pointing at the new one",
    )
    bot.command(channel, "resolve Fixed")
    eventually(
        lambda: "lasted" in announcements(bot, incidents.id, count=2)[1].all_text,
        what="the newest announcement kept current",
    )


def test_service_channel_joined_when_the_bot_is_not_in_it(bot: Bot) -> None:
    incidents_channel(bot)
    own = bot.slack.state.create_channel("payments-incidents", MANAGER, members=[MANAGER])
    bot.declare("Checkout down sev2 service:checkout-api")
    [post] = announcements(bot, own.id)
    assert "checkout-api" in post.all_text
    assert BOT_USER_ID in bot.slack.state.channel(own.id).members


def test_join_invites_the_presser(bot: Bot) -> None:
    incidents = incidents_channel(bot, members=[BOT_USER_ID, BOB])
    channel = bot.declare("Checkout latency high sev2")
    [post] = announcements(bot, incidents.id)
    assert BOB not in bot.slack.state.channel(channel.id).members
    response = bot.driver.block_action(BOB, incidents.id, post.ts, "announcements.join", value="1")
    assert response.status_code == 200
    eventually(
        lambda: BOB in bot.slack.state.channel(channel.id).members, what="Bob in the channel"
    )
    bot.command(channel, "timeline")
    bot.said_to(ONCALL, "pressed Join on the announcement")


def test_an_archived_announcement_channel_is_reported_once(bot: Bot) -> None:
    incidents = incidents_channel(bot, members=[BOT_USER_ID, MANAGER])
    bot.slack.state.archive(incidents.id, MANAGER)
    channel = bot.declare("Checkout latency high sev2")
    bot.posted(channel.id, "cannot announce this incident in #incidents: channel_not_found")
    bot.command(channel, "update Still looking")
    bot.posted(channel.id, "posted a status update: Still looking")
    refusals = [m for m in bot.slack.state.messages(channel.id) if "cannot announce" in m.all_text]
    assert len(refusals) == 1
    assert "announcements.yaml" in refusals[0].all_text


def test_a_missing_announcement_channel_is_reported(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.posted(channel.id, "cannot announce this incident in #incidents: channel_not_found")


def follower_dms(bot: Bot, user: str, fragment: str) -> list[Message]:
    return [m for m in bot.slack.state.dm_messages(user) if fragment in m.all_text]


def test_follow_button_dms_updates_until_unfollow(bot: Bot) -> None:
    incidents = incidents_channel(bot, members=[BOT_USER_ID, BOB])
    channel = bot.declare("Checkout latency high sev2")
    [post] = announcements(bot, incidents.id)
    bot.driver.block_action(BOB, incidents.id, post.ts, "announcements.follow", value="1")
    bot.said_to(BOB, "You follow incident #1")
    bot.command(channel, "update Rolled back the deploy")
    eventually(
        lambda: follower_dms(bot, BOB, "update: Rolled back the deploy"), what="Bob's update DM"
    )
    bot.command(channel, "mitigate")
    eventually(
        lambda: follower_dms(bot, BOB, "status investigating -> mitigated"), what="the status DM"
    )
    bot.driver.slash_command(text="unfollow 1", user_id=BOB, channel_id=incidents.id)
    bot.said_to(BOB, "You no longer follow incident #1")
    bot.command(channel, "update Error rate back to normal")
    bot.posted(channel.id, "posted a status update: Error rate back to normal")
    bot.command(channel, "resolve")
    eventually(
        lambda: "lasted" in announcements(bot, incidents.id)[0].all_text, what="resolved post"
    )
    assert follower_dms(bot, BOB, "Error rate back to normal") == []
    assert follower_dms(bot, BOB, "resolved") == []
    assert len(follower_dms(bot, BOB, "update: Rolled back the deploy")) == 1  # once per change


def test_follow_command_in_the_channel_and_by_number(bot: Bot) -> None:
    incidents_channel(bot)
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "follow", user=MANAGER)
    bot.said_to(MANAGER, "You follow incident #1")
    bot.driver.slash_command(text="follow 1", user_id=BOB, channel_id=GENERAL)
    bot.said_to(BOB, "You follow incident #1")
    bot.driver.slash_command(text="follow 99", user_id=BOB, channel_id=GENERAL)
    bot.said_to(BOB, "incident #99 does not exist")
    bot.command(channel, "sev sev1")
    eventually(lambda: follower_dms(bot, MANAGER, "severity SEV2 -> SEV1"), what="Maya's DM")
    eventually(lambda: follower_dms(bot, BOB, "severity SEV2 -> SEV1"), what="Bob's DM")


def test_stakeholders_follow_once_their_service_is_severe_enough(bot: Bot) -> None:
    incidents_channel(bot)
    bot.slack.state.create_channel("payments-incidents", MANAGER, members=[BOT_USER_ID])
    slack = WebClient(token="xoxb-e2e", base_url=bot.slack.api_url)
    group = slack.usergroups_create(name="Payments leads", handle="payments-leads")["usergroup"]
    slack.usergroups_users_update(usergroup=group["id"], users=[BOB])
    channel = bot.declare("Checkout down sev2 service:checkout-api")
    bot.command(channel, "update Looking at the pods")
    bot.posted(channel.id, "posted a status update: Looking at the pods")
    assert follower_dms(bot, MANAGER, "Incident #1") == []  # SEV2: not yet
    bot.command(channel, "sev sev1")
    eventually(
        lambda: follower_dms(bot, MANAGER, "as a stakeholder of checkout-api"),
        what="Maya subscribed",
    )
    bot.command(channel, "update Failing over")
    eventually(lambda: follower_dms(bot, MANAGER, "update: Failing over"), what="her update DM")
    eventually(
        lambda: follower_dms(bot, BOB, "as a stakeholder of checkout-api"),
        what="Bob subscribed through @payments-leads",
    )
    bot.posted(channel.id, "the stakeholder group @gone-group in announcements.yaml does not exist")
    bot.command(channel, "update Failover done")
    eventually(lambda: follower_dms(bot, BOB, "update: Failover done"), what="Bob's update DM")


@pytest.mark.parametrize("search_fails", [False, True])
def test_a_post_slack_applied_but_answered_500_is_not_posted_twice(
    bot: Bot, search_fails: bool
) -> None:
    """Slack kept the post and answered 500; the retry finds it by its mark. With
    ``search_fails`` that search fails too, so the timer's run fails and its next run (a fresh
    claim, as after a crash) must still search before posting."""
    incidents = incidents_channel(bot)
    where = {"channel": incidents.id}
    bot.slack.fail("chat.postMessage", status=500, applied=True, match=where)
    if search_fails:
        bot.slack.fail("conversations.history", error="internal_error", match=where)
    channel = bot.declare("Checkout latency high sev2")
    announcements(bot, incidents.id)
    bot.command(channel, "update Rolled back the deploy")
    eventually(
        lambda: "Rolled back" in announcements(bot, incidents.id)[0].all_text, what="the update"
    )
    assert len(announcements(bot, incidents.id)) == 1
    assert len(bot.slack.calls("conversations.history")) >= (2 if search_fails else 1)


def test_an_edit_slack_fails_is_retried(bot: Bot) -> None:
    incidents = incidents_channel(bot)
    channel = bot.declare("Checkout latency high sev2")
    [post] = announcements(bot, incidents.id)
    bot.slack.fail("chat.update", 2, status=503, match={"channel": incidents.id})
    bot.command(channel, "mitigate")
    eventually(lambda: "mitigated" in announcements(bot, incidents.id)[0].all_text, what="the edit")
    assert [p.ts for p in announcements(bot, incidents.id)] == [post.ts]

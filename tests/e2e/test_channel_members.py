"""Who may change an incident from Slack: the members of its channel, as Slack says, remembered
briefly for members only (bot.kernel.slack.members) so a modal's ack needs no Slack round trip."""

from typing import Any

from bot.incidents.domain.events import UpdatePosted
from tests.e2e.conftest import BOB, ONCALL, Bot, eventually
from tests.e2e.test_interactions import open_view

NOT_A_MEMBER = "Only members of this incident channel can change the incident"


def update_modal(bot: Bot, channel_id: str, user: str) -> dict[str, Any]:
    card = bot.card(channel_id)
    bot.driver.block_action(user, channel_id, card.ts, "incident_open_update", value="1")
    return open_view(bot, user, "post_update")


def submit(bot: Bot, user: str, view: dict[str, Any], text: str) -> dict[str, Any]:
    """The ack's body: ``{}`` for an accepted update, else what the modal shows."""
    answer = bot.driver.view_submission(user, view, {"text": {"value": text}})
    assert answer.status_code == 200
    return answer.json() if answer.content else {}


def updates(bot: Bot, channel_id: str) -> list[str]:
    timeline = bot.app.incidents.view(channel_id).timeline
    return [e.payload.text for e in timeline if isinstance(e.payload, UpdatePosted)]


def members_calls(bot: Bot) -> int:
    return len(bot.slack.state.calls("conversations.members"))


def test_a_member_updating_twice_is_checked_with_slack_once(bot: Bot) -> None:
    channel = bot.declare()
    view = update_modal(bot, channel.id, ONCALL)
    before = members_calls(bot)
    assert submit(bot, ONCALL, view, "Failover started") == {}
    assert submit(bot, ONCALL, view, "Failover done, watching") == {}
    eventually(lambda: len(updates(bot, channel.id)) == 2, what="both updates stored")
    assert members_calls(bot) - before == 1


def test_someone_refused_who_then_joins_is_accepted_at_once(bot: Bot) -> None:
    channel = bot.declare()
    # The channel's members are remembered now, without Bob.
    assert submit(bot, ONCALL, update_modal(bot, channel.id, ONCALL), "Rolling back") == {}
    view = update_modal(bot, channel.id, BOB)

    refused = submit(bot, BOB, view, "DB failover done")
    assert NOT_A_MEMBER in refused["errors"]["text"]
    bot.slack.state.join(channel.id, BOB)
    assert submit(bot, BOB, view, "DB failover done") == {}

    eventually(lambda: "DB failover done" in updates(bot, channel.id), what="Bob's update")
    assert updates(bot, channel.id).count("DB failover done") == 1


def test_when_slack_cannot_say_a_non_member_is_told_and_nothing_changes(bot: Bot) -> None:
    channel = bot.declare()
    oncall_view = update_modal(bot, channel.id, ONCALL)
    assert submit(bot, ONCALL, oncall_view, "Rolling back") == {}
    view = update_modal(bot, channel.id, BOB)
    bot.slack.fail("conversations.members", error="fatal_error")

    refused = submit(bot, BOB, view, "All good now")
    assert "Slack refused this: fatal_error" in refused["errors"]["text"]
    # A member seen within the window is still trusted, without asking Slack.
    before = members_calls(bot)
    assert submit(bot, ONCALL, oncall_view, "Still rolling back") == {}
    assert members_calls(bot) == before
    eventually(lambda: "Still rolling back" in updates(bot, channel.id), what="the update")
    assert "All good now" not in updates(bot, channel.id)

"""A :pushpin: or the "Add to timeline" shortcut puts a message on the timeline, once."""

from datetime import UTC, datetime

from bot.incidents.domain.timeline import EventKind
from tests.e2e.conftest import GENERAL, LEAD, MANAGER, ONCALL, Bot, eventually


def added_messages(bot: Bot, channel_id: str) -> list[str]:
    timeline = bot.app.incidents.view(channel_id).timeline
    return [e.data["text"] for e in timeline if e.kind is EventKind.MESSAGE_ADDED]


def test_pushpin_adds_the_message_at_its_own_time_and_confirms(bot: Bot) -> None:
    channel = bot.declare()
    bot.slack.state.join(channel.id, LEAD)
    bot.slack.state.join(channel.id, MANAGER)
    message = bot.slack.state.post_as_user(LEAD, channel.id, "p99 is back under 300 ms")
    bot.driver.reaction_added(ONCALL, channel.id, message.ts)
    eventually(lambda: added_messages(bot, channel.id) == ["p99 is back under 300 ms"], what="pin")
    event = next(
        e for e in bot.app.incidents.view(channel.id).timeline if e.kind is EventKind.MESSAGE_ADDED
    )
    assert event.at == datetime.fromtimestamp(float(message.ts), tz=UTC)
    assert event.data["author"] == LEAD
    assert event.data["permalink"].endswith("/p" + message.ts.replace(".", ""))
    reacted = eventually(
        lambda: any(
            r.name == "white_check_mark"
            for r in bot.slack.state.message(channel.id, message.ts).reactions
        ),
        what="the bot's confirmation reaction",
    )
    assert reacted

    bot.driver.reaction_added(MANAGER, channel.id, message.ts)
    bot.driver.message_shortcut("add_to_timeline", MANAGER, channel.id, message.ts)
    bot.said_to(MANAGER, "already on the timeline")
    assert added_messages(bot, channel.id) == ["p99 is back under 300 ms"]


def test_a_retried_event_is_handled_once(bot: Bot) -> None:
    channel = bot.declare()
    bot.slack.state.join(channel.id, LEAD)
    bot.slack.state.join(channel.id, MANAGER)
    message = bot.slack.state.post_as_user(LEAD, channel.id, "rollback started")
    bot.driver.reaction_added(ONCALL, channel.id, message.ts, event_id="Ev0RETRY")
    eventually(lambda: added_messages(bot, channel.id), what="the pinned message")
    retry = bot.driver.event(
        {
            "type": "reaction_added", "user": ONCALL, "reaction": "pushpin", "item_user": LEAD,
            "item": {"type": "message", "channel": channel.id, "ts": message.ts},
        },
        event_id="Ev0RETRY",
        retry_num=1,
    )  # fmt: skip
    assert retry.status_code == 200
    assert len(bot.slack.state.calls("chat.getPermalink")) == 1


def test_shortcut_adds_a_message_and_refuses_outside_incident_channels(bot: Bot) -> None:
    channel = bot.declare()
    bot.slack.state.join(channel.id, LEAD)
    bot.slack.state.join(channel.id, MANAGER)
    message = bot.slack.state.post_as_user(LEAD, channel.id, "we are failing over to eu-west")
    bot.driver.message_shortcut("add_to_timeline", ONCALL, channel.id, message.ts)
    bot.said_to(ONCALL, "Added to the timeline.")
    assert added_messages(bot, channel.id) == ["we are failing over to eu-west"]

    elsewhere = bot.slack.state.post_as_user(LEAD, GENERAL, "lunch?")
    bot.driver.message_shortcut("add_to_timeline", ONCALL, GENERAL, elsewhere.ts)
    bot.said_to(ONCALL, "works in an incident channel")


def test_a_pin_outside_an_incident_channel_is_just_a_pin(bot: Bot) -> None:
    message = bot.slack.state.post_as_user(LEAD, GENERAL, "team photo")
    response = bot.driver.reaction_added(ONCALL, GENERAL, message.ts)
    assert response.status_code == 200
    assert bot.slack.state.calls("reactions.add") == []

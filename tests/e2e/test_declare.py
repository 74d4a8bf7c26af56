"""Declaring: the channel, its members, topic and pinned card, and the declarer's answer."""

from tests.e2e.conftest import ONCALL, Bot, eventually


def test_declare_creates_the_channel_with_topic_card_and_answer(bot: Bot) -> None:
    response = bot.driver.slash_command(text="declare Checkout latency high sev2", user_id=ONCALL)
    assert response.status_code == 200

    channel = bot.incident_channel("inc-1-checkout-latency-high")
    assert ONCALL in channel.members
    assert "SEV2" in channel.topic
    assert "Investigating" in channel.topic
    assert f"<@{ONCALL}>" in channel.topic
    card = bot.card(channel.id)
    assert "Incident #1: Checkout latency high" in card.all_text
    assert "Declared" in card.all_text
    answer = bot.said_to(ONCALL, "declared incident #1")
    assert f"<#{channel.id}>" in answer


def test_the_card_is_updated_in_place_on_every_change(bot: Bot) -> None:
    channel = bot.declare()
    card_ts = bot.card(channel.id).ts
    bot.command(channel, "sev sev1")

    def card_shows_sev1() -> bool:
        return "SEV1" in bot.card(channel.id).all_text

    eventually(card_shows_sev1, what="the card to show SEV1")
    assert bot.card(channel.id).ts == card_ts
    posts = [m for m in bot.slack.state.messages(channel.id) if "Incident #1" in m.all_text]
    assert len(posts) == 1
    eventually(lambda: "SEV1" in bot.slack.state.channel(channel.id).topic, what="topic SEV1")


def test_two_incidents_with_the_same_title_get_their_own_channels(bot: Bot) -> None:
    first = bot.declare("DB down sev1")
    second = bot.declare("DB down sev1")
    assert (first.name, second.name) == ("inc-1-db-down", "inc-2-db-down")


def test_a_taken_name_gets_a_suffix(bot: Bot) -> None:
    bot.slack.state.create_channel("inc-1-db-down", "U0LEAD")
    channel = bot.declare("DB down")
    assert channel.name == "inc-1-db-down-2"

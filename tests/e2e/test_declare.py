"""Declaring: the channel, its members, topic and pinned card, and the declarer's answer."""

from typing import Any

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


def header_of(blocks: list[dict[str, Any]]) -> str:
    return str(next(b for b in blocks if b["type"] == "header")["text"]["text"])


def test_an_emoji_title_is_declared_in_a_numbered_channel_and_shown_as_typed(bot: Bot) -> None:
    channel = bot.declare("🔥🔥 sev2")
    assert channel.name == "inc-1"
    assert "Incident #1: 🔥🔥" in header_of(bot.card(channel.id).blocks)


def test_a_non_latin_title_gets_a_numbered_channel_and_accents_fold(bot: Bot) -> None:
    assert bot.declare("支払いが失敗").name == "inc-1"
    assert bot.declare("Café latency").name == "inc-2-cafe-latency"


def test_a_400_character_title_is_kept_whole_and_shortened_only_where_slack_requires(
    bot: Bot,
) -> None:
    title = " ".join(f"word{i:03d}" for i in range(50))[:400].strip()
    assert len(title) >= 390
    channel = bot.declare(f"{title} sev2")
    assert len(channel.name) <= 80
    assert channel.name.startswith("inc-1-word000-word001")
    card = bot.card(channel.id)
    header = header_of(card.blocks)
    assert len(header) <= 150
    assert header.endswith("…")
    assert title in card.all_text  # the whole title, below the header
    bot.command(channel, "timeline")
    assert title in bot.said_to(ONCALL, "declared the incident")

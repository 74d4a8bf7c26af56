"""Slack failing in the middle of a declaration: retried, never doubled, never half-made."""

from sqlalchemy import select

from bot.incidents.rows import IncidentRow
from tests.e2e.conftest import ONCALL, Bot, eventually


def incident_channels(bot: Bot) -> list[str]:
    return [c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-")]


def test_slack_5xx_on_create_is_retried_until_the_channel_exists(bot: Bot) -> None:
    bot.slack.fail("conversations.create", times=4, status=500)
    channel = bot.declare("DB down")
    assert channel.name == "inc-1-db-down"
    assert incident_channels(bot) == ["inc-1-db-down"]


def test_a_failure_after_the_channel_exists_does_not_create_another(bot: Bot) -> None:
    bot.slack.fail("conversations.invite", times=1, error="fatal_error")
    bot.slack.fail("pins.add", times=1, error="fatal_error")
    channel = bot.declare("DB down")
    assert ONCALL in eventually(lambda: bot.slack.state.channel(channel.id).members, what="invite")
    assert incident_channels(bot) == ["inc-1-db-down"]
    assert (
        len([c for c in bot.slack.state.calls("conversations.create") if c.response.get("ok")]) == 1
    )
    cards = [m for m in bot.slack.state.messages(channel.id) if "Incident #1" in m.all_text]
    assert len(cards) == 1


def test_a_channel_the_bot_created_before_a_crash_is_adopted(bot: Bot) -> None:
    orphan = bot.slack.state.create_channel("inc-1-db-down", bot.slack.state.bot_user_id)
    bot.driver.slash_command(text="declare DB down", user_id=ONCALL)
    channel = bot.incident_channel("inc-1-db-down")
    assert channel.id == orphan.id
    assert incident_channels(bot) == ["inc-1-db-down"]


def test_rate_limited_posts_wait_for_retry_after(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", times=1, error="ratelimited", retry_after=1)
    channel = bot.declare("DB down")
    assert "Incident #1" in bot.card(channel.id).all_text


def test_a_permanent_failure_removes_the_incident_and_tells_the_declarer(bot: Bot) -> None:
    bot.slack.fail("conversations.create", times=50, error="restricted_action")
    bot.driver.slash_command(text="declare DB down sev1", user_id=ONCALL)
    answer = bot.said_to(ONCALL, "Could not open the channel")
    assert "restricted_action" in answer
    assert "declare it again" in answer
    with bot.app.sessions() as session:
        assert session.scalars(select(IncidentRow)).all() == []
    assert incident_channels(bot) == []


def test_a_card_refresh_that_keeps_failing_is_reported_in_the_channel(bot: Bot) -> None:
    channel = bot.declare("DB down")
    bot.slack.fail("chat.update", times=50, error="fatal_error")
    bot.command(channel, "sev sev1")
    text = bot.posted(channel.id, "warroom could not refresh the incident card after retries")
    assert "fatal_error" in text.all_text


def test_a_permanent_failure_after_the_channel_exists_keeps_the_incident_and_says_so_there(
    bot: Bot,
) -> None:
    bot.slack.fail("pins.add", times=50, error="fatal_error")
    bot.driver.slash_command(text="declare DB down sev1", user_id=ONCALL)
    channel = eventually(
        lambda: next(
            (c for c in bot.slack.state.conversations() if c.name == "inc-1-db-down"), None
        ),
        what="#inc-1-db-down",
    )
    text = bot.posted(channel.id, "warroom could not finish setting up this channel after retries")
    assert "fatal_error" in text.all_text
    with bot.app.sessions() as session:
        (row,) = session.scalars(select(IncidentRow)).all()
        assert row.channel_id == channel.id
    assert incident_channels(bot) == ["inc-1-db-down"]

"""The lead is reminded to post status updates at the severity's pace until resolved."""

from datetime import timedelta

from tests.e2e.conftest import LEAD, ONCALL, Bot, eventually


def reminders(bot: Bot, channel_id: str) -> list[str]:
    return [
        m.all_text for m in bot.slack.state.messages(channel_id) if ":alarm_clock:" in m.all_text
    ]


def test_sev2_reminds_the_lead_every_30_minutes_and_update_resets(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.clock.advance(timedelta(minutes=29))
    bot.app.runner.run_due_once()
    assert reminders(bot, channel.id) == []

    bot.clock.advance(timedelta(minutes=2))
    text = eventually(lambda: reminders(bot, channel.id), what="the first reminder")[0]
    assert f"<@{ONCALL}> no status update for 31 min (SEV2: every 30 min)" in text
    assert "/incident update" in text

    bot.command(channel, "update Mitigation in progress")
    bot.posted(channel.id, "posted a status update: Mitigation in progress")
    bot.clock.advance(timedelta(minutes=25))
    bot.app.runner.run_due_once()
    assert len(reminders(bot, channel.id)) == 1
    bot.clock.advance(timedelta(minutes=6))
    eventually(lambda: len(reminders(bot, channel.id)) == 2, what="the reminder after the update")


def test_the_reminder_follows_the_new_lead_and_stops_on_resolve(bot: Bot) -> None:
    channel = bot.declare("DB down sev1")
    bot.command(channel, f"lead <@{LEAD}|liam>")
    bot.posted(channel.id, "the lead")
    bot.clock.advance(timedelta(minutes=16))
    text = eventually(lambda: reminders(bot, channel.id), what="the SEV1 reminder")[0]
    assert f"<@{LEAD}> no status update for 16 min (SEV1: every 15 min)" in text

    bot.command(channel, "resolve")
    bot.posted(channel.id, "-> resolved")
    bot.clock.advance(timedelta(hours=3))
    bot.app.runner.run_due_once()
    assert len(reminders(bot, channel.id)) == 1

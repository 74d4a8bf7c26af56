"""/oncall maintenance over HTTP: windows made, announced in the team channel, listed, cancelled;
parse errors; and a declaration during a window is told so.

The config is ``tests/e2e/config``: ``checkout-api`` pages ``primary`` and has the team channel
``#payments``. The app's clock is pinned on Tuesday 8 January 2030, 13:00 in Berlin (Olivia's
time zone).
"""

from __future__ import annotations

from sqlalchemy import func, select

from bot.oncall.rows import MaintenanceRow
from bot.oncall.slack.command import changes_state
from tests.e2e.conftest import GENERAL, LEAD, MANAGER, ONCALL, Bot, eventually
from tests.e2e.test_interactions import open_view
from tests.e2e.test_oncall import TUESDAY, messages, oncall, payments, pin
from warroom_sandbox.model import Channel

USAGE = (
    "Usage: `/oncall maintenance <service> <from> <to> [reason] · /oncall maintenance list · "
    "/oncall maintenance cancel <number>`"
)


def test_a_window_is_announced_listed_and_cancelled(bot: Bot) -> None:
    channel = payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, "maintenance checkout-api now +2h database upgrade", ONCALL)
    made = bot.said_to(ONCALL, "Recorded maintenance")
    assert "of *checkout-api* Tue 08 Jan 13:00-15:00 CET (database upgrade)" in made
    assert "Announcing it in #payments" in made
    notice = bot.posted(channel.id, "<@U0ONCALL> set maintenance").all_text
    assert "of *checkout-api* Tue 08 Jan 12:00-14:00 UTC (database upgrade)" in notice
    assert "page nobody and open no incident" in notice
    assert bot.app.oncall.maintenance.open_window("checkout-api") is not None

    number = bot.app.oncall.maintenance.current()[0].id
    oncall(bot, "maintenance list", LEAD)
    listed = bot.said_to(LEAD, "Maintenance windows open or to come")
    assert f"• #{number} *checkout-api*:" in listed
    assert "(now) · database upgrade · by <@U0ONCALL>" in listed

    oncall(bot, f"maintenance cancel {number}", MANAGER)
    bot.said_to(MANAGER, f"Cancelled maintenance #{number} of *checkout-api*")
    bot.posted(channel.id, f"<@{MANAGER}> cancelled maintenance #{number}")
    assert bot.app.oncall.maintenance.open_window("checkout-api") is None
    bot.app.runner.run_due_once()
    assert len(messages(bot, channel.id, "set maintenance")) == 1
    oncall(bot, "maintenance list", MANAGER)
    bot.said_to(MANAGER, "No maintenance windows open or to come.")


def test_making_and_cancelling_a_window_are_changes() -> None:
    assert changes_state("maintenance checkout-api now +2h")
    assert changes_state("maintenance cancel 3")
    assert not changes_state("maintenance list")
    assert not changes_state("maintenance checkout-api soon")


def test_bad_windows_say_what_was_wrong_and_the_usage(bot: Bot) -> None:
    pin(bot, TUESDAY)
    cases = [
        ("maintenance", "say which service, from when and until when"),
        ("maintenance checkout-api soon +2h", "from when? found 'soon'"),
        ("maintenance checkout-api now", "until when? found nothing"),
        ("maintenance checkout-api now later", "until when? found 'later'"),
        ("maintenance cancel", "cancel which window? give its number"),
        ("maintenance checkot-api now +1h", "unknown service 'checkot-api'. Did you mean"),
        ("maintenance checkout-api tomorrow 18:00 tomorrow 09:00", "ends before it starts"),
        ("maintenance checkout-api 2029-12-01 09:00 +1h", "the window is already over"),
        ("maintenance checkout-api 2030-02-30 09:00 +1h", "is not a calendar date"),
        ("maintenance cancel 99", "there is no maintenance window #99 open or to come"),
    ]
    for text, fragment in cases:
        oncall(bot, text, ONCALL)
        answer = bot.said_to(ONCALL, fragment)
        assert USAGE in answer, text
    with bot.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(MaintenanceRow)) == 0


IN_MAINTENANCE = "checkout-api is in maintenance until 2030-01-08 14:00 UTC (database upgrade)"


def test_declaring_during_a_window_still_works_and_says_so(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "maintenance checkout-api now +2h database upgrade", ONCALL)
    bot.said_to(ONCALL, "Recorded maintenance")
    channel = bot.declare("Checkout down sev1 service:checkout-api", user=LEAD)
    told = bot.said_to(LEAD, "checkout-api is in maintenance until 2030-01-08 14:00 UTC")
    assert "(database upgrade)" in told
    assert "this incident is declared and paged as usual" in told
    assert_noted_on_card_and_timeline(bot, channel, LEAD)
    eventually(  # paged as usual
        lambda: any("You are paged" in m.all_text for m in bot.slack.state.dm_messages(ONCALL)),
        what="the page DM",
    )


def test_declaring_from_the_modal_during_a_window_says_so(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "maintenance checkout-api now +2h database upgrade", ONCALL)
    bot.said_to(ONCALL, "Recorded maintenance")
    bot.driver.slash_command(text="", user_id=LEAD, channel_id=GENERAL)
    view = open_view(bot, LEAD, "declare_incident")
    values = {"title": {"value": "Checkout down"}, "service": {"value": "checkout-api"}}
    assert bot.driver.view_submission(LEAD, view, values).status_code == 200
    channel = bot.incident_channel("inc-1-checkout-down")
    told = bot.said_to(LEAD, "declared incident #1")
    assert f":construction: {IN_MAINTENANCE}: its alerts page nobody" in told
    assert_noted_on_card_and_timeline(bot, channel, LEAD)


def test_declaring_outside_a_window_says_nothing_of_maintenance(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "maintenance checkout-api +3h +4h database upgrade", ONCALL)  # later today
    bot.said_to(ONCALL, "Recorded maintenance")
    channel = bot.declare("Checkout down sev1 service:checkout-api", user=LEAD)
    assert "maintenance" not in bot.card(channel.id).all_text
    bot.command(channel, "timeline", LEAD)
    assert "maintenance" not in bot.said_to(LEAD, "Timeline of incident #1")


def assert_noted_on_card_and_timeline(bot: Bot, channel: Channel, user: str) -> None:
    card = bot.card(channel.id).all_text
    assert f":construction: {IN_MAINTENANCE}: its alerts page nobody, but this incident" in card
    bot.command(channel, "timeline", user)
    timeline = bot.said_to(user, "Timeline of incident #1")
    assert f"warroom noted: {IN_MAINTENANCE}: its alerts page nobody" in timeline

"""/oncall over HTTP: who is on call, overrides, the calendar feed, handoff DMs and the digest.

The config is ``tests/e2e/config``: ``primary`` rotates Olivia, Liam and Bob (email only) daily
at 09:00 Berlin from 2030, Maya covers weekends; ``legacy`` ended in 2024; ``checkout-api`` pages
``primary`` and has the team channel ``#payments``. Tests pin the app's clock in January 2030
(Tuesday the 8th: Olivia is on call until Wednesday 09:00 Berlin).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from icalendar import Calendar
from sqlalchemy import func, select

from bot.kernel.timers import store
from bot.oncall.rows import OverrideRow
from bot.oncall.timers import HANDOFF, handoff_key
from tests.e2e.conftest import BOB, LEAD, MANAGER, ONCALL, Bot, eventually
from warroom_sandbox.model import Channel
from warroom_sandbox.seed import BOT_USER_ID

TUESDAY = datetime(2030, 1, 8, 12, 0, tzinfo=UTC)  # 13:00 in Berlin
WEDNESDAY_9 = datetime(2030, 1, 9, 8, 0, tzinfo=UTC)  # 09:00 in Berlin: Olivia -> Liam
MONDAY_9 = datetime(2030, 1, 14, 8, 0, tzinfo=UTC)  # the weekly digest


def pin(bot: Bot, instant: datetime) -> None:
    """Make the app's clock show ``instant`` (it keeps running) and plan timers as at a start."""
    bot.clock.offset = instant - datetime.now(UTC)
    assert bot.app.reminders is not None
    bot.app.reminders.seed()
    bot.app.runner.run_due_once()


def oncall(bot: Bot, text: str, user: str) -> None:
    response = bot.driver.slash_command(command="/oncall", text=text, user_id=user)
    assert response.status_code == 200


def payments(bot: Bot) -> Channel:
    return bot.slack.state.create_channel("payments", MANAGER, members=[BOT_USER_ID])


def messages(bot: Bot, channel_id: str, fragment: str) -> list[str]:
    texts = [m.all_text for m in bot.slack.state.messages(channel_id)]
    return [t for t in texts if fragment in t]


def handoff_dms(bot: Bot, user: str) -> list[str]:
    texts = [m.all_text for m in bot.slack.state.dm_messages(user)]
    return [t for t in texts if "On-call handoff" in t]


# -- /oncall ---------------------------------------------------------------------------------


def test_oncall_shows_now_and_next_in_the_askers_time_zone(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "primary", ONCALL)
    berlin = bot.said_to(ONCALL, "*primary* (Europe/Berlin)")
    assert "Times in Europe/Berlin (your Slack time zone)" in berlin
    assert "pages for checkout-api" in berlin
    assert "*Now:* *Olivia Oncall* (<@U0ONCALL>) until Wed 09 Jan 09:00 CET (in 20 h)" in berlin
    assert "*Next:* *Liam Lead* (<@U0LEAD>) Wed 09 Jan 09:00 CET - Thu 10 Jan 09:00 CET" in berlin
    assert (
        "*daily*: Olivia Oncall until Wed 09 Jan 09:00 CET, then Liam Lead from Wed 09 Jan "
        "09:00 CET" in berlin
    )
    assert "*weekend*: nobody now, then Maya Manager from Sat 12 Jan 09:00 CET" in berlin

    oncall(bot, "checkout-api", LEAD)  # a service: the schedules its policy pages
    new_york = bot.said_to(LEAD, "*primary* (Europe/Berlin)")
    assert "Times in America/New_York" in new_york
    assert "*Olivia Oncall* (<@U0ONCALL>) until Wed 09 Jan 03:00 EST" in new_york
    assert "*Liam Lead* (<@U0LEAD>) Wed 09 Jan 03:00 EST - Thu 10 Jan 03:00 EST" in new_york


def test_oncall_at_says_who_was_and_who_will_be_on_call(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "at 2030-01-07 12:00 primary", ONCALL)  # Monday, gone by
    before = bot.said_to(ONCALL, "On call at Mon 07 Jan 12:00 CET")
    assert "*Then:* *Bob Builder* (<@U0BOB>)" in before
    oncall(bot, "at tomorrow 10:00 checkout-api", LEAD)  # a service: the schedules it pages
    after = bot.said_to(LEAD, "On call at Wed 09 Jan 10:00 EST")  # his time zone
    assert "*Then:* *Liam Lead* (<@U0LEAD>)" in after
    oncall(bot, "at someday", MANAGER)
    told = bot.said_to(MANAGER, "at what time? found 'someday'")
    assert "/oncall at <time> [schedule|service]" in told


def test_oncall_me_lists_the_askers_next_shifts_in_their_time_zone(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "me", LEAD)
    mine = bot.said_to(LEAD, "Your on-call shifts in the next 28 days")
    assert "(times in America/New_York)" in mine
    assert "• *primary*: Wed 09 Jan 03:00 EST - Thu 10 Jan 03:00 EST (in 20 h)" in mine
    assert "Tue 05 Feb 03:00 EST - Wed 06 Feb 03:00 EST" in mine  # the last one ends as it ends
    assert "A page reaches you by Slack DM." in mine
    oncall(bot, "me", BOB)  # in the config by email only: found through Slack
    assert "• *primary*: Thu 10 Jan 00:00 PST - Fri 11 Jan 00:00 PST" in bot.said_to(BOB, "Your")


def test_an_email_only_person_is_found_in_slack(bot: Bot) -> None:
    pin(bot, TUESDAY + timedelta(days=1))
    oncall(bot, "primary", BOB)
    answer = bot.said_to(BOB, "*Next:*")
    assert "*Next:* *Bob Builder* (<@U0BOB>) Thu 10 Jan 00:00 PST - Fri 11 Jan 00:00 PST" in answer


def test_every_schedule_and_a_loud_gap(bot: Bot) -> None:
    pin(bot, TUESDAY)
    oncall(bot, "", MANAGER)
    answer = bot.said_to(MANAGER, ":rotating_light:")
    assert "*primary* (Europe/Berlin)" in answer
    assert "*Now:* *Olivia Oncall*" in answer
    assert (
        ":rotating_light: *NOBODY IS ON CALL for legacy*: pages to it reach no one and nobody "
        "is scheduled in the next 90 days" in answer
    )
    assert "legacy: NOBODY is on call" in answer  # the notification text says so too


def test_help_shows_the_commands_and_time_forms(bot: Bot) -> None:
    oncall(bot, "help", ONCALL)
    answer = bot.said_to(ONCALL, "On-call commands")
    assert "/oncall override @user <from> <to> [schedule]" in answer
    assert "tomorrow 09:00" in answer
    assert "2026-11-24T09:00+01:00" in answer


# -- overrides -------------------------------------------------------------------------------


def test_an_override_is_announced_once_and_wins(bot: Bot) -> None:
    channel = payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, "override <@U0MGR|maya> now +4h primary", ONCALL)
    made = bot.said_to(ONCALL, "Override recorded on *primary*")
    assert "*Maya Manager* (<@U0MGR>) is on call Tue 08 Jan 13:00-17:00 CET" in made
    assert "Announcing it in #payments" in made

    notice = bot.posted(channel.id, "set an on-call override on *primary*").all_text
    assert "<@U0ONCALL> set an on-call override" in notice
    assert "*Maya Manager* (<@U0MGR>) is on call Tue 08 Jan 13:00-17:00 CET" in notice

    oncall(bot, "primary", LEAD)
    answer = bot.said_to(LEAD, "*Now:* *Maya Manager*")
    assert "until Tue 08 Jan 11:00 EST" in answer
    assert "override by <@U0ONCALL>" in answer
    assert "*Next:* *Olivia Oncall* (<@U0ONCALL>) Tue 08 Jan 11:00 EST - Wed 09 Jan 03:00 EST" in (
        answer
    )

    oncall(bot, "override <@U0BOB|bob> +4h +2h primary", ONCALL)  # Bob is email-only
    bob = bot.said_to(ONCALL, "*Bob Builder* (<@U0BOB>) is on call")
    assert "Tue 08 Jan 17:00-19:00 CET" in bob
    bot.posted(channel.id, "*Bob Builder* (<@U0BOB>) is on call")
    bot.app.runner.run_due_once()
    assert len(messages(bot, channel.id, "*Maya Manager* (<@U0MGR>) is on call")) == 1


def test_overrides_are_listed_and_one_cancelled_gives_the_shift_back(bot: Bot) -> None:
    channel = payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, "override <@U0MGR|maya> now +4h primary", ONCALL)
    bot.posted(channel.id, "set an on-call override on *primary*")
    number = bot.app.oncall.current_overrides("primary")[0].id

    oncall(bot, "override list", LEAD)
    listed = bot.said_to(LEAD, "Overrides in force or to come")
    assert f"• #{number} *primary*: *Maya Manager* (<@U0MGR>) Tue 08 Jan 07:00-11:00 EST (now)" in (
        listed
    )
    assert "override by <@U0ONCALL>" in listed

    oncall(bot, f"override cancel {number}", MANAGER)
    told = bot.said_to(MANAGER, f"cancelled override #{number} on *primary*")
    assert "*Maya Manager* (<@U0MGR>) is no longer on call" in told
    bot.posted(channel.id, f"<@{MANAGER}> cancelled override #{number}")
    oncall(bot, "primary", LEAD)
    assert "*Now:* *Olivia Oncall*" in bot.said_to(LEAD, "*Now:* *Olivia Oncall*")

    oncall(bot, f"override cancel {number}", MANAGER)  # twice: there is nothing left to cancel
    bot.said_to(MANAGER, f"there is no override #{number} in force or to come")
    oncall(bot, "override list", MANAGER)
    bot.said_to(MANAGER, "No overrides in force or to come.")


def test_bad_overrides_say_what_was_wrong_and_the_usage(bot: Bot) -> None:
    pin(bot, TUESDAY)
    cases = [
        (
            "override <@U0MGR|maya> tomorrow 18:00 tomorrow 09:00 primary",
            "the override must end after it starts: it would run from Wed 09 Jan 18:00 CET to "
            "Wed 09 Jan 09:00 CET",
        ),
        (
            "override <@U0MGR|maya> 2029-12-01 09:00 2029-12-02 09:00 primary",
            "the override from Sat 01 Dec 2029 09:00 CET to Sun 02 Dec 2029 09:00 CET is "
            "entirely in the past",
        ),
        ("override <@U0NOPE|nobody> now +1h primary", "<@U0NOPE> is not a person in this Slack"),
        (
            "override <@U0MGR|maya> now +1h primry",
            "unknown schedule or service 'primry'. Did you mean 'primary'?",
        ),
        ("override <@U0MGR|maya> now +1h", "which schedule? name one at the end: primary, legacy"),
        ("override <@U0MGR|maya> soon +1h primary", "from when? found 'soon'"),
        ("override <@U0MGR|maya> 2030-02-30 09:00 +1h primary", "is not a calendar date"),
        ("override maya now +1h primary", "pick them from Slack's @-autocomplete"),
    ]
    for text, fragment in cases:
        oncall(bot, text, ONCALL)
        answer = bot.said_to(ONCALL, fragment)
        assert "Usage: `/oncall override @user <from> <to> [schedule]`" in answer, text
    oncall(bot, "nosuch", ONCALL)
    answer = bot.said_to(ONCALL, "unknown schedule or service 'nosuch'")
    assert "Known: primary, legacy, checkout-api" in answer
    assert "Usage: `/oncall [schedule|service]`" in answer

    oncall(bot, "override <@U0MGR|maya> now +4h primary", ONCALL)
    bot.said_to(ONCALL, "Override recorded on *primary*")
    oncall(bot, "override <@U0LEAD|liam> +1h +4h primary", LEAD)
    overlap = bot.said_to(LEAD, "it overlaps the override of *Maya Manager* (<@U0MGR>) on primary")
    assert "from Tue 08 Jan 07:00 EST to Tue 08 Jan 11:00 EST (made by <@U0ONCALL>)" in overlap
    with bot.app.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OverrideRow)) == 1


# -- the calendar feed -----------------------------------------------------------------------


def feed_path(bot: Bot, user: str = ONCALL) -> str:
    oncall(bot, "primary", user)
    answer = bot.said_to(user, "Calendar feed")
    found = re.search(r"http://localhost:3000(/oncall/primary\.ics\?token=[0-9a-f]+)", answer)
    assert found is not None, answer
    return found.group(1)


def events(bot: Bot, path: str) -> dict[str, tuple[datetime, datetime, str]]:
    response = httpx.get(bot.url + path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {
        str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
        for e in calendar.walk("VEVENT")
    }


def test_the_calendar_feed_has_every_shift_with_stable_uids(bot: Bot) -> None:
    pin(bot, TUESDAY)
    path = feed_path(bot)
    first = events(bot, path)
    shifts = sorted(first.values())
    assert len(shifts) > 75  # from the layers' start on 1 January to 90 days ahead
    assert (datetime(2030, 1, 8, 8, tzinfo=UTC), WEDNESDAY_9, "On call: Olivia Oncall") in shifts
    assert (MONDAY_9 - timedelta(days=2), MONDAY_9, "On call: Maya Manager") in shifts
    assert all(start >= datetime(2030, 1, 1, tzinfo=UTC) for start, _, _ in shifts)
    assert events(bot, path) == first

    bot.clock.advance(timedelta(days=1))  # regenerated a day later: the same events keep UIDs
    later = events(bot, path)
    both = (datetime(2030, 1, 3, tzinfo=UTC), TUESDAY + timedelta(days=89))
    kept = {uid for uid, shift in later.items() if both[0] <= shift[0] < both[1]}
    assert kept <= set(first)
    assert len(kept) > 70

    oncall(bot, "override <@U0MGR|maya> now +4h primary", ONCALL)
    bot.said_to(ONCALL, "Override recorded")
    with_override = sorted(events(bot, path).values())
    assert any(
        summary == "On call: Maya Manager" and end - start == timedelta(hours=4)
        for start, end, summary in with_override
    )


def test_the_feed_answers_404_without_the_right_token(bot: Bot) -> None:
    path = feed_path(bot)
    token = path.split("token=")[1]
    for wrong in [
        "/oncall/primary.ics",
        "/oncall/primary.ics?token=",
        f"/oncall/primary.ics?token={token[:-1]}0",
        f"/oncall/legacy.ics?token={token}",
        f"/oncall/nosuch.ics?token={token}",
    ]:
        response = httpx.get(bot.url + wrong)
        assert response.status_code == 404, wrong
        assert response.text == "Not Found"


# -- handoff reminders and the weekly digest -------------------------------------------------


def test_handoff_reminders_reach_outgoing_and_incoming_once(bot: Bot) -> None:
    pin(bot, WEDNESDAY_9 - timedelta(minutes=32))
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "action Add an alert on queue depth")
    bot.posted(channel.id, "added an action item: Add an alert on queue depth")
    bot.app.runner.run_due_once()
    assert handoff_dms(bot, ONCALL) == []

    bot.clock.advance(timedelta(minutes=3))  # 29 minutes before the handoff
    outgoing = eventually(lambda: handoff_dms(bot, ONCALL), what="the outgoing DM")[0]
    incoming = eventually(lambda: handoff_dms(bot, LEAD), what="the incoming DM")[0]
    assert "you hand over to *Liam Lead* (<@U0LEAD>) at Wed 09 Jan 09:00 CET" in outgoing
    assert "Your shift: Tue 08 Jan 09:00 CET - Wed 09 Jan 09:00 CET" in outgoing
    assert "*Open incidents* (1)" in outgoing
    assert "#1 SEV2 Checkout latency high (investigating)" in outgoing
    assert "*Declared during the outgoing shift* (1)" in outgoing
    assert "*Open action items* (1)" in outgoing
    assert "#1: Add an alert on queue depth" in outgoing
    assert "you take over from *Olivia Oncall* (<@U0ONCALL>) at Wed 09 Jan 03:00 EST" in incoming
    assert "Your shift: Wed 09 Jan 03:00 EST - Thu 10 Jan 03:00 EST" in incoming
    assert "#1 SEV2 Checkout latency high" in incoming

    # The same boundary fired again (a retry, another replica) sends nothing more.
    now = bot.clock()
    payload = {"schedule": "primary", "boundary": WEDNESDAY_9.isoformat()}
    with bot.app.sessions.begin() as session:
        store.schedule(session, handoff_key("primary"), HANDOFF, now, payload, now)
    bot.app.runner.run_due_once()

    def moved_on() -> bool:
        with bot.app.sessions() as session:
            state = store.get(session, handoff_key("primary"))
        thursday = WEDNESDAY_9 + timedelta(days=1)
        return state is not None and state.payload["boundary"] == thursday.isoformat()

    eventually(moved_on, what="the handoff timer on Thursday's boundary")
    assert len(handoff_dms(bot, ONCALL)) == 1
    assert len(handoff_dms(bot, LEAD)) == 1

    bot.clock.advance(timedelta(days=1))  # Thursday: Liam hands over to Bob (found by email)
    to_bob = eventually(lambda: handoff_dms(bot, BOB), what="Bob's DM")[0]
    assert "you take over from *Liam Lead* (<@U0LEAD>) at Thu 10 Jan 00:00 PST" in to_bob
    assert len(eventually(lambda: handoff_dms(bot, LEAD)[1:], what="Liam's 2nd DM")) == 1


def test_the_weekly_digest_goes_to_the_team_channel_once(bot: Bot) -> None:
    channel = payments(bot)
    pin(bot, MONDAY_9 - timedelta(minutes=3))
    bot.declare("Checkout latency high sev2 service:checkout-api")
    bot.app.runner.run_due_once()
    assert messages(bot, channel.id, "Weekly on-call digest") == []

    bot.clock.advance(timedelta(minutes=4))
    digest = bot.posted(channel.id, "Weekly on-call digest").all_text
    assert "Mon 07 Jan 09:00 CET - Mon 14 Jan 09:00 CET" in digest
    assert (
        "*primary*: *Bob Builder* (<@U0BOB>) 2 d, *Olivia Oncall* (<@U0ONCALL>) 2 d, "
        "*Liam Lead* (<@U0LEAD>) 1 d, *Maya Manager* (<@U0MGR>) 2 d" in digest
    )
    assert "*Incidents declared this week* (1)" in digest
    assert "#1 SEV2 Checkout latency high [checkout-api] (investigating)" in digest
    assert "*Open action items*: none" in digest
    bot.app.runner.run_due_once()
    assert len(messages(bot, channel.id, "Weekly on-call digest")) == 1

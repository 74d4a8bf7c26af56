"""Slack writes that are retried are idempotent, and a refused invite never stalls an incident.

Slack sometimes carries a write out and still answers 5xx (a timeout on its side). The fake does
the same (``applied=True``): the message is in the channel, the channel exists, yet the app is
told it failed. Whether the app retries within the call or the timer retries later, every
message is found by the key in its metadata instead of being posted again, and a channel created
that way is adopted under its own name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.incidents.domain.timeline import BOT_ACTOR, EventKind
from bot.incidents.rows import IncidentRow
from bot.kernel.slack import marked
from bot.kernel.slack.app import make_client
from bot.kernel.timers import store
from bot.kernel.timers.rows import Timer
from bot.postmortems.slack import blocks as pm
from tests.e2e.conftest import GENERAL, ONCALL, Bot, eventually
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import Message, User

GUEST = "U0GUEST"


def settled(bot: Bot) -> bool:
    """No timer is due or running: every effect planned so far has run to its end."""
    now = bot.clock()
    with bot.app.sessions() as session:
        busy = session.scalars(
            select(Timer.key).where(Timer.status == store.PENDING, Timer.due_at <= now)
        ).all()
    return not busy


def messages(bot: Bot, channel_id: str, fragment: str) -> list[Message]:
    return [m for m in bot.slack.state.messages(channel_id) if fragment in m.all_text]


def failed_posts(bot: Bot) -> int:
    return len([c for c in bot.slack.calls("chat.postMessage") if c.status >= 500])


def once_settled(bot: Bot, channel_id: str, fragment: str) -> list[Message]:
    """The messages saying ``fragment`` once the app has finished retrying."""
    bot.posted(channel_id, fragment)
    eventually(lambda: settled(bot), what="every timer to finish")
    return messages(bot, channel_id, fragment)


def test_a_status_update_slack_posted_but_answered_500_appears_once(bot: Bot) -> None:
    channel = bot.declare("DB down")
    bot.slack.fail("chat.postMessage", status=500, applied=True, match={"channel": channel.id})

    bot.command(channel, "update Rolled back the deploy")

    found = once_settled(bot, channel.id, "posted a status update: Rolled back the deploy")
    assert len(found) == 1
    assert failed_posts(bot) == 1
    assert found[0].metadata is not None
    assert found[0].metadata["event_type"] == marked.EVENT_TYPE


def test_the_card_slack_posted_but_answered_500_is_posted_and_pinned_once(bot: Bot) -> None:
    bot.slack.fail("chat.postMessage", status=500, applied=True)

    channel = bot.declare("DB down")

    cards = once_settled(bot, channel.id, "Incident #1")
    assert len(cards) == 1
    assert bot.card(channel.id).ts == cards[0].ts
    assert failed_posts(bot) == 1


def test_a_card_found_by_the_timers_next_attempt_is_adopted(bot: Bot) -> None:
    """The post lands, Slack answers 500, and the search right after fails too: the handler gives
    up this attempt, and the timer's next attempt finds the card before posting anything."""
    bot.slack.fail("chat.postMessage", status=500, applied=True)
    bot.slack.fail("conversations.history", status=500, times=3)  # beyond the client's retries

    channel = bot.declare("DB down")

    cards = once_settled(bot, channel.id, "Incident #1")
    assert len(cards) == 1
    assert bot.card(channel.id).ts == cards[0].ts
    statuses = [c.status for c in bot.slack.calls("conversations.history")]
    assert statuses[:3] == [500, 500, 500]
    assert 200 in statuses[3:]


def test_a_reminder_slack_posted_but_answered_503_appears_once(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.slack.fail("chat.postMessage", status=503, applied=True, match={"channel": channel.id})
    bot.slack.fail("conversations.history", status=500, times=3)

    bot.clock.advance(timedelta(minutes=31))
    bot.app.runner.run_due_once()

    reminders = once_settled(bot, channel.id, "no status update for")
    assert len(reminders) == 1
    assert failed_posts(bot) == 1


def test_the_post_mortem_offer_slack_posted_but_answered_500_appears_once(bot: Bot) -> None:
    channel = bot.declare("DB down")
    offer_text, _ = pm.offer(1)
    bot.slack.fail("chat.postMessage", status=500, applied=True, match={"text": offer_text})

    bot.command(channel, "resolve")

    offers = once_settled(bot, channel.id, "Draft the blameless post-mortem")
    assert len(offers) == 1
    assert failed_posts(bot) == 1


def test_a_post_that_timed_out_after_slack_took_it_is_found_not_repeated(
    slack: FakeSlackServer,
) -> None:
    """No answer in time is as ambiguous as a 5xx: the app's own client (with a 1 s timeout, the
    answer held for 3 s) retries by looking for the message first."""
    client = make_client("xoxb-e2e", slack.api_url, timeout=1)
    slack.stall("chat.postMessage", seconds=3)

    mark = marked.Mark("incident:1:announce:7", since=datetime.now(UTC))
    ts = marked.Poster(client).post(mark, GENERAL, "Rolled back the deploy")

    posted = [m for m in slack.state.messages(GENERAL) if m.text == "Rolled back the deploy"]
    assert [m.ts for m in posted] == [ts]
    assert slack.calls("conversations.history")


def test_a_channel_slack_created_but_answered_500_is_adopted_under_its_name(bot: Bot) -> None:
    bot.slack.fail("conversations.create", status=500, applied=True)

    channel = bot.declare("DB down")

    assert channel.name == "inc-1-db-down"
    incident_channels = [c for c in bot.slack.state.conversations() if c.name.startswith("inc-")]
    assert [c.id for c in incident_channels] == [channel.id]
    answers = [(c.status, c.response.get("error")) for c in bot.slack.calls("conversations.create")]
    assert answers == [(500, "internal_error"), (200, "name_taken")]  # the client's own retry
    with bot.app.sessions() as session:
        row = session.scalars(select(IncidentRow)).one()
        assert (row.channel_id, row.channel_name) == (channel.id, "inc-1-db-down")


def add_guest(bot: Bot) -> None:
    bot.slack.state.add_user(
        User(
            id=GUEST, name="gus", real_name="Gus Guest", email="gus@example.com", is_restricted=True
        )
    )


def refusal_notes(bot: Bot) -> list[str]:
    view = bot.app.incidents.view_by_number(1)
    assert view is not None
    return [
        str(e.data["text"])
        for e in view.timeline
        if e.kind is EventKind.NOTE_ADDED and e.actor == BOT_ACTOR
    ]


def test_a_guest_who_declares_gets_a_working_channel_and_hears_why_they_are_not_in_it(
    bot: Bot,
) -> None:
    add_guest(bot)

    channel = bot.declare("DB down", user=GUEST)  # waits for the pinned card and the topic

    told = bot.said_to(GUEST, f"in <#{channel.id}>")
    assert "Slack would not add you" in told
    assert "cant_invite" in told
    said = bot.posted(channel.id, f"Slack would not add <@{GUEST}> to this channel")
    assert "cant_invite" in said.all_text
    assert GUEST not in bot.slack.state.channel(channel.id).members
    assert len(refusal_notes(bot)) == 1
    eventually(lambda: settled(bot), what="every timer to finish")
    assert messages(bot, channel.id, "could not finish setting up") == []
    assert len(messages(bot, channel.id, "Slack would not add")) == 1
    with bot.app.sessions() as session:
        assert session.scalars(select(IncidentRow.provision_state)).one() == "ready"


def test_a_guest_given_a_role_is_noted_in_the_channel_not_retried(bot: Bot) -> None:
    add_guest(bot)
    channel = bot.declare("DB down")

    bot.command(channel, f"role comms <@{GUEST}|gus>")

    bot.posted(channel.id, f"Slack would not add <@{GUEST}> to this channel")
    eventually(lambda: settled(bot), what="every timer to finish")
    refused = [
        c
        for c in bot.slack.calls("conversations.invite")
        if c.params.get("users") == GUEST and c.response.get("error") == "cant_invite"
    ]
    assert len(refused) == 1
    assert len(refusal_notes(bot)) == 1
    assert messages(bot, channel.id, "could not invite") == []
    assert ONCALL in bot.slack.state.channel(channel.id).members

"""The "Declare incident" message shortcut, end to end over signed Slack requests: the declare
form opens pre-filled from the message, the incident's timeline links the message, and the
message gets a reply in its thread pointing at the incident channel."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.incidents.domain.naming import channel_name
from bot.incidents.domain.timeline import EventKind
from bot.kernel.slack.inbox_rows import SlackInboxRow
from tests.e2e.conftest import LEAD, MANAGER, ONCALL, Bot, eventually
from tests.e2e.test_idempotent_writes import settled
from tests.e2e.test_interactions import open_view
from warroom_sandbox.seed import BOT_USER_ID

SHORTCUT = "declare_from_message"
MESSAGE = (
    "Checkout returns 502 for EU users &amp; retries fail\n"
    "Seen since 09:10 on <https://grafana.example.com/d/checkout|the dashboard>, "
    "<@U0LEAD> is looking."
)


def initial(view: dict[str, Any], block_id: str) -> str | None:
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    value = block["element"].get("initial_value")
    return None if value is None else str(value)


def context_text(view: dict[str, Any]) -> str:
    return " ".join(
        element.get("text", "")
        for block in view["blocks"]
        if block["type"] == "context"
        for element in block["elements"]
    )


def test_a_message_becomes_an_incident_linked_both_ways(bot: Bot) -> None:
    # A public channel warroom is not in: it still links the message and joins to reply.
    payments = bot.slack.state.create_channel("payments", LEAD, members=[LEAD, ONCALL])
    message = bot.slack.state.post_as_user(LEAD, payments.id, MESSAGE)

    shortcut = bot.driver.message_shortcut(SHORTCUT, ONCALL, payments.id, message.ts)
    assert shortcut.status_code == 200
    view = open_view(bot, ONCALL, "declare_incident")
    # What a person reads: entities unescaped, a link by its label; the first line is the title.
    assert initial(view, "title") == "Checkout returns 502 for EU users & retries fail"
    description = initial(view, "description") or ""
    assert description.startswith("Checkout returns 502 for EU users & retries fail\nSeen since")
    assert "on the dashboard, <@U0LEAD> is looking." in description
    assert context_text(view) == ""  # nothing to warn about
    with bot.app.sessions() as session:  # opening the form records nothing
        assert session.scalars(select(SlackInboxRow.key)).all() == []

    submitted = bot.driver.view_submission(ONCALL, view, {"severity": {"value": "SEV2"}})
    assert submitted.status_code == 200
    assert not submitted.content
    channel = bot.incident_channel("inc-1-checkout-returns-502-for-eu-users-retries-fail")
    bot.said_to(ONCALL, "declared incident #1")  # where they ran the shortcut

    timeline = bot.app.incidents.view(channel.id).timeline
    linked = [e for e in timeline if e.kind is EventKind.MESSAGE_ADDED]
    assert len(linked) == 1
    permalink = linked[0].data["permalink"]
    assert permalink.endswith(f"/archives/{payments.id}/p{message.ts.replace('.', '')}")
    assert linked[0].data["author"] == LEAD
    assert linked[0].data["added_by"] == ONCALL
    assert linked[0].data["text"].startswith("Checkout returns 502 for EU users & retries fail")
    assert bot.app.incidents.view(channel.id).incident.description == description

    replies = eventually(
        lambda: bot.slack.state.thread(payments.id, message.ts), what="the reply in the thread"
    )
    assert len(replies) == 1
    assert replies[0].user == BOT_USER_ID
    assert f"<#{channel.id}>" in replies[0].text
    assert "incident #1 (SEV2)" in replies[0].text
    # The reply is posted once, however often the channel's card changes afterwards.
    bot.command(channel, "update Rolled back")
    bot.posted(channel.id, "Rolled back")
    assert len(bot.slack.state.thread(payments.id, message.ts)) == 1


def test_a_long_message_is_cut_where_slack_requires_it(bot: Bot) -> None:
    payments = bot.slack.state.create_channel("payments", LEAD, members=[LEAD, ONCALL])
    text = "x" * 1200 + "\n" + "detail " * 600
    message = bot.slack.state.post_as_user(LEAD, payments.id, text)
    bot.driver.message_shortcut(SHORTCUT, ONCALL, payments.id, message.ts)
    view = open_view(bot, ONCALL, "declare_incident")
    assert len(initial(view, "title") or "") == 1000
    assert len(initial(view, "description") or "") == 3000
    assert len(view["private_metadata"]) <= 3000
    bot.driver.view_submission(ONCALL, view, {})
    channel = bot.incident_channel(channel_name(1, initial(view, "title") or ""))
    linked = [
        e for e in bot.app.incidents.view(channel.id).timeline if e.kind is EventKind.MESSAGE_ADDED
    ]
    assert linked
    assert linked[0].data["permalink"]


def test_a_message_warroom_cannot_see_still_declares_without_linking(bot: Bot) -> None:
    secret = bot.slack.state.create_channel(
        "security-team", LEAD, is_private=True, members=[LEAD, ONCALL]
    )
    message = bot.slack.state.post_as_user(LEAD, secret.id, "Leaked API key in a public gist")

    response = bot.driver.message_shortcut(SHORTCUT, ONCALL, secret.id, message.ts)
    assert response.status_code == 200
    view = open_view(bot, ONCALL, "declare_incident")
    assert "warroom cannot see this conversation" in context_text(view)
    assert initial(view, "title") == "Leaked API key in a public gist"

    bot.driver.view_submission(
        ONCALL, view, {"severity": {"value": "SEV1"}, "private": {"value": ["private"]}}
    )
    channel = bot.incident_channel("inc-1-leaked-api-key-in-a-public-gist")
    assert channel.is_private
    bot.said_to(ONCALL, "declared incident #1")  # through the shortcut's response_url
    timeline = bot.app.incidents.view(channel.id).timeline
    assert not [e for e in timeline if e.kind is EventKind.MESSAGE_ADDED]
    assert bot.slack.state.thread(secret.id, message.ts) == []
    assert bot.slack.state.calls("conversations.join") == []


def test_a_message_from_a_private_channel_warns_before_its_text_goes_public(bot: Bot) -> None:
    secret = bot.slack.state.create_channel(
        "security-team", LEAD, is_private=True, members=[LEAD, ONCALL, BOT_USER_ID]
    )
    message = bot.slack.state.post_as_user(LEAD, secret.id, "Customer PII in the debug logs")

    bot.driver.message_shortcut(SHORTCUT, ONCALL, secret.id, message.ts)
    view = open_view(bot, ONCALL, "declare_incident")
    warning = context_text(view)
    assert "from a private conversation" in warning
    assert "tick *Private*" in warning
    assert initial(view, "title") == "Customer PII in the debug logs"


def test_a_private_incident_replies_without_its_title(bot: Bot) -> None:
    general = bot.slack.state.create_channel("ops", MANAGER, members=[MANAGER, ONCALL, BOT_USER_ID])
    message = bot.slack.state.post_as_user(MANAGER, general.id, "Payroll export went to everyone")
    bot.driver.message_shortcut(SHORTCUT, ONCALL, general.id, message.ts)
    view = open_view(bot, ONCALL, "declare_incident")
    bot.driver.view_submission(ONCALL, view, {"private": {"value": ["private"]}})
    channel = bot.incident_channel("inc-1-payroll-export-went-to-everyone")
    replies = eventually(lambda: bot.slack.state.thread(general.id, message.ts), what="the reply")
    assert f"<#{channel.id}>" in replies[0].text
    assert "Payroll" not in replies[0].text
    assert "private incident" in replies[0].text


def test_a_reply_slack_posted_but_answered_500_appears_once(bot: Bot) -> None:
    payments = bot.slack.state.create_channel("payments", LEAD, members=[LEAD, ONCALL, BOT_USER_ID])
    message = bot.slack.state.post_as_user(LEAD, payments.id, "Refunds stuck in pending")
    bot.slack.fail("chat.postMessage", status=500, applied=True, match={"channel": payments.id})
    bot.driver.message_shortcut(SHORTCUT, ONCALL, payments.id, message.ts)
    bot.driver.view_submission(ONCALL, open_view(bot, ONCALL, "declare_incident"), {})
    channel = bot.incident_channel("inc-1-refunds-stuck-in-pending")
    eventually(lambda: settled(bot), what="every timer to finish")
    replies = bot.slack.state.thread(payments.id, message.ts)
    assert [r.user for r in replies] == [BOT_USER_ID]
    assert f"<#{channel.id}>" in replies[0].text
    assert [c.status for c in bot.slack.calls("chat.postMessage") if c.status >= 500] == [500]


def test_declared_from_a_reply_the_answer_goes_in_the_same_thread(bot: Bot) -> None:
    ops = bot.slack.state.create_channel("ops", LEAD, members=[LEAD, ONCALL, BOT_USER_ID])
    parent = bot.slack.state.post_as_user(LEAD, ops.id, "Deploy 1234 is rolling out")
    reply = bot.slack.state.post_as_user(
        ONCALL, ops.id, "Errors doubled since", thread_ts=parent.ts
    )
    bot.driver.message_shortcut(SHORTCUT, ONCALL, ops.id, reply.ts)
    bot.driver.view_submission(ONCALL, open_view(bot, ONCALL, "declare_incident"), {})
    channel = bot.incident_channel("inc-1-errors-doubled-since")
    answers = eventually(
        lambda: [m for m in bot.slack.state.thread(ops.id, parent.ts) if m.user == BOT_USER_ID],
        what="the reply in the thread",
    )
    assert f"<#{channel.id}>" in answers[0].text
    linked = [
        e for e in bot.app.incidents.view(channel.id).timeline if e.kind is EventKind.MESSAGE_ADDED
    ]
    assert "thread_ts=" in linked[0].data["permalink"]  # a reply's permalink names its thread

"""``/oncall cover``: a request posted with Take it, the first taker on call, everyone told.

Config: ``tests/e2e/config`` (Olivia is on call for ``primary`` on Tuesday 2030-01-08 until
Wednesday 09:00 Berlin; ``checkout-api`` pages ``primary`` and its team channel is #payments).
"""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from bot.oncall.rows import OverrideRow
from tests.e2e.conftest import BOB, LEAD, MANAGER, ONCALL, SECRET, Bot, eventually
from tests.e2e.test_oncall import TUESDAY, events, feed_path, oncall, payments, pin
from warroom_sandbox.model import Message
from warroom_sandbox.signing import SlackDriver

TAKE, CANCEL = "oncall_cover_take", "oncall_cover_cancel"


def ask(bot: Bot, text: str = "now +4h primary dentist") -> Message:
    channel = payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, f"cover {text}", ONCALL)
    told = bot.said_to(ONCALL, "Cover request #1 for *primary*")
    assert "posting it in #payments" in told
    return bot.posted(channel.id, "asks for cover")


def buttons(message: Message) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]


def press(bot: Bot, message: Message, action: str, user: str) -> httpx.Response:
    response = bot.driver.block_action(user, message.channel, message.ts, action, value="1")
    assert response.status_code == 200
    return response


def overrides(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(OverrideRow)) or 0)


def current(bot: Bot, message: Message) -> str:
    return bot.slack.state.message(message.channel, message.ts).all_text


def test_the_first_taker_is_on_call_and_everyone_is_told(bot: Bot) -> None:
    request = ask(bot)
    assert "<@U0ONCALL> asks for cover on *primary* Tue 08 Jan 12:00-16:00 UTC (dentist)" in (
        request.all_text
    )
    assert buttons(request) == ["Take it", "Cancel request"]

    press(bot, request, TAKE, LEAD)
    told = bot.said_to(LEAD, "You took cover request #1")
    assert "you are on call for *primary* Tue 08 Jan 12:00-16:00 UTC (override #1)" in told
    eventually(lambda: "Taken by <@U0LEAD>" in current(bot, request), what="the update")
    assert buttons(bot.slack.state.message(request.channel, request.ts)) == []
    dm = eventually(
        lambda: [
            m.all_text for m in bot.slack.state.dm_messages(ONCALL) if "Taken by" in m.all_text
        ],
        what="the requester's DM",
    )
    assert "<@U0LEAD> is on call then (override #1)" in dm[0]
    assert overrides(bot) == 1

    oncall(bot, "primary", MANAGER)
    assert "*Now:* *Liam Lead*" in bot.said_to(MANAGER, "*Now:*")
    shifts = events(bot, feed_path(bot)).values()
    assert (TUESDAY, TUESDAY + timedelta(hours=4), "On call: Liam Lead") in shifts
    oncall(bot, "help", MANAGER)
    assert "/oncall cover" in bot.said_to(MANAGER, "On-call commands")


def test_two_takers_at_once_make_one_override(bot: Bot) -> None:
    request = ask(bot)
    answers: dict[str, int] = {}
    start = threading.Barrier(2)

    def take(user: str) -> None:
        with SlackDriver(bot.driver.url, SECRET, bot.slack) as driver:
            start.wait()
            response = driver.block_action(user, request.channel, request.ts, TAKE, value="1")
            answers[user] = response.status_code

    threads = [threading.Thread(target=take, args=(u,)) for u in (LEAD, MANAGER)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {LEAD: 200, MANAGER: 200}

    winner = eventually(
        lambda: next((u for u in (LEAD, MANAGER) if _said(bot, u, "You took")), None),
        what="a winner",
    )
    loser = MANAGER if winner == LEAD else LEAD
    assert f"already taken by <@{winner}>" in bot.said_to(loser, "already taken by")
    eventually(lambda: f"Taken by <@{winner}>" in current(bot, request), what="the update")
    assert overrides(bot) == 1
    assert not _said(bot, loser, "You took")


def test_a_cancelled_request_cannot_be_taken(bot: Bot) -> None:
    request = ask(bot, "now +2h")
    press(bot, request, CANCEL, LEAD)  # only the requester may cancel
    bot.said_to(LEAD, "only <@U0ONCALL>, who asked, can cancel this request")

    press(bot, request, CANCEL, ONCALL)
    bot.said_to(ONCALL, "Cancelled your cover request #1")
    eventually(lambda: "Cancelled: <@U0ONCALL>" in current(bot, request), what="the update")

    press(bot, request, TAKE, LEAD)
    assert "was cancelled by the person who asked" in bot.said_to(LEAD, "cover request #1")
    assert overrides(bot) == 0


def test_only_the_person_on_call_can_ask(bot: Bot) -> None:
    payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, "cover now +1h primary", MANAGER)
    told = bot.said_to(MANAGER, "you are not on call on primary")
    assert "*Olivia Oncall* (<@U0ONCALL>)" in told
    assert "/oncall cover <from> <to> [schedule] [reason]" in told
    oncall(bot, "cover someday", ONCALL)
    bot.said_to(ONCALL, "from when? found 'someday'")


def _said(bot: Bot, user: str, fragment: str) -> bool:
    texts = [r.all_text for r in bot.slack.state.responses(user_id=user)]
    texts += [e.all_text for e in bot.slack.state.ephemerals(user)]
    return any(fragment in t for t in texts)


def test_cover_for_a_span_one_holds_by_override(bot: Bot) -> None:
    channel = payments(bot)
    pin(bot, TUESDAY)
    oncall(bot, f"override <@{LEAD}|liam> now +6h primary", MANAGER)
    bot.said_to(MANAGER, "Override recorded on *primary*")
    oncall(bot, "cover +1h +2h", LEAD)  # the only schedule where Liam is on call then
    bot.said_to(LEAD, "Cover request #1 for *primary*")
    request = bot.posted(channel.id, "asks for cover")
    press(bot, request, TAKE, ONCALL)
    bot.said_to(ONCALL, "You took cover request #1")
    assert overrides(bot) == 2

    oncall(bot, "at +90m primary", MANAGER)
    assert "*Then:* *Olivia Oncall*" in bot.said_to(MANAGER, "*Then:*")
    oncall(bot, "at +4h primary", BOB)
    assert "*Then:* *Liam Lead*" in bot.said_to(BOB, "*Then:*")

"""A Slack request stored before its 200 is applied even if the process dies before applying
it, and never twice, however its replays race (``bot.kernel.slack.inbox``)."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import func, select

from bot.incidents.rows import IncidentRow
from bot.kernel.slack.edge import SlackEdge
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.slack.inbox_store import recovery_key
from bot.kernel.timers import store as timers
from tests.e2e.conftest import GENERAL, ONCALL, Bot, eventually

FORM = "application/x-www-form-urlencoded"


def _declare_form(bot: Bot, title: str) -> str:
    """The body Slack would have sent for ``/incident declare <title>``, as the edge stores it."""
    return urlencode(
        {
            "command": "/incident",
            "text": f"declare {title} sev3",
            "user_id": ONCALL,
            "channel_id": GENERAL,
            "trigger_id": bot.slack.issue_trigger_id(ONCALL),
            "response_url": bot.slack.new_response_url(GENERAL, ONCALL),
        }
    )


def _edge(bot: Bot) -> SlackEdge:
    assert bot.app.edge is not None
    return bot.app.edge


def _incidents(bot: Bot) -> int:
    with bot.app.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(IncidentRow)) or 0)


def test_a_request_stored_but_never_applied_is_applied_one_lease_later(bot: Bot) -> None:
    inbox_id = _edge(bot).inbox.record("trigger:crashed-1", FORM, _declare_form(bot, "Lost"))
    assert inbox_id is not None
    bot.app.runner.run_due_once()
    assert _incidents(bot) == 0, "not before its lease ran out: the first attempt may be alive"

    bot.clock.advance(timedelta(seconds=bot.app.settings.timer_lease_seconds + 1))
    bot.app.runner.run_due_once()

    channel = bot.incident_channel("inc-1-lost")
    bot.said_to(ONCALL, f"<#{channel.id}")
    with bot.app.sessions() as session:
        stored = session.get(SlackInboxRow, inbox_id)
        assert stored is not None
        assert stored.status == "applied"


def test_replays_racing_each_other_apply_the_request_once(bot: Bot) -> None:
    edge = _edge(bot)
    inbox_id = edge.inbox.record("trigger:crashed-2", FORM, _declare_form(bot, "Raced"))
    assert inbox_id is not None
    with bot.app.sessions.begin() as session:
        due = timers.get(session, recovery_key(inbox_id))
    assert due is not None
    claimed = timers.ClaimedTimer(
        due.id, due.key, due.kind, due.payload, due.due_at, attempts=1, lease_owner="test"
    )
    start = threading.Barrier(3)

    def replay() -> None:
        start.wait()
        edge.recover(claimed)

    threads = [threading.Thread(target=replay) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    eventually(lambda: _incidents(bot) >= 1, what="the replayed declare")
    assert _incidents(bot) == 1


def test_a_recorded_request_is_never_applied_again(bot: Bot) -> None:
    response = bot.driver.slash_command(text="declare Once only sev3", user_id=ONCALL)
    assert response.status_code == 200
    bot.incident_channel("inc-1-once-only")
    with bot.app.sessions() as session:
        stored = session.scalars(select(SlackInboxRow)).one()
        assert stored.status == "applied"
        timer = timers.get(session, recovery_key(stored.id))
        assert timer is not None
        assert timer.status == timers.CANCELLED

    bot.clock.advance(timedelta(seconds=bot.app.settings.timer_lease_seconds + 1))
    bot.app.runner.run_due_once()
    assert _incidents(bot) == 1


def test_a_socket_mode_command_takes_the_same_path(bot: Bot) -> None:
    """Socket Mode envelopes are parsed, recorded and dispatched like HTTP requests."""
    payload = dict(parse_qsl(_declare_form(bot, "Over the socket")))
    answer = _edge(bot).receive_socket("slash_commands", payload)
    assert answer.status == 200
    channel = bot.incident_channel("inc-1-over-the-socket")
    bot.said_to(ONCALL, f"<#{channel.id}")
    again = _edge(bot).receive_socket("slash_commands", payload)
    assert again.status == 200
    assert _incidents(bot) == 1, "a re-sent envelope is a replay"
    assert _edge(bot).receive_socket("interactive", {"type": "nonsense"}).status == 400

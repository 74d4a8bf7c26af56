"""Slack requests arriving at once are each stored once, with their own recovery timer; the
second arrival of one (Slack's retry racing the first) is told it is a replay."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select

from bot.kernel.slack.inbox import RECOVER, Inbox
from bot.kernel.slack.inbox_rows import SlackInboxRow
from bot.kernel.slack.inbox_store import recovery_key
from bot.kernel.storage.db import make_session_factory
from bot.kernel.timers import store as timers

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


def test_requests_arriving_together_are_each_stored_once_with_their_recovery_timer(
    engine: Engine,
) -> None:
    sessions = make_session_factory(engine)
    inbox = Inbox(sessions, sessions, lambda: NOW, timedelta(seconds=30))
    keys = [f"trigger:{n % 12}" for n in range(24)]  # each key sent twice, as Slack retries
    start = threading.Barrier(len(keys))
    answers: dict[int, int | None] = {}

    def receive(n: int) -> None:
        start.wait()
        answers[n] = inbox.record(keys[n], "application/x-www-form-urlencoded", f"body {n}")

    threads = [threading.Thread(target=receive, args=(n,)) for n in range(len(keys))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    stored = [inbox_id for inbox_id in answers.values() if inbox_id is not None]
    assert len(answers) == 24
    assert len(stored) == 12, "each key once; its second arrival is told it is a replay"
    with sessions() as session:
        rows = session.scalars(select(SlackInboxRow)).all()
        assert sorted(row.key for row in rows) == sorted(set(keys))
        assert {row.id for row in rows} == set(stored)
        for inbox_id in stored:
            timer = timers.get(session, recovery_key(inbox_id))
            assert timer is not None
            assert timer.kind == RECOVER
            assert timer.due_at == NOW + timedelta(seconds=30)

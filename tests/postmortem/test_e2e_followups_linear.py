"""Action items exported to Linear on approval, end to end against the fake Linear GraphQL API:
one issue per item across a replayed approval and a crash after the create, and completing the
issue in Linear marks the item done at the next poll."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.kernel.timers import store as timers
from bot.postmortems.rows import FollowupRow
from bot.postmortems.timers import FOLLOWUP, followup_key
from tests.e2e.conftest import Bot, bot, config_dir, eventually, fake_slack_server, slack
from tests.postmortem.test_e2e_followups import ITEM, approve_with_item, followups
from tests.postmortem.test_e2e_review import SHIPPED, UNGATED
from warroom_sandbox.providers.linear import FakeLinear

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # the e2e fixtures, used here

KEY = "lin_api_e2e"


@pytest.fixture
def linear() -> Iterator[FakeLinear]:
    with FakeLinear(api_key=KEY, teams=("PAY",)) as fake:
        yield fake


@pytest.fixture
def extra_settings(tmp_path: Path, linear: FakeLinear) -> dict[str, Any]:
    folder = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, folder)
    followups = "followups:\n  default: {linear: PAY}\n"
    (folder / "config.yaml").write_text(UNGATED + followups, encoding="utf-8")
    return {
        "postmortem_templates_dir": folder,
        "postmortem_export_dir": tmp_path / "published",
        "linear_api_url": linear.url,
        "linear_api_key": SecretStr(KEY),
        "followup_poll_seconds": 0.3,
    }


def _row(bot: Bot) -> FollowupRow:
    with bot.app.sessions() as session:
        return session.scalars(select(FollowupRow)).one()


def test_an_item_becomes_one_linear_issue_and_completing_it_marks_it_done(
    bot: Bot, linear: FakeLinear
) -> None:
    linear.fail(1, status=429, retry_after=0.1)  # Linear's RATELIMITED: waited out
    channel_id, _ = approve_with_item(bot)
    issue = eventually(lambda: linear.issues(), what="the Linear issue")[0]
    assert (issue.identifier, issue.title) == ("PAY-1", ITEM)
    assert f"https://slack.com/app_redirect?channel={channel_id}" in issue.description
    url = f"{linear.url}/app/issue/PAY-1"
    followups(bot, channel_id, f"<{url}|PAY-1> (open)")

    # A crash after Linear created the issue, before warroom recorded it: found, not doubled.
    with bot.app.sessions.begin() as session:
        row = session.scalars(select(FollowupRow)).one()
        row.state, row.issue, row.url = "pending", None, None
        now = bot.clock()
        payload = {"incident": 1, "item": row.action_item_id}
        timers.schedule(session, followup_key(1, row.action_item_id), FOLLOWUP, now, payload, now)
    eventually(lambda: _row(bot).state == "open", what="the issue recorded again")
    assert len(linear.issues()) == 1

    linear.complete("PAY-1")
    eventually(lambda: _row(bot).state == "closed", what="the poll seeing it completed")
    text = followups(bot, channel_id, f"• done: {ITEM}")
    assert f"<{url}|PAY-1> (closed)" in text


def test_a_bad_key_is_said_in_the_channel(bot: Bot, linear: FakeLinear) -> None:
    linear.api_key = "lin_api_other"
    channel_id, _ = approve_with_item(bot)
    bot.posted(channel_id, f"Could not export the action item “{ITEM}” to linear PAY")
    followups(bot, channel_id, "export failed: Linear refused LINEAR_API_KEY")
    assert linear.issues() == []

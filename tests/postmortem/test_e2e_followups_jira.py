"""Action items exported to Jira Cloud on approval, end to end against the fake Jira REST API
v3: one issue per item across a replayed approval and a crash after the create, linked both ways,
and moving the issue to Done marks the item done at the next poll."""

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
from warroom_sandbox.providers.jira import FakeJira

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # the e2e fixtures, used here

EMAIL, TOKEN = "warroom@acme.example", "jira-e2e-token"


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira(email=EMAIL, token=TOKEN, projects=("OPS",)) as fake:
        yield fake


@pytest.fixture
def project() -> str:
    return "OPS"


@pytest.fixture
def extra_settings(tmp_path: Path, jira: FakeJira, project: str) -> dict[str, Any]:
    folder = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, folder)
    followups = f"followups:\n  default: {{jira: {project}}}\n"
    (folder / "config.yaml").write_text(UNGATED + followups, encoding="utf-8")
    return {
        "postmortem_templates_dir": folder,
        "postmortem_export_dir": tmp_path / "published",
        "jira_base_url": jira.url,
        "jira_email": EMAIL,
        "jira_api_token": SecretStr(TOKEN),
        "followup_poll_seconds": 0.3,
    }


def _row(bot: Bot) -> FollowupRow:
    with bot.app.sessions() as session:
        return session.scalars(select(FollowupRow)).one()


def test_an_item_becomes_one_jira_issue_and_done_in_jira_marks_it_done(
    bot: Bot, jira: FakeJira
) -> None:
    jira.fail(1, status=429, retry_after=0)
    channel_id, _ = approve_with_item(bot)
    issue = eventually(lambda: jira.issues(), what="the Jira issue")[0]
    assert (issue.key, issue.summary) == ("OPS-1", ITEM)
    assert f"https://slack.com/app_redirect?channel={channel_id}" in issue.text()
    assert "warroom-followup" in issue.labels
    url = f"{jira.url}/browse/OPS-1"
    followups(bot, channel_id, f"<{url}|OPS-1> (open)")

    # A crash after Jira created the issue, before warroom recorded it: found by its label.
    with bot.app.sessions.begin() as session:
        row = session.scalars(select(FollowupRow)).one()
        row.state, row.issue, row.url = "pending", None, None
        now = bot.clock()
        payload = {"incident": 1, "item": row.action_item_id}
        timers.schedule(session, followup_key(1, row.action_item_id), FOLLOWUP, now, payload, now)
    eventually(lambda: _row(bot).state == "open", what="the issue recorded again")
    assert len(jira.issues()) == 1

    jira.transition("OPS-1", "31")  # Done
    eventually(lambda: _row(bot).state == "closed", what="the poll seeing it done")
    text = followups(bot, channel_id, f"• done: {ITEM}")
    assert f"<{url}|OPS-1> (closed)" in text


@pytest.mark.parametrize("project", ["NOPE"])
def test_an_unknown_project_is_said_in_the_channel(bot: Bot, jira: FakeJira) -> None:
    channel_id, _ = approve_with_item(bot)
    bot.posted(channel_id, "project: valid project is required")
    assert jira.issues() == []

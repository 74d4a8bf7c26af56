"""Action items exported to GitHub Issues on approval, end to end over HTTP against the fake
GitHub: one issue per item across a replayed approval and a crash after the create, linked both
ways, closed on GitHub -> done in warroom (signed webhook), and ``/incident followups``."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.composition import build
from bot.kernel.timers import store as timers
from bot.postmortems.rows import FollowupRow
from bot.postmortems.slack import blocks as pm
from bot.postmortems.timers import FOLLOWUP, followup_key
from tests.e2e.conftest import (
    LEAD,
    ONCALL,
    Bot,
    bot,
    config_dir,
    e2e_settings,
    eventually,
    fake_slack_server,
    slack,
)
from tests.postmortem.test_e2e_review import SHIPPED, UNGATED, draft, incident
from warroom_sandbox import FakeSlackServer
from warroom_sandbox.providers.github import FakeGitHub
from warroom_sandbox.server import BackgroundServer

__all__ = ["bot", "config_dir", "fake_slack_server", "slack"]  # the e2e fixtures, used here

REPO = "acme/checkout"
TOKEN = "ghp_e2etoken"
HOOK = "e2e-github-hook-secret"
ITEM = "Warm the cache after every deploy"


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as fake:
        fake.add_repo(REPO)
        yield fake


@pytest.fixture
def token() -> str:
    return TOKEN


@pytest.fixture
def extra_settings(tmp_path: Path, github: FakeGitHub, token: str) -> dict[str, Any]:
    folder = tmp_path / "postmortems"
    shutil.copytree(SHIPPED, folder)
    followups = f"followups:\n  default: {{github: {REPO}}}\n"
    (folder / "config.yaml").write_text(UNGATED + followups, encoding="utf-8")
    return {
        "postmortem_templates_dir": folder,
        "postmortem_export_dir": tmp_path / "published",
        "github_api_url": github.url,
        "github_token": SecretStr(token),
        "github_webhook_secret": SecretStr(HOOK),
    }


def approve_with_item(bot: Bot) -> tuple[str, httpx.Response]:
    channel = incident(bot)
    bot.command(channel, f"action {ITEM} <@{ONCALL}>")
    bot.posted(channel.id, ITEM)
    message = draft(bot, channel)
    bot.driver.block_action(LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1")
    bot.said_to(LEAD, "You approved version 1")
    return channel.id, bot.driver.block_action(
        LEAD, channel.id, message.ts, pm.ACTION_APPROVE, value="1"
    )  # the same click again, as a replayed submission


def followups(bot: Bot, channel_id: str, fragment: str) -> str:
    """``/incident followups`` until its answer says ``fragment`` (the issue is recorded a moment
    after the tracker has it)."""

    def ask() -> str | None:
        before = len(bot.slack.state.responses(user_id=ONCALL))
        bot.driver.slash_command(text="followups", user_id=ONCALL, channel_id=channel_id)
        answer = eventually(
            lambda: [
                r.all_text
                for r in bot.slack.state.responses(user_id=ONCALL)[before:]
                if "ncident #" in r.all_text
            ],
            what="the answer",
        )[0]
        return answer if fragment in answer else None

    return eventually(ask, what=f"/incident followups saying {fragment!r}")


def test_an_item_becomes_one_issue_linked_both_ways_and_closing_it_marks_it_done(
    bot: Bot, github: FakeGitHub, tmp_path: Path
) -> None:
    channel_id, _ = approve_with_item(bot)
    issue = eventually(lambda: github.issues(REPO), what="the issue")[0]
    assert issue.title == ITEM
    assert f"https://slack.com/app_redirect?channel={channel_id}" in issue.body
    assert "Follow-up of incident #1: Checkout latency high." in issue.body
    assert "/postmortems/1?expires=" in issue.body
    url = f"{github.url}/html/{REPO}/issues/1"
    text = followups(bot, channel_id, f"<{url}|{REPO}#1> (open)")
    assert f"• open: {ITEM} (" in text

    # A replica crashed after GitHub created the issue, before recording it: the timer runs
    # again, finds the issue by its marker and creates none.
    with bot.app.sessions.begin() as session:
        row = session.scalars(select(FollowupRow)).one()
        row.state, row.issue, row.url = "pending", None, None
        now = bot.clock()
        payload = {"incident": 1, "item": row.action_item_id}
        timers.schedule(session, followup_key(1, row.action_item_id), FOLLOWUP, now, payload, now)
    eventually(lambda: _state(bot) == "open", what="the issue recorded again")
    assert len([r for r in github.requests() if r.method == "GET"]) == 2  # looked both times
    assert len(github.issues()) == 1
    posts = [r for r in github.requests() if r.method == "POST"]
    assert len(posts) == 1

    # Closing the issue on GitHub marks the item done (the webhook is signed).
    github.send_webhooks_to(f"{bot.url}/followups/github", "wrong-secret")
    refused = github.close_issue(REPO, 1)
    assert refused is not None
    assert refused.status_code == 401
    github.send_webhooks_to(f"{bot.url}/followups/github", HOOK)
    answer = github.close_issue(REPO, 1)
    assert answer is not None
    assert answer.status_code == 200
    text = followups(bot, channel_id, f"• done: {ITEM}")
    assert f"<{url}|{REPO}#1> (closed)" in text
    assert not bot.app.incidents.view(channel_id).open_actions  # /incident status agrees
    published = _published(tmp_path)
    # The published file is written again as the item changes.
    assert f"## Follow-ups\n\n- {ITEM}: " in published
    eventually(
        lambda: f"- {ITEM}: done, [{REPO}#1]({url}) (closed)\n" in _published(tmp_path),
        what="the export showing the closed issue",
    )

    # Reopened on GitHub: open again in warroom.
    again = github.reopen_issue(REPO, 1)
    assert again is not None
    assert again.status_code == 200
    followups(bot, channel_id, f"• open: {ITEM} (")
    assert bot.app.incidents.view(channel_id).open_actions


def _published(tmp_path: Path) -> str:
    return (tmp_path / "published" / "inc-1-checkout-latency-high.md").read_text("utf-8")


def _state(bot: Bot) -> str:
    with bot.app.sessions() as session:
        return session.scalars(select(FollowupRow)).one().state


def test_a_secondary_rate_limit_and_a_429_are_waited_out(bot: Bot, github: FakeGitHub) -> None:
    github.fail(1, status=403, retry_after=0.2)
    github.fail(1, status=429, retry_after=0)
    channel_id, _ = approve_with_item(bot)
    eventually(lambda: github.issues(REPO), what="the issue")
    url = f"{github.url}/html/{REPO}/issues/1"
    followups(bot, channel_id, f"<{url}|{REPO}#1> (open)")
    assert len(github.issues()) == 1


def test_a_create_whose_answer_was_lost_is_not_sent_again(bot: Bot, github: FakeGitHub) -> None:
    github.lose_create_answers(1)  # GitHub created it, then answered 502
    channel_id, _ = approve_with_item(bot)
    url = f"{github.url}/html/{REPO}/issues/1"
    followups(bot, channel_id, f"<{url}|{REPO}#1> (open)")
    assert len(github.issues()) == 1
    assert len([r for r in github.requests() if r.method == "POST"]) == 1


def test_two_replicas_create_one_issue(
    bot: Bot,
    github: FakeGitHub,
    slack: FakeSlackServer,
    database_url: str,
    config_dir: Path,
    extra_settings: dict[str, Any],
) -> None:
    """A second replica on the same database runs timers too; one issue all the same, even
    when the first create's answer is lost and the retry may land on either replica."""
    settings = e2e_settings(slack, database_url, config_dir, **extra_settings)
    other = build(settings, clock=bot.clock, migrate=False)
    try:
        with BackgroundServer(other.asgi):
            github.lose_create_answers(1)
            channel_id, _ = approve_with_item(bot)
            url = f"{github.url}/html/{REPO}/issues/1"
            followups(bot, channel_id, f"<{url}|{REPO}#1> (open)")
    finally:
        other.engine.dispose()
    assert len(github.issues()) == 1


@pytest.mark.parametrize(
    ("token", "said"),
    [("ghp_wrong", "GitHub refused GITHUB_TOKEN (401)")],
)
def test_a_bad_token_is_said_in_the_channel(bot: Bot, github: FakeGitHub, said: str) -> None:
    channel_id, _ = approve_with_item(bot)
    bot.posted(channel_id, f"Could not export the action item “{ITEM}” to github {REPO}: {said}")
    followups(bot, channel_id, f"export failed: {said}")
    assert github.issues() == []


def test_a_missing_repository_is_said_in_the_channel(bot: Bot, github: FakeGitHub) -> None:
    github.remove_repo(REPO)
    channel_id, _ = approve_with_item(bot)
    bot.posted(channel_id, f"GitHub repository {REPO} not found, or GITHUB_TOKEN cannot see it")


def test_no_action_items_says_how_to_add_one(bot: Bot) -> None:
    channel = incident(bot)
    followups(bot, channel.id, "Incident #1 has no action items yet")

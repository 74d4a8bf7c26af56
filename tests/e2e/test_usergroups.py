"""A schedule's Slack user group holds whoever is on call: at start, at each handoff and as
overrides are made and cancelled; the sync skips Slack when the members are already right.

Config: ``tests/e2e/config`` with ``slack_usergroup: oncall-primary`` on ``primary`` (Olivia on
Tuesday 2030-01-08, Liam from Wednesday 09:00 Berlin, Bob, email only, from Thursday).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from bot.composition import build
from tests.e2e.conftest import (
    BOB,
    CONFIG_DIR,
    LEAD,
    MANAGER,
    ONCALL,
    Bot,
    e2e_settings,
    eventually,
)
from tests.e2e.test_oncall import TUESDAY, WEDNESDAY_9, oncall, pin
from warroom_sandbox.server import BackgroundServer

HANDLE = "oncall-primary"


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    schedules = folder / "schedules.yaml"
    text = schedules.read_text()
    text = text.replace(
        "  - name: primary\n", f"  - name: primary\n    slack_usergroup: {HANDLE}\n", 1
    )
    schedules.write_text(text)
    return folder


def members(bot: Bot) -> list[str] | None:
    group = next((g for g in bot.slack.state.usergroups.values() if g.handle == HANDLE), None)
    return list(group.users) if group else None


def holds(bot: Bot, user: str) -> None:
    eventually(lambda: members(bot) == [user], what=f"@{HANDLE} holding {user}")


def updates(bot: Bot) -> int:
    return len([c for c in bot.slack.state.calls("usergroups.users.update") if c.ok])


def test_the_group_follows_handoffs(bot: Bot) -> None:
    pin(bot, TUESDAY)
    holds(bot, ONCALL)  # created at start, filled with Olivia
    assert len(bot.slack.state.calls("usergroups.create")) == 1
    assert updates(bot) == 1

    bot.app.reminders.seed()  # a restart or reload: right already, nothing changed
    bot.app.runner.run_due_once()
    eventually(lambda: len(bot.slack.state.calls("usergroups.list")) >= 2, what="a 2nd check")
    assert updates(bot) == 1

    bot.clock.offset += WEDNESDAY_9 - bot.clock() + timedelta(seconds=1)  # Olivia -> Liam
    holds(bot, LEAD)
    bot.clock.advance(timedelta(days=1))  # Liam -> Bob, who is in the config by email only
    holds(bot, BOB)
    assert updates(bot) == 3
    assert len(bot.slack.state.calls("usergroups.create")) == 1


def test_the_group_follows_an_override_made_and_cancelled(bot: Bot) -> None:
    pin(bot, TUESDAY)
    holds(bot, ONCALL)
    oncall(bot, f"override <@{MANAGER}|maya> now +4h primary", ONCALL)
    bot.said_to(ONCALL, "Override recorded on *primary*")
    holds(bot, MANAGER)

    number = bot.app.oncall.current_overrides("primary")[0].id
    oncall(bot, f"override cancel {number}", ONCALL)
    holds(bot, ONCALL)

    # An override that starts later changes the group when it starts, not before.
    oncall(bot, f"override <@{LEAD}|liam> +1h +2h primary", ONCALL)
    eventually(lambda: bot.app.oncall.current_overrides("primary"), what="the later override")
    bot.app.runner.run_due_once()
    assert members(bot) == [ONCALL]
    bot.clock.advance(timedelta(hours=1, seconds=1))
    holds(bot, LEAD)
    bot.clock.advance(timedelta(hours=2))
    holds(bot, ONCALL)


def test_two_replicas_update_the_group_once_per_handoff(
    bot: Bot, config_dir: Path, database_url: str
) -> None:
    """A second app on the same database and fake Slack, with its own timer runner: every sync
    is claimed by one of them, so each handoff is one ``usergroups.users.update``."""
    settings = e2e_settings(bot.slack, database_url, config_dir)
    second = build(settings, clock=bot.clock, migrate=False)
    with BackgroundServer(second.asgi):
        pin(bot, TUESDAY)
        second.reminders.seed()  # both replicas plan at start: one timer, by its key
        holds(bot, ONCALL)
        for day in range(1, 5):  # Liam, Bob, Olivia, then Maya for the weekend
            bot.clock.offset += WEDNESDAY_9 + timedelta(days=day - 1, seconds=1) - bot.clock()
            eventually(lambda n=day: updates(bot) == n + 1, what=f"handoff {day}")
            bot.app.runner.run_due_once()
            second.runner.run_due_once()
        assert members(bot) == [MANAGER]
        assert updates(bot) == 5
        assert len(bot.slack.state.calls("usergroups.create")) == 1
    second.engine.dispose()

"""Responders join the incident channel by themselves: whoever acknowledges a page, takes a role
or is paged directly is invited, and the timeline says so."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import BOB, CONFIG_DIR, LEAD, MANAGER, ONCALL, Bot, eventually
from warroom_sandbox.model import Message

POLICIES = """
escalation_policies:
  - name: primary-policy
    levels:
      - delay_minutes: 10
        targets:
          - schedule: primary
  - name: lead-first
    levels:
      - delay_minutes: 10
        targets:
          - user: U0LEAD
  - name: manager-joins
    levels:
      - delay_minutes: 10
        invite: on_page
        targets:
          - user: U0MGR
"""
SERVICES = """
services:
  - name: checkout-api
    escalation_policy: primary-policy
  - name: search
    escalation_policy: lead-first
  - name: payments
    escalation_policy: manager-joins
"""


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "escalation_policies.yaml").write_text(POLICIES)
    (folder / "services.yaml").write_text(SERVICES)
    return folder


def page_dm(bot: Bot, user: str) -> Message:
    def find() -> Message | None:
        dms = bot.slack.state.dm_messages(user)
        return next((m for m in dms if "You are paged" in m.all_text), None)

    return eventually(find, what=f"a page DM to {user}")


def members(bot: Bot, channel_id: str) -> set[str]:
    return set(bot.slack.state.channel(channel_id).members)


def test_acknowledging_a_page_invites_the_acknowledger(bot: Bot) -> None:
    channel = bot.declare("Search is down sev2 service:search", user=ONCALL)
    dm = page_dm(bot, LEAD)
    assert LEAD not in members(bot, channel.id)  # paged, not invited: the default is on ack
    bot.driver.block_action(LEAD, dm.channel, dm.ts, "page_acknowledge", value="1")
    eventually(lambda: LEAD in members(bot, channel.id), what="Liam in the channel")
    bot.posted(channel.id, f"<@{LEAD}> was invited to the channel (acknowledged the page)")


def test_paging_someone_directly_invites_them(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2", user=ONCALL)
    bot.command(channel, f"page <@{MANAGER}> need a hand")
    page_dm(bot, MANAGER)
    eventually(lambda: MANAGER in members(bot, channel.id), what="Maya in the channel")
    bot.posted(channel.id, f"<@{MANAGER}> was invited to the channel (paged directly)")


def test_taking_a_role_invites_and_says_so(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2", user=ONCALL)
    bot.command(channel, f"role comms <@{BOB}>")
    eventually(lambda: BOB in members(bot, channel.id), what="Bob in the channel")
    bot.posted(channel.id, f"<@{BOB}> was invited to the channel (assigned comms)")


def test_a_level_with_invite_on_page_invites_when_paged(bot: Bot) -> None:
    channel = bot.declare("Payments failing sev2 service:payments", user=ONCALL)
    page_dm(bot, MANAGER)
    eventually(lambda: MANAGER in members(bot, channel.id), what="Maya in the channel")
    bot.posted(channel.id, f"<@{MANAGER}> was invited to the channel (paged)")

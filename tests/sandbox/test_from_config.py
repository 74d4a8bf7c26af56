"""The sandbox adds the config's people and team channels a real workspace would have."""

from __future__ import annotations

from pathlib import Path

from warroom_sandbox.from_config import add_people, add_team_channels
from warroom_sandbox.seed import BOB, ONCALL
from warroom_sandbox.workspace import Workspace

USERS = """
users:
  - name: Olivia Okafor
    slack_id: U0ONCALL
    email: olivia@example.com
  - name: Priya Patel
    email: Priya@Example.com
    tz: Asia/Kolkata
  - name: Sam Slackid
    slack_id: U0SAM
  - name: Bob Again
    email: bob@example.com
  - name: nobody reachable
"""

SERVICES = """
services:
  - name: checkout-api
    team_channel: "#payments"
  - name: refunds
    team_channel: "#payments"
  - name: search
    team_channel: "#general"
  - name: broken
    team_channel: "#Not Valid"
"""


def test_people_missing_from_the_workspace_are_added_once(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text(USERS, encoding="utf-8")
    ws = Workspace(lambda: 1_700_000_000.0)
    assert add_people(ws, tmp_path) == ["Priya Patel", "Sam Slackid"]
    assert add_people(ws, tmp_path) == []
    priya = ws.user("U0PRIYA")
    assert (priya.name, priya.email, priya.tz, priya.tz_offset) == (
        "priya",
        "priya@example.com",
        "Asia/Kolkata",
        19800,
    )
    assert ws.user("U0SAM").real_name == "Sam Slackid"
    assert ws.user(ONCALL).real_name == "Olivia Okafor"  # the config's name, as /oncall says it


def test_team_channels_are_created_with_everyone(tmp_path: Path) -> None:
    (tmp_path / "services.yaml").write_text(SERVICES, encoding="utf-8")
    ws = Workspace()
    assert add_team_channels(ws, tmp_path) == ["payments"]
    payments = ws.channel_by_name("payments")
    assert {ONCALL, BOB, ws.bot_user_id} <= set(payments.members)
    assert add_team_channels(ws, tmp_path) == []


def test_a_missing_or_broken_config_adds_nothing(tmp_path: Path) -> None:
    (tmp_path / "users.yaml").write_text("users: [", encoding="utf-8")
    ws = Workspace()
    assert add_people(ws, tmp_path) == []
    assert add_team_channels(ws, tmp_path / "absent") == []


def test_announcement_channels_are_created_too(tmp_path: Path) -> None:
    """`warroom dev` shows #incidents when announcements.yaml names it."""
    (tmp_path / "announcements.yaml").write_text(
        'announcements:\n  channels: ["#incidents", C0123ABCD]\n'
        '  services:\n    - {service: checkout-api, channels: ["#payments-incidents"]}\n',
        encoding="utf-8",
    )
    ws = Workspace()
    assert add_team_channels(ws, tmp_path) == ["incidents", "payments-incidents"]
    assert ws.bot_user_id in ws.channel_by_name("incidents").members

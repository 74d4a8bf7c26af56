"""``slack_usergroup`` in schedules.yaml: a Slack handle, one schedule per group."""

from __future__ import annotations

from pathlib import Path

from bot.config import check_config, load_config
from tests.oncall.test_config_errors import SCHEDULES, expect, folder, one_error

SECOND = """\
  - name: secondary
    time_zone: UTC
    slack_usergroup: oncall-payments
    layers:
      - name: weekly
        users: [U0LEAD]
        rotation_virtual_start: 2024-01-01 09:00
        turn: weekly
"""


def with_group(handle: str) -> str:
    return SCHEDULES.replace(
        "    time_zone: Europe/Berlin\n",
        f"    time_zone: Europe/Berlin\n    slack_usergroup: {handle}\n",
    )


def test_a_schedule_names_its_user_group(tmp_path: Path) -> None:
    config = load_config(folder(tmp_path, schedules=with_group("oncall-payments")))
    assert config.schedule_usergroup("primary") == "oncall-payments"
    assert config.schedule_usergroup("nothing") is None
    config = load_config(folder(tmp_path, schedules=with_group("'@oncall.pay_2'")))
    assert config.schedule_usergroup("primary") == "oncall.pay_2"  # a leading @ is forgiven


def test_a_handle_slack_would_refuse(tmp_path: Path) -> None:
    for bad in ("OnCall", "on call", "oncall-payments-primary-eu", "-oncall"):
        path = folder(tmp_path, schedules=with_group(f"'{bad}'"))
        expect(
            one_error(path),
            path,
            "schedules.yaml",
            4,
            "schedules[0].slack_usergroup",
            f"{bad!r} is not a Slack user group handle",
            "up to 21 lower-case letters, digits",
        )


def test_two_schedules_cannot_share_a_group(tmp_path: Path) -> None:
    path = folder(tmp_path, schedules=with_group("oncall-payments") + SECOND)
    expect(
        one_error(path),
        path,
        "schedules.yaml",
        12,
        "schedules[1].slack_usergroup",
        "user group @oncall-payments is already kept by another schedule",
        "the first is at line 4",
    )
    assert check_config(folder(tmp_path, schedules=with_group("oncall-other") + SECOND)) == []

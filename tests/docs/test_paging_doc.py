"""docs/paging.md cannot drift: every YAML example in it is loaded as users would use it.

Each ```yaml block starts with a comment naming its file: ``# config/<file>`` blocks together
form one config folder, loaded through warroom's own loader and checks (heartbeats included);
the ``# alertmanager.yml`` block must route Alertmanager's Watchdog to a heartbeat monitor of
that config, re-sent more often than the monitor expects and never as "resolved", and must pass
``amtool check-config`` (Debian's prometheus-alertmanager ships it; CI installs it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.config import check_config, load_config
from bot.config.model import Config
from bot.heartbeats.config import check_monitors, load_monitors
from bot.paging.domain.rules import describe
from tests.conftest import IN_CI

DOC = Path(__file__).resolve().parents[2] / "docs" / "paging.md"
BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.DOTALL | re.MULTILINE)
LABEL = re.compile(r"^# (config/[a-z_]+\.yaml|alertmanager\.yml)\n")
CONFIG_FILES = {
    "users.yaml",
    "schedules.yaml",
    "escalation_policies.yaml",
    "services.yaml",
    "heartbeats.yaml",
}
ALERTMANAGER = "alertmanager.yml"
DURATION = re.compile(r"^(\d+)([smh])$")


def blocks() -> dict[str, str]:
    """The YAML blocks of the guide by the file their first line names (one block per file)."""
    found: dict[str, str] = {}
    for text in BLOCK.findall(DOC.read_text(encoding="utf-8")):
        label = LABEL.match(text)
        assert label, f"a yaml block in {DOC.name} does not start with '# config/<file>':\n{text}"
        name = label[1].removeprefix("config/")
        assert name not in found, f"{name} appears twice in {DOC.name}: keep one block per file"
        found[name] = text
    return found


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    found = blocks()
    assert set(found) - {ALERTMANAGER} == CONFIG_FILES
    for name in CONFIG_FILES:
        (tmp_path / name).write_text(found[name], encoding="utf-8")
    return tmp_path


def test_the_config_examples_load_without_an_error(config_dir: Path) -> None:
    assert check_config(config_dir) == []
    config = load_config(config_dir)
    services = {service.name for service in config.services}
    assert check_monitors(config_dir, services) == []
    assert_means_what_the_guide_says(config)


def assert_means_what_the_guide_says(config: Config) -> None:
    liam = config.user("U0LEAD")
    assert liam is not None
    assert describe(liam.rules, liam.contacts) == [
        "High urgency: Slack DM at once, SMS after 2 min, voice call after 5 min, "
        "Opsgenie after 10 min",
        "Low urgency: Slack DM at once, SMS after 15 min",
    ]
    priya = config.user("priya@example.com")
    assert priya is not None
    assert (priya.name, priya.slack_id) == ("Priya Patel", None)
    critical = config.escalation_policy("payments-critical")
    assert critical is not None
    assert critical.repeat == 2
    refunds = config.service("refunds-worker")
    assert refunds is not None
    assert refunds.urgency.value == "low"
    checkout = config.service("checkout-api")
    assert checkout is not None
    assert [w.reason for w in checkout.maintenance] == ["database upgrade"]


def test_the_watchdog_route_beats_a_monitor_of_the_example_more_often_than_it_expects(
    config_dir: Path,
) -> None:
    manager: dict[str, Any] = yaml.safe_load(blocks()[ALERTMANAGER])
    (route,) = [r for r in manager["route"]["routes"] if 'alertname="Watchdog"' in r["matchers"]]
    (receiver,) = [r for r in manager["receivers"] if r["name"] == route["receiver"]]
    (webhook,) = receiver["webhook_configs"]
    assert webhook["send_resolved"] is False
    name = webhook["url"].rsplit("/webhooks/heartbeat/", 1)[1]
    services = {service.name for service in load_config(config_dir).services}
    monitor = load_monitors(config_dir, services).get(name)
    assert monitor is not None, f"the Watchdog beats {name!r}, which heartbeats.yaml lacks"
    assert seconds(route["repeat_interval"]) < monitor.interval.total_seconds()
    assert seconds(route["group_interval"]) < monitor.interval.total_seconds()


def test_the_alertmanager_snippet_is_a_valid_alertmanager_config(tmp_path: Path) -> None:
    amtool = shutil.which("amtool")
    if amtool is None:
        message = "amtool is missing: apt-get install prometheus-alertmanager"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / ALERTMANAGER
    path.write_text(blocks()[ALERTMANAGER], encoding="utf-8")
    checked = subprocess.run(
        [amtool, "check-config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def seconds(duration: str) -> int:
    match = DURATION.match(duration)
    assert match, f"write durations as <n>s, <n>m or <n>h here, got {duration!r}"
    return int(match[1]) * {"s": 1, "m": 60, "h": 3600}[match[2]]

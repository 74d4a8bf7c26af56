"""Fixtures for the fake Slack: one server per session, reset to the seeded workspace per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.dev import DevOptions, DevSandbox
from warroom_sandbox.web.manifest import DEFAULT


@pytest.fixture(scope="session")
def fake_slack_server() -> Iterator[FakeSlackServer]:
    with FakeSlackServer() as server:
        yield server


@pytest.fixture
def slack(fake_slack_server: FakeSlackServer) -> Iterator[FakeSlackServer]:
    fake_slack_server.reset()
    fake_slack_server.enforce_rate_limits = False
    yield fake_slack_server
    fake_slack_server.reset()


@pytest.fixture
def client(slack: FakeSlackServer) -> WebClient:
    """The bot's client, exactly as the app builds it: slack-sdk over HTTP to the fake."""
    return WebClient(base_url=slack.api_url, token="xoxb-test")


# --- warroom dev: the sandbox with the real bot ----------------------------------------------


def dev_options(folder: Path, **overrides: Any) -> DevOptions:
    """A sandbox on an ephemeral port with its own SQLite database and workspace file.

    Triggers live 60 s instead of Slack's 3 (a loaded CI machine must not expire them);
    event retries come after fractions of a second instead of Slack's minutes.
    """
    options: dict[str, Any] = {
        "port": 0,
        "database_url": f"sqlite:///{folder / 'warroom-dev.db'}",
        "workspace_file": folder / "warroom-dev.slack.json",
        "manifest": DEFAULT,
        "trigger_ttl": 60.0,
        "event_retry_schedule": (0.2, 1.0, 15.0),  # the last one outlasts a busy moment
        "extra_settings": {"timer_sweep_seconds": 0.5, "timer_backoff_base_seconds": 0.2},
    }
    options.update(overrides)
    return DevOptions(**options)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevSandbox]:
    """One running ``warroom dev`` per test module (tests use distinct incidents)."""
    with DevSandbox(dev_options(tmp_path_factory.mktemp("dev"))) as sandbox:
        yield sandbox

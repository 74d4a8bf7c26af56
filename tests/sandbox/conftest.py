"""Fixtures for the fake Slack: one server per session, reset to the seeded workspace per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox import FakeSlackServer


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

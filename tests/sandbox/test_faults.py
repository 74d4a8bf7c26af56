"""Failure injection, latency and Slack's rate limits, seen through slack-sdk."""

from __future__ import annotations

import time

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from warroom_sandbox import FakeSlackServer, ManualClock
from warroom_sandbox.seed import GENERAL


def test_ratelimited_answers_429_with_retry_after(
    client: WebClient, slack: FakeSlackServer
) -> None:
    slack.fail("chat.postMessage", error="ratelimited", retry_after=7)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="x")

    response = raised.value.response
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.data == {"ok": False, "error": "ratelimited"}
    assert slack.state.messages(GENERAL) == []


def test_rate_limit_retry_handler_waits_and_succeeds(slack: FakeSlackServer) -> None:
    client = WebClient(
        base_url=slack.api_url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack.fail("chat.postMessage", times=1, error="ratelimited", retry_after=1)

    response = client.chat_postMessage(channel=GENERAL, text="after the wait")

    assert response["ok"] is True
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 200]
    assert [m.text for m in slack.state.messages(GENERAL)] == ["after the wait"]


def test_server_errors_fail_without_effect(client: WebClient, slack: FakeSlackServer) -> None:
    slack.fail("conversations.create", times=1, status=500)

    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-1")

    assert raised.value.response.status_code == 500
    assert slack.state.find_channel("inc-1") is None
    client.conversations_create(name="inc-1")
    assert slack.state.find_channel("inc-1") is not None


def test_server_error_retry_handler_retries_a_503(slack: FakeSlackServer) -> None:
    client = WebClient(
        base_url=slack.api_url,
        token="xoxb-test",
        retry_handlers=[
            ServerErrorRetryHandler(
                max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01)
            )
        ],
    )
    slack.fail("conversations.create", times=2, status=503)

    client.conversations_create(name="inc-1")

    assert [c.status for c in slack.calls("conversations.create")] == [503, 503, 200]


def test_any_api_error_can_be_injected(client: WebClient, slack: FakeSlackServer) -> None:
    slack.fail("conversations.create", times=2, error="name_taken")

    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            client.conversations_create(name="inc-1")
        assert raised.value.response.status_code == 200
        assert raised.value.response["error"] == "name_taken"
    client.conversations_create(name="inc-1")


def test_a_fault_can_match_arguments(client: WebClient, slack: FakeSlackServer) -> None:
    slack.fail("users.lookupByEmail", error="users_not_found", match={"email": "liam@example.com"})

    client.users_lookupByEmail(email="olivia@example.com")
    with pytest.raises(SlackApiError):
        client.users_lookupByEmail(email="liam@example.com")


def test_latency_delays_calls(slack: FakeSlackServer) -> None:
    slack.latency("auth.test", 1.0)

    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{slack.api_url}auth.test",
            headers={"Authorization": "Bearer xoxb-test"},
            timeout=0.1,
        )

    # The delayed call still completes on the server; let it land before the next test's reset.
    deadline = time.monotonic() + 10
    while not slack.calls("auth.test") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert slack.calls("auth.test")[0].ok


def test_reset_clears_faults_and_state(client: WebClient, slack: FakeSlackServer) -> None:
    client.conversations_create(name="inc-1")
    slack.fail("auth.test", times=5, status=500)

    slack.reset()

    assert slack.state.find_channel("inc-1") is None
    assert slack.calls() == []
    assert client.auth_test()["ok"] is True


def test_enforced_limits_allow_one_post_per_second_per_channel() -> None:
    clock = ManualClock()
    with FakeSlackServer(clock=clock, enforce_rate_limits=True) as slack:
        client = WebClient(base_url=slack.api_url, token="xoxb-test")
        dm = client.conversations_open(users="U0ONCALL")["channel"]["id"]
        client.chat_postMessage(channel=GENERAL, text="1")
        client.chat_postMessage(channel=dm, text="other channel")

        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=GENERAL, text="2")
        clock.advance(1.0)
        client.chat_postMessage(channel=GENERAL, text="2")

    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "1"


def test_enforced_limits_follow_the_tiers() -> None:
    clock = ManualClock()
    with FakeSlackServer(clock=clock, enforce_rate_limits=True) as slack:
        client = WebClient(base_url=slack.api_url, token="xoxb-test")
        for number in range(20):  # Tier 2: 20 per minute
            client.conversations_create(name=f"inc-{number}")
            clock.advance(0.5)

        with pytest.raises(SlackApiError) as raised:
            client.conversations_create(name="inc-20")
        clock.advance(60)
        client.conversations_create(name="inc-20")

    assert raised.value.response["error"] == "ratelimited"
    assert int(raised.value.response.headers["Retry-After"]) == 50


def test_rate_limits_are_off_by_default(client: WebClient) -> None:
    for number in range(5):
        client.chat_postMessage(channel=GENERAL, text=str(number))

"""An answer that misses Slack's deadline still reaches the person: after the edge has sent the
empty 200 for it, the listener's answer goes through the request's response_url (real HTTP to
the fake Slack), once; an answer in time is the HTTP answer and nothing is posted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_bolt import BoltResponse

from bot.kernel.slack.edge import _Handoff
from bot.kernel.slack.payloads import SlashCommand
from tests.e2e.conftest import GENERAL, ONCALL, fake_slack_server  # noqa: F401  (fixture)
from warroom_sandbox import FakeSlackServer

STATUS = '{"text": "Incident #1: Checkout down", "blocks": []}'


@pytest.fixture
def slack(fake_slack_server: FakeSlackServer) -> Iterator[FakeSlackServer]:  # noqa: F811
    fake_slack_server.reset()
    yield fake_slack_server
    fake_slack_server.reset()


def _status_command(slack: FakeSlackServer) -> SlashCommand:
    return SlashCommand(
        command="/incident",
        text="status",
        user_id=ONCALL,
        channel_id=GENERAL,
        trigger_id="1.2.3",
        response_url=slack.new_response_url(GENERAL, ONCALL),
    )


def test_an_answer_in_time_is_the_http_answer_and_nothing_is_posted(
    slack: FakeSlackServer,
) -> None:
    delivered: list[BoltResponse] = []
    handoff = _Handoff(_status_command(slack), delivered.append)
    handoff(BoltResponse(status=200, body=STATUS))
    assert handoff.expire() is False  # the deadline passes with the answer on its way
    handoff(BoltResponse(status=200, body=""))  # the listener's final return
    assert [d.body for d in delivered] == [STATUS, ""]
    assert slack.state.responses(user_id=ONCALL) == []


def test_an_answer_after_the_deadline_goes_through_the_response_url_once(
    slack: FakeSlackServer,
) -> None:
    delivered: list[BoltResponse] = []
    handoff = _Handoff(_status_command(slack), delivered.append)
    assert handoff.expire() is True  # nothing yet: the edge answers Slack with an empty 200
    handoff(BoltResponse(status=200, body=STATUS))
    handoff(BoltResponse(status=200, body=STATUS))  # the listener's final return: not twice
    assert delivered == []
    [answer] = slack.state.responses(user_id=ONCALL)
    assert answer.text == "Incident #1: Checkout down"
    assert answer.body["response_type"] == "ephemeral"


def test_a_late_empty_ack_posts_nothing_and_a_late_failure_message_is_said(
    slack: FakeSlackServer,
) -> None:
    handoff = _Handoff(_status_command(slack), lambda _: None)
    assert handoff.expire() is True
    handoff(BoltResponse(status=200, body=""))
    handoff(BoltResponse(status=200, body='{"response_type": "ephemeral", "text": "failed"}'))
    assert [r.text for r in slack.state.responses(user_id=ONCALL)] == ["failed"]

"""A request is classified by its real shape, and a listener that fails still answers Slack at
once (issue 11).

slack_bolt takes any form body containing the substring ``payload`` for an interaction: a slash
command whose text, channel name or user name says "payload" was answered 404 "unhandled
request" and dropped. And a listener that raised within a few milliseconds of its ``ack()`` had
its ack taken back by Bolt: Slack waited 3 s for a 404.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.incidents.slack import blocks
from tests.durability.support import quick_client, slack_deadline, wait_quiet
from tests.e2e.conftest import (  # noqa: F401  (fixtures, shared with the e2e tests)
    GENERAL,
    ONCALL,
    SECRET,
    Bot,
    bot,
    config_dir,
    extra_settings,
    fake_slack_server,
    slack,
)
from tests.e2e.test_interactions import open_view
from warroom_sandbox.model import User
from warroom_sandbox.payloads import VERIFICATION_TOKEN, team_ref, user_ref
from warroom_sandbox.signing import SlackDriver

PAYLOAD_PERSON = "U0PAYLOAD"
LISTENER_GRACE_SECONDS = 0.5


def test_a_declare_whose_text_says_payload_declares(bot: Bot) -> None:  # noqa: F811
    channel = bot.declare("Checkout payload errors sev2")
    assert channel.name == "inc-1-checkout-payload-errors"
    bot.said_to(ONCALL, "declared incident #1")


def test_a_declare_from_a_channel_named_payload_declares(bot: Bot) -> None:  # noqa: F811
    state = bot.slack.state
    team = state.create_channel("payload-team", ONCALL, members=[state.bot_user_id])
    response = bot.driver.slash_command(
        text="declare Checkout errors sev2", user_id=ONCALL, channel_id=team.id
    )
    assert response.status_code == 200, response.text
    bot.incident_channel("inc-1-checkout-errors")
    bot.said_to(ONCALL, "declared incident #1")


def test_a_declare_by_a_person_named_payload_declares(bot: Bot) -> None:  # noqa: F811
    bot.slack.state.add_user(
        User(id=PAYLOAD_PERSON, name="payload", real_name="Pay Load", email="payload@example.com")
    )
    response = bot.driver.slash_command(
        text="declare Checkout errors sev2", user_id=PAYLOAD_PERSON, channel_id=GENERAL
    )
    assert response.status_code == 200, response.text
    channel = bot.incident_channel("inc-1-checkout-errors")
    assert PAYLOAD_PERSON in bot.slack.state.channel(channel.id).members


def test_a_listener_that_fails_right_after_its_ack_still_answers_at_once(
    bot: Bot,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A Mitigate click without the ``channel`` a message button always has: today the
    listener acks and raises a KeyError at once, and Bolt answers 404 three seconds later."""
    channel = bot.declare("Checkout latency high sev2")
    card = bot.card(channel.id)
    payload = click(bot, card.ts, channel.id)
    del payload["channel"]
    with quick_client() as client:
        driver = SlackDriver(f"{bot.url}/slack/events", SECRET, bot.slack, client=client)
        with slack_deadline("a Mitigate click without a channel"):
            response = driver.send(form(payload), "application/x-www-form-urlencoded")
    assert response.status_code < 500, response.text
    assert response.status_code != 404, "Slack was told the click was not handled"
    assert tracebacks(caplog, bot) == []


def test_a_listener_that_fails_before_its_ack_answers_with_no_5xx(
    bot: Bot,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A status-update modal submitted with private_metadata that is not JSON (warroom wrote it,
    so only a forged or corrupted payload has that): refused, not a 500 and a traceback."""
    channel = bot.declare("Checkout latency high sev2")
    bot.driver.block_action(
        ONCALL, channel.id, bot.card(channel.id).ts, blocks.ACTION_UPDATE, value="1"
    )
    view = open_view(bot, ONCALL, blocks.UPDATE_CALLBACK)
    with quick_client() as client:
        driver = SlackDriver(f"{bot.url}/slack/events", SECRET, bot.slack, client=client)
        with slack_deadline("a status update with broken private_metadata"):
            response = driver.view_submission(
                ONCALL, {**view, "private_metadata": "{not json"}, {"text": {"value": "Better"}}
            )
    assert response.status_code < 500, response.text
    assert tracebacks(caplog, bot) == []


def click(bot: Bot, message_ts: str, channel_id: str) -> dict[str, Any]:  # noqa: F811
    """A ``block_actions`` payload for the card's Mitigate button, as Slack sends it."""
    state = bot.slack.state
    user = state.user(ONCALL)
    return {
        "type": "block_actions",
        "user": user_ref(user, state.team.id),
        "api_app_id": state.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": bot.slack.issue_trigger_id(ONCALL),
        "team": team_ref(state.team),
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
        "channel": {"id": channel_id, "name": "incident"},
        "response_url": bot.slack.new_response_url(channel_id, ONCALL, message_ts=message_ts),
        "actions": [
            {
                "action_id": blocks.ACTION_MITIGATE,
                "block_id": "incident_actions",
                "type": "button",
                "value": "1",
                "action_ts": state.ids.next_ts(),
            }
        ],
    }


def form(payload: dict[str, Any]) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def tracebacks(caplog: pytest.LogCaptureFixture, bot: Bot) -> list[str]:  # noqa: F811
    """ERRORs with a traceback, once the app has finished the work the requests left behind
    (a listener goes on after its ack: give it a moment to fail)."""
    wait_quiet(bot.app.engine)
    time.sleep(LISTENER_GRACE_SECONDS)
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR and r.exc_info
    ]

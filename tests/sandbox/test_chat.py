"""chat.*: content rules, Block Kit validation, membership, ephemerals, edits, permalinks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.seed import BOT_ID, GENERAL, LEAD, ONCALL, RANDOM


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_post_message_is_stored_with_blocks_and_a_block_id(
    client: WebClient, slack: FakeSlackServer
) -> None:
    response = client.chat_postMessage(
        channel=GENERAL, text="Incident #1", blocks=[section("*SEV2* checkout latency")]
    )

    (message,) = slack.state.messages(GENERAL)
    assert message.ts == response["ts"]
    assert message.bot_id == BOT_ID
    assert message.blocks[0]["block_id"]
    assert "SEV2" in message.all_text
    assert response["message"]["blocks"] == message.blocks


def test_timestamps_are_strictly_increasing(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=GENERAL, text=str(n))["ts"] for n in range(20)]

    as_numbers = [tuple(int(part) for part in ts.split(".")) for ts in stamps]
    assert as_numbers == sorted(set(as_numbers))
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_no_text_and_no_blocks_is_no_text(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        # api_call: chat_postMessage itself would warn about the missing text first
        client.api_call("chat.postMessage", json={"channel": GENERAL, "text": ""})

    assert raised.value.response["error"] == "no_text"


def test_text_over_40000_characters_is_msg_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="x" * 40_001)

    assert raised.value.response["error"] == "msg_too_long"


def test_unknown_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C0NOPE", text="hi")

    assert raised.value.response["error"] == "channel_not_found"


def test_the_bot_must_be_in_the_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=RANDOM, text="hi")

    assert raised.value.response["error"] == "not_in_channel"


def test_channel_may_be_a_name_or_a_user_id(client: WebClient, slack: FakeSlackServer) -> None:
    client.chat_postMessage(channel="#general", text="by name")
    client.chat_postMessage(channel=LEAD, text="by user id")

    assert slack.state.messages(GENERAL)[-1].text == "by name"
    assert [m.text for m in slack.state.dm_messages(LEAD)] == ["by user id"]


def test_invalid_blocks_are_explained_like_slack(client: WebClient) -> None:
    too_long = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="t", blocks=[section("ok"), too_long])

    body = raised.value.response.data
    assert isinstance(body, dict)
    assert body["error"] == "invalid_blocks"
    (explanation,) = body["response_metadata"]["messages"]
    assert explanation.startswith("[ERROR] ")
    assert "3000" in explanation
    assert explanation.endswith("[json-pointer:/blocks/1]")


@pytest.mark.parametrize(
    "block",
    [
        {"type": "teleporter"},
        {"text": "no type"},
        {"type": "section"},
        {"type": "actions", "elements": [{"type": "hologram", "action_id": "a"}]},
        {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
    ],
)
def test_blocks_the_models_reject_are_invalid_blocks(
    client: WebClient, slack: FakeSlackServer, block: dict[str, Any]
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="t", blocks=[block])

    assert raised.value.response["error"] == "invalid_blocks"
    assert slack.state.messages(GENERAL) == []


def test_a_block_refused_once_is_refused_again_with_the_same_explanation(
    client: WebClient, slack: FakeSlackServer
) -> None:
    block = {"type": "header", "text": {"type": "plain_text", "text": "y" * 151}}
    explanations = []
    for _ in range(2):  # the second time the verdict comes from the fake's memory of the first
        with pytest.raises(SlackApiError) as raised:
            client.chat_postMessage(channel=GENERAL, text="t", blocks=[section("ok"), block])
        assert raised.value.response["error"] == "invalid_blocks"
        explanations.append(raised.value.response["response_metadata"]["messages"])

    assert explanations[0] == explanations[1]
    assert explanations[0][0].endswith("[json-pointer:/blocks/1]")
    assert slack.state.messages(GENERAL) == []


def test_more_than_50_blocks_is_invalid_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="t", blocks=[section("b")] * 51)

    assert raised.value.response["error"] == "invalid_blocks"


def test_fifty_blocks_are_fine(client: WebClient) -> None:
    client.chat_postMessage(channel=GENERAL, text="t", blocks=[section("b")] * 50)


def test_form_encoded_blocks_are_json_text(slack: FakeSlackServer) -> None:
    response = httpx.post(
        f"{slack.api_url}chat.postMessage",
        headers={"Authorization": "Bearer xoxb-test"},
        data={"channel": GENERAL, "blocks": json.dumps([section("from a form")])},
    )

    assert response.json()["ok"] is True
    assert "from a form" in slack.state.messages(GENERAL)[-1].all_text


def test_blocks_that_are_not_a_json_array_are_invalid_blocks_format(slack: FakeSlackServer) -> None:
    response = httpx.post(
        f"{slack.api_url}chat.postMessage",
        headers={"Authorization": "Bearer xoxb-test"},
        data={"channel": GENERAL, "blocks": "{not json"},
    )

    assert response.json()["error"] == "invalid_blocks_format"


def test_ephemeral_messages_are_kept_per_user(client: WebClient, slack: FakeSlackServer) -> None:
    client.chat_postEphemeral(channel=GENERAL, user=ONCALL, text="Usage: /incident declare")

    (ephemeral,) = slack.state.ephemerals(ONCALL)
    assert ephemeral.channel == GENERAL
    assert "Usage" in ephemeral.text
    assert slack.state.ephemerals(LEAD) == []
    assert slack.state.messages(GENERAL) == []


def test_ephemeral_to_someone_outside_the_channel(
    client: WebClient, slack: FakeSlackServer
) -> None:
    channel_id = client.conversations_create(name="inc-1")["channel"]["id"]

    with pytest.raises(SlackApiError) as raised:
        client.chat_postEphemeral(channel=channel_id, user=ONCALL, text="hi")

    assert raised.value.response["error"] == "user_not_in_channel"


def test_update_edits_in_place(client: WebClient, slack: FakeSlackServer) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="SEV2", blocks=[section("SEV2")])["ts"]

    client.chat_update(channel=GENERAL, ts=ts, text="SEV1", blocks=[section("SEV1 now")])

    (message,) = slack.state.messages(GENERAL)
    assert message.ts == ts
    assert message.text == "SEV1"
    assert "SEV1 now" in message.all_text
    assert message.edited is not None


def test_update_of_a_missing_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=GENERAL, ts="1700000000.000100", text="x")

    assert raised.value.response["error"] == "message_not_found"


def test_the_bot_cannot_update_a_person_s_message(
    client: WebClient, slack: FakeSlackServer
) -> None:
    message = slack.state.post_as_user(ONCALL, GENERAL, "mine")

    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=GENERAL, ts=message.ts, text="edited")

    assert raised.value.response["error"] == "cant_update_message"


def test_delete(client: WebClient, slack: FakeSlackServer) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="oops")["ts"]
    human = slack.state.post_as_user(ONCALL, GENERAL, "not yours")

    client.chat_delete(channel=GENERAL, ts=ts)
    with pytest.raises(SlackApiError) as raised:
        client.chat_delete(channel=GENERAL, ts=human.ts)

    assert [m.text for m in slack.state.messages(GENERAL)] == ["not yours"]
    assert raised.value.response["error"] == "cant_delete_message"


def test_permalink(client: WebClient) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="x")["ts"]
    reply = client.chat_postMessage(channel=GENERAL, text="y", thread_ts=ts)["ts"]

    link = client.chat_getPermalink(channel=GENERAL, message_ts=ts)["permalink"]
    reply_link = client.chat_getPermalink(channel=GENERAL, message_ts=reply)["permalink"]

    assert link == f"https://example.slack.com/archives/{GENERAL}/p{ts.replace('.', '')}"
    assert reply_link.endswith(f"?thread_ts={ts}&cid={GENERAL}")


def test_permalink_of_a_missing_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.chat_getPermalink(channel=GENERAL, message_ts="1700000000.000100")

    assert raised.value.response["error"] == "message_not_found"


def test_people_post_only_where_they_are_members(slack: FakeSlackServer) -> None:
    channel = slack.state.create_channel("inc-1", "U0MGR")

    with pytest.raises(Exception, match="not_in_channel"):
        slack.state.post_as_user(ONCALL, channel.id, "hello")

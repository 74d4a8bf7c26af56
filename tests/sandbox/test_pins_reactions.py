"""pins.* and reactions.*."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.seed import BOT_USER_ID, GENERAL, ONCALL


@pytest.fixture
def card_ts(client: WebClient) -> str:
    return str(client.chat_postMessage(channel=GENERAL, text="summary card")["ts"])


def test_pin_and_list(client: WebClient, slack: FakeSlackServer, card_ts: str) -> None:
    client.pins_add(channel=GENERAL, timestamp=card_ts)

    (pinned,) = slack.state.pins(GENERAL)
    items = client.pins_list(channel=GENERAL)["items"]
    assert pinned.ts == card_ts
    assert pinned.pinned_to == [GENERAL]
    assert items[0]["message"]["ts"] == card_ts
    assert items[0]["created_by"] == BOT_USER_ID


def test_pinning_twice_is_already_pinned(client: WebClient, card_ts: str) -> None:
    client.pins_add(channel=GENERAL, timestamp=card_ts)

    with pytest.raises(SlackApiError) as raised:
        client.pins_add(channel=GENERAL, timestamp=card_ts)

    assert raised.value.response["error"] == "already_pinned"


def test_pin_without_timestamp_is_no_item_specified(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.api_call("pins.add", json={"channel": GENERAL})

    assert raised.value.response["error"] == "no_item_specified"


def test_pin_of_a_missing_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.pins_add(channel=GENERAL, timestamp="1700000000.000100")

    assert raised.value.response["error"] == "message_not_found"


def test_unpin(client: WebClient, slack: FakeSlackServer, card_ts: str) -> None:
    client.pins_add(channel=GENERAL, timestamp=card_ts)
    client.pins_remove(channel=GENERAL, timestamp=card_ts)

    with pytest.raises(SlackApiError) as raised:
        client.pins_remove(channel=GENERAL, timestamp=card_ts)

    assert slack.state.pins(GENERAL) == []
    assert raised.value.response["error"] == "no_pin"


def test_react_and_get(client: WebClient, slack: FakeSlackServer, card_ts: str) -> None:
    slack.state.react(GENERAL, card_ts, ONCALL, "eyes")
    client.reactions_add(channel=GENERAL, timestamp=card_ts, name="eyes")

    reactions = client.reactions_get(channel=GENERAL, timestamp=card_ts)["message"]["reactions"]
    assert reactions == [{"name": "eyes", "users": [ONCALL, BOT_USER_ID], "count": 2}]
    reaction = slack.state.message(GENERAL, card_ts).reaction("eyes")
    assert reaction is not None
    assert reaction.users == [ONCALL, BOT_USER_ID]


def test_reacting_twice_is_already_reacted(client: WebClient, card_ts: str) -> None:
    client.reactions_add(channel=GENERAL, timestamp=card_ts, name="white_check_mark")

    with pytest.raises(SlackApiError) as raised:
        client.reactions_add(channel=GENERAL, timestamp=card_ts, name="white_check_mark")

    assert raised.value.response["error"] == "already_reacted"


@pytest.mark.parametrize("name", [":pushpin:", "Push Pin", "", "thumbsup::skin-tone-9"])
def test_bad_emoji_names_are_invalid_name(client: WebClient, card_ts: str, name: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.reactions_add(channel=GENERAL, timestamp=card_ts, name=name)

    assert raised.value.response["error"] == "invalid_name"


def test_unreact(client: WebClient, slack: FakeSlackServer, card_ts: str) -> None:
    client.reactions_add(channel=GENERAL, timestamp=card_ts, name="thumbsup::skin-tone-2")
    client.reactions_remove(channel=GENERAL, timestamp=card_ts, name="thumbsup::skin-tone-2")

    with pytest.raises(SlackApiError) as raised:
        client.reactions_remove(channel=GENERAL, timestamp=card_ts, name="thumbsup::skin-tone-2")

    assert slack.state.message(GENERAL, card_ts).reactions == []
    assert raised.value.response["error"] == "no_reaction"

"""Writes Slack carries out but answers badly (a 5xx or no answer in time), and guests Slack
will not let an app invite: the fake's side of warroom's idempotent writes."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.model import User
from warroom_sandbox.seed import BOT_USER_ID, GENERAL, ONCALL

GUEST, SINGLE = "U0GUEST", "U0SINGLE"


def test_an_applied_5xx_posts_the_message_and_answers_500(
    client: WebClient, slack: FakeSlackServer
) -> None:
    slack.fail("chat.postMessage", status=500, applied=True)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=GENERAL, text="status: rolled back")

    assert raised.value.response.status_code == 500
    assert raised.value.response["error"] == "internal_error"
    assert [m.text for m in slack.state.messages(GENERAL)] == ["status: rolled back"]
    assert [c.status for c in slack.calls("chat.postMessage")] == [500]


def test_an_applied_5xx_on_create_leaves_the_channel_so_a_retry_finds_the_name_taken(
    client: WebClient, slack: FakeSlackServer
) -> None:
    slack.fail("conversations.create", status=503, applied=True)

    with pytest.raises(SlackApiError):
        client.conversations_create(name="inc-1-db-down")
    created = slack.state.find_channel("inc-1-db-down")
    assert created is not None
    assert created.creator == BOT_USER_ID
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-1-db-down")
    assert raised.value.response["error"] == "name_taken"


def test_a_fault_without_applied_still_changes_nothing(
    client: WebClient, slack: FakeSlackServer
) -> None:
    slack.fail("chat.postMessage", status=500)

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=GENERAL, text="lost")

    assert slack.state.messages(GENERAL) == []


def test_an_applied_fault_only_strikes_matching_calls(
    client: WebClient, slack: FakeSlackServer
) -> None:
    slack.fail("chat.postMessage", status=500, applied=True, match={"text": "second"})

    client.chat_postMessage(channel=GENERAL, text="first")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=GENERAL, text="second")
    client.chat_postMessage(channel=GENERAL, text="third")

    assert [m.text for m in slack.state.messages(GENERAL)] == ["first", "second", "third"]


def test_a_stalled_write_times_out_at_the_client_yet_is_applied(slack: FakeSlackServer) -> None:
    impatient = WebClient(base_url=slack.api_url, token="xoxb-test", timeout=1)
    slack.stall("chat.postMessage", seconds=3)

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=GENERAL, text="did it land?")

    assert [m.text for m in slack.state.messages(GENERAL)] == ["did it land?"]
    deadline = time.monotonic() + 10
    while not slack.calls("chat.postMessage") and time.monotonic() < deadline:
        time.sleep(0.05)  # the held answer is recorded when it is finally sent
    assert [c.status for c in slack.calls("chat.postMessage")] == [200]


@pytest.fixture
def guests(slack: FakeSlackServer) -> None:
    slack.state.add_user(User(id=GUEST, name="gus", real_name="Gus Guest", is_restricted=True))
    slack.state.add_user(
        User(id=SINGLE, name="sid", real_name="Sid Single", is_ultra_restricted=True)
    )


@pytest.mark.usefixtures("guests")
def test_guests_are_not_invited_by_the_app(client: WebClient, slack: FakeSlackServer) -> None:
    channel_id = client.conversations_create(name="inc-7")["channel"]["id"]

    for guest in (GUEST, SINGLE):
        with pytest.raises(SlackApiError) as raised:
            client.conversations_invite(channel=channel_id, users=guest)
        assert raised.value.response["error"] == "cant_invite"
        assert raised.value.response["errors"] == [
            {"user": guest, "ok": False, "error": "cant_invite"}
        ]
    assert slack.state.channel(channel_id).members == [BOT_USER_ID]


@pytest.mark.usefixtures("guests")
def test_a_single_channel_guest_already_in_a_channel_is_at_the_maximum(
    client: WebClient, slack: FakeSlackServer
) -> None:
    home = slack.state.create_channel("guest-home", ONCALL)
    slack.state.join(home.id, SINGLE)
    channel_id = client.conversations_create(name="inc-8")["channel"]["id"]

    with pytest.raises(SlackApiError) as raised:
        client.conversations_invite(channel=channel_id, users=SINGLE)

    assert raised.value.response["error"] == "ura_max_channels"


@pytest.mark.usefixtures("guests")
def test_a_forced_invite_adds_the_members_and_lists_the_guest(
    client: WebClient, slack: FakeSlackServer
) -> None:
    channel_id = client.conversations_create(name="inc-9")["channel"]["id"]

    answer = client.conversations_invite(channel=channel_id, users=[ONCALL, GUEST], force=True)

    assert answer["errors"] == [{"user": GUEST, "ok": False, "error": "cant_invite"}]
    assert slack.state.channel(channel_id).members == [BOT_USER_ID, ONCALL]


@pytest.mark.usefixtures("guests")
def test_users_info_says_who_is_a_guest(client: WebClient) -> None:
    gus = client.users_info(user=GUEST)["user"]
    sid = client.users_info(user=SINGLE)["user"]
    olivia = client.users_info(user=ONCALL)["user"]

    assert (gus["is_restricted"], gus["is_ultra_restricted"]) == (True, False)
    assert (sid["is_restricted"], sid["is_ultra_restricted"]) == (True, True)
    assert (olivia["is_restricted"], olivia["is_ultra_restricted"]) == (False, False)

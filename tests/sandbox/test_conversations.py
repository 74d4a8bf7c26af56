"""conversations.*: Slack's naming rules, membership, history, topic, DMs and archiving."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.errors import ApiError
from warroom_sandbox.seed import BOB, BOT_USER_ID, GENERAL, LEAD, ONCALL, RANDOM


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("   ", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Inc-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc.1", "invalid_name_specials"),
        ("#inc-1", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_-_", "invalid_name_punctuation"),
    ],
)
def test_channel_names_follow_slack_rules(client: WebClient, name: str, error: str) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name=name)

    assert raised.value.response["error"] == error


def test_eighty_characters_of_lowercase_digits_dash_underscore_are_fine(
    client: WebClient, slack: FakeSlackServer
) -> None:
    name = "inc-1_" + "a" * 74

    created = client.conversations_create(name=name)["channel"]

    assert created["name"] == name
    assert slack.state.channel_by_name(name).id == created["id"]


def test_a_taken_name_is_name_taken(client: WebClient) -> None:
    client.conversations_create(name="inc-1-checkout-latency-high")

    with pytest.raises(SlackApiError) as raised:
        client.conversations_create(name="inc-1-checkout-latency-high")

    assert raised.value.response["error"] == "name_taken"


def test_the_creator_is_a_member_and_the_channel_is_public(
    client: WebClient, slack: FakeSlackServer
) -> None:
    created = client.conversations_create(name="inc-2-db")["channel"]

    channel = slack.state.channel_by_name("inc-2-db")
    assert created["id"].startswith("C")
    assert created["is_member"] is True
    assert created["creator"] == BOT_USER_ID
    assert channel.members == [BOT_USER_ID]
    assert channel.is_private is False


def test_channel_by_name_says_which_channels_exist(slack: FakeSlackServer) -> None:
    with pytest.raises(LookupError, match="general"):
        slack.state.channel_by_name("inc-404")


def test_invite_adds_members_and_posts_join_messages(
    client: WebClient, slack: FakeSlackServer
) -> None:
    channel_id = client.conversations_create(name="inc-3")["channel"]["id"]

    client.conversations_invite(channel=channel_id, users=[ONCALL, LEAD])

    assert slack.state.channel(channel_id).members == [BOT_USER_ID, ONCALL, LEAD]
    joins = [
        m
        for m in slack.state.messages(channel_id, include_system=True)
        if m.subtype == "channel_join"
    ]
    assert [m.user for m in joins] == [BOT_USER_ID, ONCALL, LEAD]
    assert slack.state.messages(channel_id) == []


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ([ONCALL], "already_in_channel"),
        (["U0NOBODY"], "user_not_found"),
        ([BOT_USER_ID], "cant_invite_self"),
    ],
)
def test_invite_errors(client: WebClient, users: list[str], error: str) -> None:
    channel_id = client.conversations_create(name="inc-4")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users=[ONCALL])

    with pytest.raises(SlackApiError) as raised:
        client.conversations_invite(channel=channel_id, users=users)

    assert raised.value.response["error"] == error
    assert raised.value.response["errors"][0]["user"] == users[0]


def test_invite_with_one_bad_user_invites_nobody_unless_forced(
    client: WebClient, slack: FakeSlackServer
) -> None:
    channel_id = client.conversations_create(name="inc-5")["channel"]["id"]

    with pytest.raises(SlackApiError):
        client.conversations_invite(channel=channel_id, users=[ONCALL, "U0NOBODY"])
    assert slack.state.channel(channel_id).members == [BOT_USER_ID]

    forced = client.conversations_invite(channel=channel_id, users=[ONCALL, "U0NOBODY"], force=True)
    assert forced["errors"] == [{"user": "U0NOBODY", "ok": False, "error": "user_not_found"}]
    assert slack.state.channel(channel_id).members == [BOT_USER_ID, ONCALL]


def test_invite_needs_the_caller_in_the_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_invite(channel=RANDOM, users=[ONCALL])

    assert raised.value.response["error"] == "not_in_channel"


def test_invite_to_an_unknown_channel(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_invite(channel="C0NOPE", users=[ONCALL])

    assert raised.value.response["error"] == "channel_not_found"


def test_join_a_public_channel(client: WebClient, slack: FakeSlackServer) -> None:
    client.conversations_join(channel=RANDOM)
    again = client.conversations_join(channel=RANDOM)

    assert BOT_USER_ID in slack.state.channel(RANDOM).members
    assert again["warning"] == "already_in_channel"


def test_members_paginates(client: WebClient) -> None:
    first = client.conversations_members(channel=GENERAL, limit=3)
    rest = client.conversations_members(
        channel=GENERAL, cursor=first["response_metadata"]["next_cursor"]
    )

    assert len(first["members"]) == 3
    assert rest["response_metadata"]["next_cursor"] == ""
    assert set(first["members"]) | set(rest["members"]) == {ONCALL, LEAD, "U0MGR", BOB, BOT_USER_ID}


def test_list_filters_by_types_and_paginates(client: WebClient) -> None:
    for number in range(5):
        client.conversations_create(name=f"inc-{number}")
    client.conversations_open(users=ONCALL)

    names: list[str] = []
    cursor = None
    while True:
        page = client.conversations_list(types="public_channel", limit=2, cursor=cursor)
        names.extend(c["name"] for c in page["channels"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    ims = client.conversations_list(types="im")["channels"]

    assert names == ["general", "random", "inc-0", "inc-1", "inc-2", "inc-3", "inc-4"]
    assert [im["user"] for im in ims] == [ONCALL]


def test_list_can_exclude_archived(client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-old")["channel"]["id"]
    client.conversations_archive(channel=channel_id)

    listed = client.conversations_list(exclude_archived=True)["channels"]

    assert "inc-old" not in [c["name"] for c in listed]


def test_set_topic_posts_a_channel_topic_message(client: WebClient, slack: FakeSlackServer) -> None:
    channel_id = client.conversations_create(name="inc-1-checkout-latency-high")["channel"]["id"]

    response = client.conversations_setTopic(channel=channel_id, topic="SEV2 | investigating")

    assert response["channel"]["topic"]["value"] == "SEV2 | investigating"
    channel = slack.state.channel_by_name("inc-1-checkout-latency-high")
    assert "SEV2" in channel.topic
    topic_messages = [
        m
        for m in slack.state.messages(channel_id, include_system=True)
        if m.subtype == "channel_topic"
    ]
    assert topic_messages[-1].text == "set the channel topic: SEV2 | investigating"


def test_topic_longer_than_250_is_too_long(client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-6")["channel"]["id"]

    with pytest.raises(SlackApiError) as raised:
        client.conversations_setTopic(channel=channel_id, topic="x" * 251)

    assert raised.value.response["error"] == "too_long"


def test_set_purpose(client: WebClient, slack: FakeSlackServer) -> None:
    channel_id = client.conversations_create(name="inc-7")["channel"]["id"]

    client.conversations_setPurpose(channel=channel_id, purpose="Checkout is slow")

    assert slack.state.channel(channel_id).purpose == "Checkout is slow"


def test_open_returns_the_same_dm_and_the_bot_may_post_there(
    client: WebClient, slack: FakeSlackServer
) -> None:
    first = client.conversations_open(users=ONCALL)
    second = client.conversations_open(users=[ONCALL])

    dm_id = first["channel"]["id"]
    assert dm_id.startswith("D")
    assert second["channel"]["id"] == dm_id
    assert second["already_open"] is True

    client.chat_postMessage(channel=dm_id, text="You are paged for incident #1")
    assert [m.text for m in slack.state.dm_messages(ONCALL)] == ["You are paged for incident #1"]


def test_open_with_an_unknown_user(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_open(users="U0NOBODY")

    assert raised.value.response["error"] == "user_not_found"


def test_archived_channels_refuse_posts_until_unarchived(client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-8")["channel"]["id"]
    client.conversations_archive(channel=channel_id)

    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=channel_id, text="too late")
    assert raised.value.response["error"] == "is_archived"
    assert client.conversations_info(channel=channel_id)["channel"]["is_archived"] is True

    client.conversations_unarchive(channel=channel_id)
    client.chat_postMessage(channel=channel_id, text="back")


def test_archive_twice_and_general(client: WebClient) -> None:
    channel_id = client.conversations_create(name="inc-9")["channel"]["id"]
    client.conversations_archive(channel=channel_id)

    with pytest.raises(SlackApiError) as twice:
        client.conversations_archive(channel=channel_id)
    with pytest.raises(SlackApiError) as general:
        client.conversations_archive(channel=GENERAL)

    assert twice.value.response["error"] == "already_archived"
    assert general.value.response["error"] == "cant_archive_general"


def test_history_is_newest_first_and_threads_stay_in_replies(
    client: WebClient, slack: FakeSlackServer
) -> None:
    first = client.chat_postMessage(channel=GENERAL, text="one")["ts"]
    client.chat_postMessage(channel=GENERAL, text="two")
    client.chat_postMessage(channel=GENERAL, text="reply", thread_ts=first)
    slack.state.post_as_user(ONCALL, GENERAL, "human reply", thread_ts=first)

    history = client.conversations_history(channel=GENERAL)["messages"]
    replies = client.conversations_replies(channel=GENERAL, ts=first)["messages"]

    assert [m["text"] for m in history] == ["two", "one"]
    assert history[1]["reply_count"] == 2
    assert [m["text"] for m in replies] == ["one", "reply", "human reply"]
    assert [m.text for m in slack.state.thread(GENERAL, first)] == ["reply", "human reply"]


def test_history_pages(client: WebClient) -> None:
    for number in range(5):
        client.chat_postMessage(channel=GENERAL, text=str(number))

    first = client.conversations_history(channel=GENERAL, limit=3)
    rest = client.conversations_history(
        channel=GENERAL, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )

    assert first["has_more"] is True
    assert [m["text"] for m in first["messages"] + rest["messages"]] == ["4", "3", "2", "1", "0"]
    assert rest["has_more"] is False


def test_history_needs_membership(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_history(channel=RANDOM)

    assert raised.value.response["error"] == "not_in_channel"


def test_replies_of_an_unknown_thread(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel=GENERAL, ts="1700000000.000100")

    assert raised.value.response["error"] == "thread_not_found"


def test_a_member_leaves_or_is_removed(client: WebClient, slack: FakeSlackServer) -> None:
    channel_id = client.conversations_create(name="inc-9", is_private=True)["channel"]["id"]
    client.conversations_invite(channel=channel_id, users=[ONCALL, LEAD])

    assert slack.state.leave(channel_id, ONCALL)
    assert not slack.state.leave(channel_id, ONCALL)  # not in it any more
    assert slack.state.leave(channel_id, LEAD, remover=BOT_USER_ID)

    members = client.conversations_members(channel=channel_id)["members"]
    assert members == [BOT_USER_ID]
    leaves = [
        m
        for m in slack.state.messages(channel_id, include_system=True)
        if m.subtype == "channel_leave"
    ]
    assert [m.user for m in leaves] == [ONCALL, LEAD]
    with pytest.raises(ApiError, match="cant_kick_self"):
        slack.state.leave(channel_id, BOT_USER_ID, remover=BOT_USER_ID)

"""The HTTP contract (auth, transports, unknown methods) and the identity methods."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.seed import BOT_ID, BOT_USER_ID, GENERAL, ONCALL


def test_auth_test_names_the_bot(client: WebClient) -> None:
    response = client.auth_test()

    assert response["user_id"] == BOT_USER_ID
    assert response["bot_id"] == BOT_ID
    assert response["team_id"] == "T0001"
    assert response["url"] == "https://example.slack.com/"


def test_missing_token_is_not_authed_with_http_200(slack: FakeSlackServer) -> None:
    response = httpx.post(f"{slack.api_url}auth.test")

    assert response.status_code == 200
    assert response.json() == {"ok": False, "error": "not_authed"}


def test_a_token_that_is_not_a_bot_token_is_invalid_auth(slack: FakeSlackServer) -> None:
    client = WebClient(base_url=slack.api_url, token="xoxp-someone")

    with pytest.raises(SlackApiError) as raised:
        client.auth_test()

    assert raised.value.response["error"] == "invalid_auth"


def test_token_may_come_as_a_form_argument(slack: FakeSlackServer) -> None:
    response = httpx.post(
        f"{slack.api_url}chat.postMessage",
        data={"token": "xoxb-form", "channel": GENERAL, "text": "form-encoded"},
    )

    assert response.json()["ok"] is True
    assert slack.state.messages(GENERAL)[-1].text == "form-encoded"
    assert "token" not in slack.calls("chat.postMessage")[0].params


def test_query_string_arguments_work_for_get(slack: FakeSlackServer) -> None:
    response = httpx.get(
        f"{slack.api_url}users.info",
        params={"user": ONCALL},
        headers={"Authorization": "Bearer xoxb-test"},
    )

    assert response.json()["user"]["real_name"] == "Olivia Oncall"
    assert slack.calls("users.info")[0].http_method == "GET"


def test_unknown_method_is_http_404_unknown_method(slack: FakeSlackServer) -> None:
    response = httpx.post(
        f"{slack.api_url}chat.teleport", headers={"Authorization": "Bearer xoxb-test"}
    )

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error": "unknown_method"}


def test_every_call_is_recorded_with_decoded_params(
    client: WebClient, slack: FakeSlackServer
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hello"}}]
    client.chat_postMessage(channel=GENERAL, text="hi", blocks=blocks)

    (call,) = slack.calls("chat.postMessage")
    assert call.ok
    assert call.params["channel"] == GENERAL
    assert call.params["blocks"] == blocks
    assert call.response["channel"] == GENERAL


def test_users_info_and_lookup_by_email(client: WebClient) -> None:
    user = client.users_lookupByEmail(email="olivia@example.com")["user"]

    assert user["id"] == ONCALL
    assert user["tz"] == "Europe/Berlin"
    assert user["profile"]["email"] == "olivia@example.com"
    assert client.users_info(user=ONCALL)["user"]["name"] == "olivia"


def test_unknown_email_is_users_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_lookupByEmail(email="nobody@example.com")

    assert raised.value.response["error"] == "users_not_found"


def test_unknown_user_is_user_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_info(user="U0NOBODY")

    assert raised.value.response["error"] == "user_not_found"


def test_users_list_paginates_with_cursors(client: WebClient) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.users_list(limit=2, cursor=cursor)
        seen.extend(member["id"] for member in page["members"])
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break

    assert pages == 3
    assert seen == [BOT_USER_ID, "U0ONCALL", "U0LEAD", "U0MGR", "U0BOB"]


def test_a_cursor_the_fake_did_not_make_is_invalid_cursor(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.users_list(limit=2, cursor="bm90LWEtY3Vyc29y")

    assert raised.value.response["error"] == "invalid_cursor"


def test_team_info(client: WebClient) -> None:
    team = client.team_info()["team"]

    assert team["id"] == "T0001"
    assert team["domain"] == "example"

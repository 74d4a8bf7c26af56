"""usergroups.*: what warroom's on-call sync relies on, with Slack's own errors."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer
from warroom_sandbox.seed import BOT_USER_ID, LEAD, ONCALL


def test_create_list_and_replace_members(client: WebClient, slack: FakeSlackServer) -> None:
    made = client.usergroups_create(name="On-call payments", handle="oncall-payments")["usergroup"]
    assert made["id"].startswith("S")
    assert made["handle"] == "oncall-payments"

    client.usergroups_users_update(usergroup=made["id"], users=f"{ONCALL},{LEAD}")
    client.usergroups_users_update(usergroup=made["id"], users=[LEAD])

    (listed,) = client.usergroups_list(include_users=True)["usergroups"]
    assert listed["users"] == [LEAD]
    assert listed["user_count"] == 1
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert client.usergroups_users_list(usergroup=made["id"])["users"] == [LEAD]
    assert slack.state.usergroups[made["id"]].users == [LEAD]


def test_slack_refuses_what_it_refuses(client: WebClient) -> None:
    made = client.usergroups_create(name="Payments", handle="oncall-payments")["usergroup"]
    cases = {
        "name_already_exists": lambda: client.usergroups_create(name="payments", handle="other"),
        "handle_already_exists": lambda: client.usergroups_create(
            name="Other", handle="oncall-payments"
        ),
        "invalid_handle": lambda: client.usergroups_create(name="X", handle="Has Spaces"),
        "no_such_subteam": lambda: client.usergroups_users_update(usergroup="S0NOPE", users=ONCALL),
        "no_users_provided": lambda: client.usergroups_users_update(usergroup=made["id"], users=""),
        "invalid_users": lambda: client.usergroups_users_update(
            usergroup=made["id"], users=f"{ONCALL},{BOT_USER_ID}"
        ),
    }
    for code, call in cases.items():
        with pytest.raises(SlackApiError) as raised:
            call()
        assert raised.value.response["error"] == code, code

"""views.*: trigger ids, modal validation, stacks, hashes, App Home."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from warroom_sandbox import FakeSlackServer, ManualClock
from warroom_sandbox.seed import LEAD, ONCALL


def modal(title: str = "Declare incident", blocks: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare_incident",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {
                "type": "input",
                "block_id": f"b{n}",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": f"a{n}"},
            }
            for n in range(blocks)
        ],
        **extra,
    }


def test_open_a_modal_for_the_user_of_the_trigger(
    client: WebClient, slack: FakeSlackServer
) -> None:
    trigger = slack.issue_trigger_id(ONCALL)

    view = client.views_open(trigger_id=trigger, view=modal())["view"]

    assert view["id"].startswith("V")
    assert view["root_view_id"] == view["id"]
    assert view["state"] == {"values": {}}
    (open_view,) = slack.state.open_views(ONCALL)
    assert open_view["callback_id"] == "declare_incident"
    assert slack.state.open_views(LEAD) == []


def test_unknown_trigger_is_invalid_trigger_id(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id="12345.98765.abcd2358fdea", view=modal())

    assert raised.value.response["error"] == "invalid_trigger_id"


def test_a_trigger_opens_one_view(client: WebClient, slack: FakeSlackServer) -> None:
    trigger = slack.issue_trigger_id(ONCALL)
    client.views_open(trigger_id=trigger, view=modal())

    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=trigger, view=modal())

    assert raised.value.response["error"] == "exchanged_trigger_id"


def test_a_trigger_expires_after_three_seconds() -> None:
    clock = ManualClock()
    with FakeSlackServer(clock=clock) as slack:
        client = WebClient(base_url=slack.api_url, token="xoxb-test")
        trigger = slack.issue_trigger_id(ONCALL)
        clock.advance(3.5)

        with pytest.raises(SlackApiError) as raised:
            client.views_open(trigger_id=trigger, view=modal())

    assert raised.value.response["error"] == "expired_trigger_id"


@pytest.mark.parametrize(
    "view",
    [
        modal(title="A title that is far too long"),
        modal(blocks=101),
        modal(submit={"type": "plain_text", "text": "x" * 25}),
        {"type": "modal", "blocks": modal()["blocks"]},
        {"type": "dialog", "title": {"type": "plain_text", "text": "t"}},
        modal(blocks=0) | {"blocks": [{"type": "section"}]},
    ],
)
def test_invalid_modals_are_invalid_arguments(
    client: WebClient, slack: FakeSlackServer, view: dict[str, Any]
) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=view)

    assert raised.value.response["error"] == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"][0].startswith("[ERROR]")


def test_one_hundred_blocks_and_a_24_character_title_are_fine(
    client: WebClient, slack: FakeSlackServer
) -> None:
    client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=modal("x" * 24, blocks=100))


def test_update_by_id_checks_the_hash(client: WebClient, slack: FakeSlackServer) -> None:
    opened = client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=modal())["view"]

    updated = client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal(title="Updated")
    )["view"]
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(title="Stale"))

    assert updated["id"] == opened["id"]
    assert updated["hash"] != opened["hash"]
    assert raised.value.response["error"] == "hash_conflict"
    assert slack.state.open_views(ONCALL)[0]["title"]["text"] == "Updated"


def test_update_by_external_id(client: WebClient, slack: FakeSlackServer) -> None:
    client.views_open(
        trigger_id=slack.issue_trigger_id(ONCALL), view=modal(external_id="declare-olivia")
    )

    client.views_update(external_id="declare-olivia", view=modal(title="By external id"))

    assert slack.state.open_views(ONCALL)[0]["title"]["text"] == "By external id"


def test_update_of_an_unknown_view(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id="V0NOPE", view=modal())

    assert raised.value.response["error"] == "not_found"


def test_external_ids_are_unique(client: WebClient, slack: FakeSlackServer) -> None:
    client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=modal(external_id="same"))

    with pytest.raises(SlackApiError) as raised:
        client.views_open(trigger_id=slack.issue_trigger_id(LEAD), view=modal(external_id="same"))

    assert raised.value.response["error"] == "duplicate_external_id"


def test_push_stacks_at_most_three(client: WebClient, slack: FakeSlackServer) -> None:
    root = client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=modal())["view"]
    second = client.views_push(trigger_id=slack.issue_trigger_id(ONCALL), view=modal("2"))["view"]
    client.views_push(trigger_id=slack.issue_trigger_id(ONCALL), view=modal("3"))

    with pytest.raises(SlackApiError) as raised:
        client.views_push(trigger_id=slack.issue_trigger_id(ONCALL), view=modal("4"))

    assert raised.value.response["error"] == "push_limit_reached"
    assert second["root_view_id"] == root["id"]
    assert second["previous_view_id"] == root["id"]
    assert [v["title"]["text"] for v in slack.state.open_views(ONCALL)] == [
        "Declare incident",
        "2",
        "3",
    ]


def test_publish_the_home_tab(client: WebClient, slack: FakeSlackServer) -> None:
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
    }

    client.views_publish(user_id=ONCALL, view=home)
    published = slack.state.home_view(ONCALL)

    assert published is not None
    assert published["type"] == "home"
    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id=ONCALL, view=home, hash="stale.hash")
    assert raised.value.response["error"] == "hash_conflict"


def test_publish_needs_a_home_view(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id=ONCALL, view=modal())

    assert raised.value.response["error"] == "invalid_arguments"


def test_the_answer_to_a_submission_drives_the_stack(
    client: WebClient, slack: FakeSlackServer
) -> None:
    root = client.views_open(trigger_id=slack.issue_trigger_id(ONCALL), view=modal())["view"]

    slack.state.answer_view_submission(
        ONCALL, root["id"], {"response_action": "update", "view": modal("Step 2")}
    )
    assert [v["title"]["text"] for v in slack.state.open_views(ONCALL)] == ["Step 2"]

    slack.state.answer_view_submission(
        ONCALL, root["id"], {"response_action": "push", "view": modal("Confirm")}
    )
    top = slack.state.open_views(ONCALL)[-1]
    slack.state.answer_view_submission(ONCALL, top["id"], None)
    assert [v["title"]["text"] for v in slack.state.open_views(ONCALL)] == ["Step 2"]

    slack.state.answer_view_submission(ONCALL, root["id"], {"response_action": "clear"})
    assert slack.state.open_views(ONCALL) == []
    assert slack.state.view(root["id"]).closed

"""response_url: what a post does, and Slack's 5 uses within 30 minutes."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from warroom_sandbox import FakeSlackServer, ManualClock
from warroom_sandbox.seed import GENERAL, LEAD, ONCALL


def test_a_response_is_ephemeral_by_default(slack: FakeSlackServer) -> None:
    url = slack.new_response_url(GENERAL, ONCALL)

    response = WebhookClient(url).send(text="Usage: /incident declare <title>")

    assert response.status_code == 200
    (ephemeral,) = slack.state.ephemerals(ONCALL)
    assert ephemeral.via == "response_url"
    assert ephemeral.channel == GENERAL
    assert slack.state.messages(GENERAL) == []
    (post,) = slack.state.responses()
    assert post.response_type == "ephemeral"
    assert "Usage" in post.text


def test_in_channel_posts_a_message_as_the_bot(slack: FakeSlackServer) -> None:
    url = slack.new_response_url(GENERAL, ONCALL)

    WebhookClient(url).send(text="Incident #1 declared", response_type="in_channel")

    (message,) = slack.state.messages(GENERAL)
    assert message.text == "Incident #1 declared"
    assert message.user == slack.state.bot_user_id
    assert slack.state.ephemerals() == []


def test_replace_original_edits_the_message_the_action_came_from(
    client: WebClient, slack: FakeSlackServer
) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="You are paged")["ts"]
    url = slack.new_response_url(GENERAL, ONCALL, message_ts=ts)

    WebhookClient(url).send(text="Acknowledged by Olivia", replace_original=True)

    (message,) = slack.state.messages(GENERAL)
    assert message.ts == ts
    assert message.text == "Acknowledged by Olivia"


def test_delete_original(client: WebClient, slack: FakeSlackServer) -> None:
    ts = client.chat_postMessage(channel=GENERAL, text="Pick a playbook")["ts"]
    url = slack.new_response_url(GENERAL, ONCALL, message_ts=ts)

    WebhookClient(url).send(delete_original=True)

    assert slack.state.messages(GENERAL) == []


def test_replace_an_ephemeral_original(client: WebClient, slack: FakeSlackServer) -> None:
    ephemeral_ts = client.chat_postEphemeral(channel=GENERAL, user=LEAD, text="Run step 1?")[
        "message_ts"
    ]
    url = slack.new_response_url(GENERAL, LEAD, ephemeral_ts=ephemeral_ts)

    WebhookClient(url).send(text="Step 1 done", replace_original=True)

    assert [e.text for e in slack.state.ephemerals(LEAD)] == ["Step 1 done"]


def test_a_response_url_works_five_times(slack: FakeSlackServer) -> None:
    webhook = WebhookClient(slack.new_response_url(GENERAL, ONCALL))

    statuses = [webhook.send(text=f"answer {n}").status_code for n in range(5)]
    sixth = webhook.send(text="one too many")

    assert statuses == [200] * 5
    assert sixth.status_code == 404
    assert '"used_url"' in sixth.body
    assert len(slack.state.ephemerals(ONCALL)) == 5


def test_a_response_url_expires_after_30_minutes() -> None:
    clock = ManualClock()
    with FakeSlackServer(clock=clock) as slack:
        webhook = WebhookClient(slack.new_response_url(GENERAL, ONCALL))
        assert webhook.send(text="in time").status_code == 200
        clock.advance(30 * 60 + 1)

        late = webhook.send(text="too late")

    assert late.status_code == 404
    assert '"expired_url"' in late.body


def test_an_unknown_response_url(slack: FakeSlackServer) -> None:
    response = WebhookClient(f"{slack.base_url}/response/not-issued").send(text="x")

    assert response.status_code == 404


def test_invalid_blocks_in_a_response(slack: FakeSlackServer) -> None:
    webhook = WebhookClient(slack.new_response_url(GENERAL, ONCALL))

    response = webhook.send(text="x", blocks=[{"type": "teleporter"}])

    assert response.status_code == 400
    assert '"invalid_blocks"' in response.body
    assert slack.state.responses() == []


def test_response_url_failures_can_be_injected(slack: FakeSlackServer) -> None:
    slack.fail("response_url", status=503)
    webhook = WebhookClient(slack.new_response_url(GENERAL, ONCALL))

    assert webhook.send(text="x").status_code == 503
    assert webhook.send(text="x").status_code == 200

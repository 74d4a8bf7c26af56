"""Request signing, and the driver talking to real receivers: a recorder and a Bolt app.

The Bolt app here is a stand-in for warroom: it proves the driver's payloads are what Bolt
parses, and that the app's answers (ack bodies, ``views.open``, ``respond()``) land in the fake.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk import WebClient
from slack_sdk.signature import Clock, SignatureVerifier
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from warroom_sandbox import (
    BackgroundServer,
    FakeSlackServer,
    SlackDriver,
    signature,
    signed_headers,
)
from warroom_sandbox.seed import BOB, GENERAL, LEAD, ONCALL

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


# --- signing ------------------------------------------------------------------------------


def test_signature_is_accepted_by_slack_sdk_verifier() -> None:
    body = b"token=x&command=%2Fincident&text=declare+Checkout+latency+high+sev2"
    headers = signed_headers(SECRET, body, timestamp=1_700_000_000)
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(1_700_000_030))

    assert verifier.is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert headers["X-Slack-Signature"] == verifier.generate_signature(
        timestamp="1700000000", body=body
    )


def test_a_tampered_body_or_another_secret_does_not_verify() -> None:
    body = b'{"type":"event_callback"}'
    headers = signed_headers(SECRET, body, timestamp=1_700_000_000)
    verifier = SignatureVerifier(SECRET, clock=_FixedClock(1_700_000_000))

    assert not verifier.is_valid(
        body + b" ", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    assert not verifier.is_valid(
        body, "1700000000", signature("another-secret", 1_700_000_000, body)
    )


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


# --- a recording receiver -------------------------------------------------------------------


class Recorder:
    """Accepts what the driver sends, after checking the signature the way Bolt does."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.verifier = SignatureVerifier(SECRET)

    async def endpoint(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        if not self.verifier.is_valid(
            body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        ):
            return Response("invalid signature", status_code=401)
        self.requests.append((headers, body))
        return Response(status_code=200)

    def form(self, index: int = -1) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.requests[index][1].decode()).items()}

    def payload(self, index: int = -1) -> dict[str, Any]:
        return dict(json.loads(self.form(index)["payload"]))


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = Starlette(routes=[Route("/slack/events", recorder.endpoint, methods=["POST"])])
    with BackgroundServer(app) as server:
        yield recorder, f"{server.url}/slack/events"


@pytest.fixture
def recording_driver(
    slack: FakeSlackServer, recorder: tuple[Recorder, str]
) -> Iterator[tuple[SlackDriver, Recorder]]:
    with SlackDriver(recorder[1], SECRET, slack) as driver:
        yield driver, recorder[0]


def test_slash_command_is_a_signed_form_like_slack_s(
    recording_driver: tuple[SlackDriver, Recorder], slack: FakeSlackServer
) -> None:
    driver, recorder = recording_driver

    response = driver.slash_command("/incident", "declare Checkout latency high sev2")

    assert response.status_code == 200
    form = recorder.form()
    assert form["command"] == "/incident"
    assert form["text"] == "declare Checkout latency high sev2"
    assert form["user_id"] == ONCALL
    assert form["channel_id"] == GENERAL
    assert form["channel_name"] == "general"
    assert form["team_id"] == "T0001"
    assert form["response_url"].startswith(f"{slack.base_url}/response/")
    assert form["trigger_id"] == driver.last_trigger_id


def test_event_envelope_and_retry_headers(recording_driver: tuple[SlackDriver, Recorder]) -> None:
    driver, recorder = recording_driver
    event = {"type": "app_mention", "user": ONCALL, "text": "<@U0BOT> status", "channel": GENERAL}

    driver.event(event, event_id="Ev0001")
    driver.event(event, event_id="Ev0001", retry_num=1)

    first_headers, first_body = recorder.requests[0]
    retry_headers, retry_body = recorder.requests[1]
    envelope = json.loads(first_body)
    assert first_headers["content-type"] == "application/json"
    assert "x-slack-retry-num" not in first_headers
    assert retry_headers["x-slack-retry-num"] == "1"
    assert retry_headers["x-slack-retry-reason"] == "http_timeout"
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == json.loads(retry_body)["event_id"] == "Ev0001"
    assert envelope["event"]["text"] == "<@U0BOT> status"
    assert envelope["authorizations"][0]["user_id"] == "U0BOT"


def test_reaction_added_records_the_reaction_and_sends_the_event(
    recording_driver: tuple[SlackDriver, Recorder], slack: FakeSlackServer
) -> None:
    driver, recorder = recording_driver
    message = slack.state.post_as_user(BOB, GENERAL, "Rolled back deploy 1234")

    driver.reaction_added(ONCALL, GENERAL, message.ts, "pushpin")

    event = json.loads(recorder.requests[-1][1])["event"]
    assert event["type"] == "reaction_added"
    assert event["item"] == {"type": "message", "channel": GENERAL, "ts": message.ts}
    assert event["item_user"] == BOB
    reaction = slack.state.message(GENERAL, message.ts).reaction("pushpin")
    assert reaction is not None
    assert reaction.users == [ONCALL]


def test_block_action_carries_the_message_and_the_clicked_button(
    recording_driver: tuple[SlackDriver, Recorder], slack: FakeSlackServer
) -> None:
    driver, recorder = recording_driver
    client = WebClient(base_url=slack.api_url, token="xoxb-test")
    button = {
        "type": "button",
        "action_id": "incident_acknowledge",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "value": "1",
        "style": "primary",
    }
    ts = client.chat_postMessage(
        channel=GENERAL,
        text="You are paged",
        blocks=[{"type": "actions", "block_id": "incident_actions", "elements": [button]}],
    )["ts"]

    driver.block_action(ONCALL, GENERAL, ts, "incident_acknowledge")

    payload = recorder.payload()
    assert payload["type"] == "block_actions"
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": GENERAL,
        "is_ephemeral": False,
    }
    assert payload["message"]["ts"] == ts
    (action,) = payload["actions"]
    assert action["block_id"] == "incident_actions"
    assert action["value"] == "1"
    assert action["style"] == "primary"
    assert action["text"]["text"] == "Acknowledge"


def test_message_shortcut_payload(
    recording_driver: tuple[SlackDriver, Recorder], slack: FakeSlackServer
) -> None:
    driver, recorder = recording_driver
    message = slack.state.post_as_user(BOB, GENERAL, "Error rate dropping")

    driver.message_shortcut("add_to_timeline", ONCALL, GENERAL, message.ts)

    payload = recorder.payload()
    assert payload["type"] == "message_action"
    assert payload["callback_id"] == "add_to_timeline"
    assert payload["message_ts"] == message.ts
    assert payload["message"]["text"] == "Error rate dropping"
    assert payload["channel"] == {"id": GENERAL, "name": "general"}


# --- a Bolt app ---------------------------------------------------------------------------


DECLARE_MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "declare_incident",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title_input"},
        },
        {
            "type": "input",
            "block_id": "severity",
            "label": {"type": "plain_text", "text": "Severity"},
            "element": {
                "type": "static_select",
                "action_id": "severity_select",
                "options": [
                    {"text": {"type": "plain_text", "text": f"SEV{n}"}, "value": f"sev{n}"}
                    for n in range(1, 5)
                ],
            },
        },
    ],
}


def bolt_app(slack: FakeSlackServer, seen: list[tuple[str, Any]]) -> App:
    client = WebClient(base_url=slack.api_url, token="xoxb-test")
    app = App(signing_secret=SECRET, client=client, process_before_response=True)

    @app.command("/incident")
    def incident(ack: Any, command: dict[str, Any], client: WebClient, respond: Any) -> None:
        seen.append(("command", command))
        if command["text"] == "":
            ack()
            client.views_open(trigger_id=command["trigger_id"], view=DECLARE_MODAL)
        elif command["text"] == "help":
            ack(text="Usage: /incident declare <title> [sev1..sev4]")
        else:
            ack()
            respond(text=f"Declared: {command['text']}", response_type="in_channel")

    @app.view("declare_incident")
    def declare(ack: Any, view: dict[str, Any]) -> None:
        seen.append(("view", view))
        title = view["state"]["values"]["title"]["title_input"]["value"]
        if not (title or "").strip():
            ack(response_action="errors", errors={"title": "A title is required"})
        else:
            ack()

    @app.action("incident_acknowledge")
    def acknowledge(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(("action", body))
        respond(text="Acknowledged", replace_original=True)

    @app.shortcut("add_to_timeline")
    def add_to_timeline(ack: Any, shortcut: dict[str, Any], client: WebClient) -> None:
        ack()
        seen.append(("shortcut", shortcut))
        client.reactions_add(
            channel=shortcut["channel"]["id"], timestamp=shortcut["message_ts"], name="pushpin"
        )

    @app.event("reaction_added")
    def reaction_added(body: dict[str, Any]) -> None:
        seen.append(("event", body))

    return app


@pytest.fixture
def bolt(slack: FakeSlackServer) -> Iterator[tuple[SlackDriver, list[tuple[str, Any]]]]:
    seen: list[tuple[str, Any]] = []
    app = bolt_app(slack, seen)

    async def events(request: Request) -> Response:
        body = (await request.body()).decode()
        bolt_request = BoltRequest(body=body, headers=dict(request.headers))
        return to_starlette_response(await run_in_threadpool(app.dispatch, bolt_request))

    web = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
    with (
        BackgroundServer(web) as server,
        SlackDriver(f"{server.url}/slack/events", SECRET, slack) as driver,
    ):
        yield driver, seen


def test_bolt_ack_text_is_shown_to_the_user(
    bolt: tuple[SlackDriver, list[tuple[str, Any]]], slack: FakeSlackServer
) -> None:
    driver, _ = bolt

    response = driver.slash_command("/incident", "help")

    assert response.status_code == 200
    (shown,) = slack.state.ephemerals(ONCALL)
    assert shown.via == "ack"
    assert "Usage" in shown.text


def test_bolt_respond_goes_through_the_response_url(
    bolt: tuple[SlackDriver, list[tuple[str, Any]]], slack: FakeSlackServer
) -> None:
    driver, _ = bolt

    driver.slash_command("/incident", "declare Checkout latency high", user_id=LEAD)

    (message,) = slack.state.messages(GENERAL)
    assert message.text == "Declared: declare Checkout latency high"
    assert [r.via for r in slack.state.responses()] == ["response_url"]


def test_modal_round_trip(
    bolt: tuple[SlackDriver, list[tuple[str, Any]]], slack: FakeSlackServer
) -> None:
    driver, seen = bolt
    driver.slash_command("/incident", "")
    (opened,) = slack.state.open_views(ONCALL)

    driver.view_submission(ONCALL, opened, {"title": {"title_input": "   "}})
    (still_open,) = slack.state.open_views(ONCALL)
    assert slack.state.view(still_open["id"]).errors == {"title": "A title is required"}

    driver.view_submission(
        ONCALL, opened, {"title_input": "Checkout latency high", "severity_select": "sev2"}
    )

    assert slack.state.open_views(ONCALL) == []
    submitted = seen[-1][1]["state"]["values"]
    assert submitted["title"]["title_input"] == {
        "type": "plain_text_input",
        "value": "Checkout latency high",
    }
    assert submitted["severity"]["severity_select"]["selected_option"]["value"] == "sev2"
    assert submitted["severity"]["severity_select"]["selected_option"]["text"]["text"] == "SEV2"


def test_button_then_respond_replaces_the_original(
    bolt: tuple[SlackDriver, list[tuple[str, Any]]], slack: FakeSlackServer
) -> None:
    driver, seen = bolt
    client = WebClient(base_url=slack.api_url, token="xoxb-test")
    button = {
        "type": "button",
        "action_id": "incident_acknowledge",
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "value": "1",
    }
    dm = client.conversations_open(users=ONCALL)["channel"]["id"]
    ts = client.chat_postMessage(
        channel=dm, text="You are paged", blocks=[{"type": "actions", "elements": [button]}]
    )["ts"]

    driver.block_action(ONCALL, dm, ts, "incident_acknowledge")

    assert seen[-1][1]["actions"][0]["value"] == "1"
    (message,) = slack.state.dm_messages(ONCALL)
    assert message.text == "Acknowledged"


def test_shortcut_and_reaction_reach_bolt(
    bolt: tuple[SlackDriver, list[tuple[str, Any]]], slack: FakeSlackServer
) -> None:
    driver, seen = bolt
    message = slack.state.post_as_user(BOB, GENERAL, "Rolled back deploy 1234")

    driver.message_shortcut("add_to_timeline", ONCALL, GENERAL, message.ts)
    driver.reaction_added(LEAD, GENERAL, message.ts, "eyes")

    assert [kind for kind, _ in seen] == ["shortcut", "event"]
    reactions = {r.name: r.users for r in slack.state.message(GENERAL, message.ts).reactions}
    assert reactions == {"pushpin": ["U0BOT"], "eyes": [LEAD]}

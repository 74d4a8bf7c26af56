"""What ``warroom dev`` added to the fake: refused response_url posts, dismissing, Back, and the
driver's view state and ``view_closed``."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from warroom_sandbox import BackgroundServer, FakeSlackServer, SlackDriver
from warroom_sandbox.seed import GENERAL, LEAD, ONCALL


def _modal(title: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [
            {
                "type": "input",
                "block_id": "note",
                "label": {"type": "plain_text", "text": "Note"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }


def test_refused_response_url_posts_are_kept_for_the_page(slack: FakeSlackServer) -> None:
    url = slack.new_response_url(GENERAL, ONCALL)
    refused = httpx.post(url, json={"blocks": [{"type": "nonsense"}]})
    assert refused.status_code == 400
    [error] = slack.state.response_errors()
    assert error.method == "response_url"
    assert error.error == "invalid_blocks"
    assert slack.calls() == []  # the Web API call log is unchanged


def test_people_dismiss_their_own_ephemeral_messages(slack: FakeSlackServer) -> None:
    mine = slack.state.add_ephemeral(GENERAL, ONCALL, text="only you")
    assert not slack.state.dismiss_ephemeral(LEAD, mine.ts)
    assert slack.state.dismiss_ephemeral(ONCALL, mine.ts)
    assert slack.state.ephemerals() == []


def test_back_closes_only_the_top_modal(slack: FakeSlackServer) -> None:
    first = slack.state.modals.open(slack.issue_trigger_id(ONCALL), _modal("One"))
    second = slack.state.modals.push(slack.issue_trigger_id(ONCALL), _modal("Two"))
    slack.state.close_top_view(ONCALL, first.id)  # not the top one: nothing happens
    assert [v["id"] for v in slack.state.open_views(ONCALL)] == [first.id, second.id]
    slack.state.close_top_view(ONCALL, second.id)
    assert [v["id"] for v in slack.state.open_views(ONCALL)] == [first.id]


class _Recorder:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.payloads: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/slack/events", self.receive, methods=["POST"])])

    async def receive(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        self.payloads.append(json.loads(form["payload"][0]))
        if self.status != 200:
            return Response(status_code=self.status)
        return JSONResponse({"response_action": "clear"}) if self.payloads else Response()


def test_driver_sends_view_state_with_block_actions_and_view_closed(slack: FakeSlackServer) -> None:
    recorder = _Recorder()
    view = slack.state.modals.open(slack.issue_trigger_id(ONCALL), _modal("One")).payload
    with (
        BackgroundServer(recorder.app) as app,
        SlackDriver(f"{app.url}/slack/events", "secret", slack) as driver,
    ):
        driver.block_action(
            ONCALL, None, None, "value", view=view, values={"note": {"value": "hi"}}
        )
        driver.view_closed(ONCALL, view)
    action, closed = recorder.payloads
    assert action["view"]["state"]["values"]["note"]["value"]["value"] == "hi"
    assert closed["type"] == "view_closed"
    assert closed["view"]["id"] == view["id"]


def test_a_failed_submission_leaves_the_modal_open(slack: FakeSlackServer) -> None:
    recorder = _Recorder(status=500)
    view = slack.state.modals.open(slack.issue_trigger_id(ONCALL), _modal("One")).payload
    with (
        BackgroundServer(recorder.app) as app,
        SlackDriver(f"{app.url}/slack/events", "secret", slack) as driver,
    ):
        response = driver.view_submission(ONCALL, view, {"value": "x"})
    assert response.status_code == 500
    assert [v["id"] for v in slack.state.open_views(ONCALL)] == [view["id"]]

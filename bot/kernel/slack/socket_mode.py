"""Socket Mode: Slack's requests over a WebSocket instead of a public Request URL.

Each envelope goes through the same edge as an HTTP request (``SlackEdge.receive_socket``):
parsed, recorded, dispatched; the envelope is acknowledged with the listener's answer. An
envelope that could not be recorded is not acknowledged, so Slack sends it again.
"""

from __future__ import annotations

import json
import logging

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.kernel.slack.edge import SlackEdge

log = logging.getLogger(__name__)


def connect(edge: SlackEdge, app_token: str, web_client: WebClient) -> SocketModeClient:
    client = SocketModeClient(app_token=app_token, web_client=web_client)

    def on_request(socket: BaseSocketModeClient, request: SocketModeRequest) -> None:
        answer = edge.receive_socket(request.type, request.payload)
        if answer.status >= 500:
            log.warning("Socket Mode envelope not recorded; Slack will send it again")
            return
        payload = None
        if answer.body:
            try:
                payload = json.loads(answer.body)
            except ValueError:
                payload = None
        socket.send_socket_mode_response(
            SocketModeResponse(envelope_id=request.envelope_id, payload=payload)
        )

    client.socket_mode_request_listeners.append(on_request)
    client.connect()
    return client

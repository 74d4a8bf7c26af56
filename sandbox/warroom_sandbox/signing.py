"""Slack's request signing, and :class:`SlackDriver`: Slack's side of talking to an app over HTTP.

Signing (v0) as Slack does it: ``basestring = "v0:" + timestamp + ":" + raw body``, the signature
is ``"v0=" + hex(HMAC-SHA256(signing secret, basestring))``, sent as ``X-Slack-Signature`` with
``X-Slack-Request-Timestamp``. Verification must use the raw body bytes, so the driver signs
exactly the bytes it sends.

:class:`SlackDriver` plays a user in the Slack client: it sends signed slash commands
(form-encoded), interactions (form-encoded ``payload=<json>``) and events (JSON ``event_callback``
envelopes, with ``X-Slack-Retry-Num``/``X-Slack-Retry-Reason`` on retries) to the app's
``/slack/events`` URL. Trigger ids and response_urls come from the fake workspace, so the app's
``views.open`` and ``respond()`` land in the fake; and it applies what the app answers in its ack
like Slack's client would (a slash command's immediate response, a view submission's
``response_action``). Each method returns the app's :class:`httpx.Response`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from warroom_sandbox.emulator import SlackEmulator
from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import Clock
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.payloads import (
    VERIFICATION_TOKEN,
    action,
    channel_name,
    event_envelope,
    message_event,
    reaction_event,
    state_values,
    team_ref,
    user_ref,
)
from warroom_sandbox.rules import validate_view
from warroom_sandbox.seed import GENERAL, ONCALL

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"


def signature(signing_secret: str, timestamp: int | str, body: bytes) -> str:
    """``v0=<hex HMAC-SHA256>`` over ``v0:<timestamp>:<body>``."""
    basestring = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), basestring, hashlib.sha256).hexdigest()
    return f"v0={digest}"


def signed_headers(
    signing_secret: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    """The two headers Slack adds to every request it sends to an app."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        TIMESTAMP_HEADER: str(stamp),
        SIGNATURE_HEADER: signature(signing_secret, stamp, body),
    }


class SlackDriver:
    """Sends what Slack sends to an app's Request URL, signed, on behalf of users of the fake.

    ``url`` is the app's ``/slack/events`` endpoint; ``slack`` the fake the app talks back to.
    ``clock`` stamps the requests (the app checks a 5-minute window against its own clock).
    """

    def __init__(
        self,
        url: str,
        signing_secret: str,
        slack: SlackEmulator,
        *,
        client: httpx.Client | None = None,
        timeout: float = 10.0,
        clock: Clock = time.time,
    ) -> None:
        self.url = url
        self._secret = signing_secret
        self.slack = slack
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout)
        self._clock = clock
        self.last_trigger_id: str | None = None
        self.last_response_url: str | None = None

    # --- transport --------------------------------------------------------------------------

    def send(
        self, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST ``body`` signed with the current time (the lowest-level call)."""
        all_headers = {
            "Content-Type": content_type,
            **signed_headers(self._secret, body, int(self._clock())),
            **(headers or {}),
        }
        return self._client.post(self.url, content=body, headers=all_headers)

    def _send_form(self, form: Mapping[str, str]) -> httpx.Response:
        return self.send(urlencode(form).encode(), "application/x-www-form-urlencoded")

    def _send_payload(self, payload: dict[str, Any]) -> httpx.Response:
        return self._send_form({"payload": json.dumps(payload)})

    # --- what users do ----------------------------------------------------------------------

    def slash_command(
        self,
        command: str = "/incident",
        text: str = "",
        *,
        user_id: str = ONCALL,
        channel_id: str = GENERAL,
    ) -> httpx.Response:
        """``user_id`` types ``command text`` in ``channel_id``.

        A body in the app's ack is shown like Slack shows it (ephemeral unless
        ``response_type: in_channel``); find it in ``slack.state.responses()``.
        """
        state = self.slack.state
        user = state.user(user_id)
        channel = self._channel(channel_id)
        self.last_trigger_id = self.slack.issue_trigger_id(user_id)
        self.last_response_url = self.slack.new_response_url(channel_id, user_id)
        form = {
            "token": VERIFICATION_TOKEN,
            "team_id": state.team.id,
            "team_domain": state.team.domain,
            "enterprise_id": "",
            "enterprise_name": "",
            "channel_id": channel_id,
            "channel_name": channel_name(channel),
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": state.app_id,
            "is_enterprise_install": "false",
            "response_url": self.last_response_url,
            "trigger_id": self.last_trigger_id,
        }
        response = self._send_form(form)
        answer = _ack_body(response)
        if answer is not None:
            state.answer_with_ack(channel_id, user_id, answer)
        return response

    def block_action(
        self,
        user_id: str,
        channel_id: str | None,
        message_ts: str | None,
        action_id: str,
        value: Any = None,
        block_id: str | None = None,
        view: dict[str, Any] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """``user_id`` clicks (or picks ``value`` in) element ``action_id``.

        On a message: ``channel_id`` + ``message_ts`` (a message or an ephemeral message of the
        fake). In a modal: ``view`` as ``views.open`` returned it (channel and ts may be None),
        and ``values`` what the user has entered in its inputs so far (as for
        :meth:`view_submission`), which Slack sends along as the view's state.
        """
        state = self.slack.state
        user = state.user(user_id)
        self.last_trigger_id = self.slack.issue_trigger_id(user_id)
        action_ts = state.ids.next_ts()
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": user_ref(user, state.team.id),
            "api_app_id": state.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.last_trigger_id,
            "team": team_ref(state.team),
            "enterprise": None,
            "is_enterprise_install": False,
        }
        if view is not None:
            blocks = list(view.get("blocks") or [])
            submitted = {**view, "state": {"values": state_values(blocks, values or {})}}
            payload.update(
                {
                    "container": {"type": "view", "view_id": view["id"]},
                    "view": submitted,
                    "actions": [action(blocks, action_id, value, block_id, action_ts)],
                    "state": submitted["state"],
                }
            )
            return self._send_payload(payload)
        if channel_id is None or message_ts is None:
            raise ValueError("a block action needs a view, or a channel_id and message_ts")
        message, ephemeral = self._source(channel_id, message_ts)
        self.last_response_url = self.slack.new_response_url(
            channel_id,
            user_id,
            message_ts=None if ephemeral else message_ts,
            ephemeral_ts=message_ts if ephemeral else None,
        )
        blocks = list(message.get("blocks") or [])
        payload.update(
            {
                "container": {
                    "type": "message",
                    "message_ts": message_ts,
                    "channel_id": channel_id,
                    "is_ephemeral": ephemeral,
                },
                "channel": {
                    "id": channel_id,
                    "name": channel_name(self._channel(channel_id)),
                },
                "message": message,
                "state": {"values": {}},
                "response_url": self.last_response_url,
                "actions": [action(blocks, action_id, value, block_id, action_ts)],
            }
        )
        return self._send_payload(payload)

    def view_submission(
        self, user_id: str, view: dict[str, Any], values: Mapping[str, Any] | None = None
    ) -> httpx.Response:
        """``user_id`` submits ``view`` (as ``views.open`` returned it) with ``values`` entered.

        ``values``: ``{block_id: {action_id: value}}`` or ``{action_id: value}``; plain values are
        shaped by the element type (a select gets its ``selected_option``). The app's answer is
        applied to the user's modal stack (close / ``errors`` / ``update`` / ``push`` / ``clear``);
        an answer other than HTTP 200 leaves the stack as it was, as in Slack.
        """
        state = self.slack.state
        user = state.user(user_id)
        self.last_trigger_id = self.slack.issue_trigger_id(user_id)
        blocks = list(view.get("blocks") or [])
        submitted = {**view, "state": {"values": state_values(blocks, values or {})}}
        payload = {
            "type": "view_submission",
            "team": team_ref(state.team),
            "user": user_ref(user, state.team.id),
            "api_app_id": state.app_id,
            "token": VERIFICATION_TOKEN,
            "trigger_id": self.last_trigger_id,
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        response = self._send_payload(payload)
        if response.status_code != 200:
            return response  # Slack keeps the modal open and says it could not reach the app
        answer = _ack_body(response)
        if answer is not None and isinstance(answer.get("view"), dict):
            answer = {
                **answer,
                "view": validate_view(answer["view"], new_block_id=state.ids.block_id),
            }
        state.answer_view_submission(user_id, str(view["id"]), answer)
        return response

    def view_closed(self, user_id: str, view: dict[str, Any]) -> httpx.Response:
        """``user_id`` dismissed ``view``; Slack tells the app only if it set ``notify_on_close``.

        The caller closes the modal stack in the workspace (:meth:`Workspace.close_views`).
        """
        state = self.slack.state
        user = state.user(user_id)
        payload = {
            "type": "view_closed",
            "team": team_ref(state.team),
            "user": user_ref(user, state.team.id),
            "api_app_id": state.app_id,
            "token": VERIFICATION_TOKEN,
            "view": view,
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)

    def message_shortcut(
        self,
        callback_id: str,
        user_id: str,
        channel_id: str,
        message: str | Message | Mapping[str, Any],
    ) -> httpx.Response:
        """``user_id`` runs message shortcut ``callback_id`` on ``message`` (a ts or a message)."""
        state = self.slack.state
        user = state.user(user_id)
        if isinstance(message, str):
            api_message = state.message(channel_id, message).to_api(state.team.id)
        elif isinstance(message, Message):
            api_message = message.to_api(state.team.id)
        else:
            api_message = dict(message)
        self.last_trigger_id = self.slack.issue_trigger_id(user_id)
        self.last_response_url = self.slack.new_response_url(
            channel_id, user_id, message_ts=str(api_message["ts"])
        )
        payload = {
            "type": "message_action",
            "token": VERIFICATION_TOKEN,
            "action_ts": state.ids.next_ts(),
            "team": team_ref(state.team),
            "user": user_ref(user, state.team.id),
            "channel": {"id": channel_id, "name": channel_name(self._channel(channel_id))},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self.last_trigger_id,
            "response_url": self.last_response_url,
            "message_ts": api_message["ts"],
            "message": api_message,
        }
        return self._send_payload(payload)

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> httpx.Response:
        """Deliver ``event`` in an ``event_callback`` envelope.

        Pass the first delivery's ``event_id`` with ``retry_num`` to send Slack's retry of it.
        """
        state = self.slack.state
        event = {**event}
        event.setdefault("event_ts", state.ids.next_ts())
        envelope = event_envelope(
            event,
            team_id=state.team.id,
            app_id=state.app_id,
            bot_user_id=state.bot_user_id,
            event_id=event_id or state.ids.next_id("Ev"),
            event_time=int(self._clock()),
        )
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.send(json.dumps(envelope).encode(), "application/json", headers)

    def reaction_added(
        self,
        user_id: str,
        channel_id: str,
        ts: str,
        reaction: str = "pushpin",
        event_id: str | None = None,
    ) -> httpx.Response:
        """``user_id`` reacts to a message: recorded in the fake, then the event is sent."""
        message = self.slack.state.react(channel_id, ts, user_id, reaction)
        return self.event(reaction_event(user_id, message, reaction), event_id=event_id)

    def user_message(
        self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None
    ) -> httpx.Response:
        """``user_id`` writes ``text`` in ``channel_id``: stored, then sent as an event."""
        state = self.slack.state
        message = state.post_as_user(user_id, channel_id, text, thread_ts=thread_ts)
        return self.event(message_event(message, state.channel(channel_id), state.team.id))

    # --- helpers ----------------------------------------------------------------------------

    def _channel(self, channel_id: str) -> Channel | None:
        try:
            return self.slack.state.channel(channel_id)
        except ApiError:
            return None

    def _source(self, channel_id: str, ts: str) -> tuple[dict[str, Any], bool]:
        """The message an action was taken on, as the payload carries it, and if it is ephemeral."""
        state = self.slack.state
        for ephemeral in state.ephemerals(channel_id=channel_id):
            if ephemeral.ts == ts:
                return ephemeral.to_api(), True
        return state.message(channel_id, ts).to_api(state.team.id), False

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _ack_body(response: httpx.Response) -> dict[str, Any] | None:
    """The app's answer in its HTTP ack (None for an empty ack or an error status)."""
    if response.status_code != 200 or not response.content.strip():
        return None
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text}
    return body if isinstance(body, dict) else None

"""Hostile requests for ``/slack/events``, each shaped like what Slack sends, then bent.

Signed ones carry a valid v0 signature over exactly the bytes sent, so they reach the app's
parsing and listeners; their trigger ids and response_urls are minted by the fake Slack, so the
app's ``views.open`` and ``respond()`` land there. Mutations (``values.mutate``) drop keys and
put values of the wrong type anywhere in a payload; most requests get a few, some none (a
well-formed request reaches the deepest code).
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlencode

from warroom_sandbox.errors import ApiError
from warroom_sandbox.fuzz import FuzzRequest, Generator, Target, values
from warroom_sandbox.payloads import VERIFICATION_TOKEN
from warroom_sandbox.seed import GENERAL, ONCALL, RANDOM
from warroom_sandbox.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature

PATH = "/slack/events"
FORM = b"application/x-www-form-urlencoded"
JSON = b"application/json"
MAX_BODY = 1_000_000  # the app's limit for a Slack body
UNKNOWN_USER, UNKNOWN_CHANNEL = "U0NOBODY", "C0NOWHERE"
_VERBS = (
    "",
    "declare",
    "status",
    "ack",
    "sev",
    "lead",
    "role",
    "update",
    "note",
    "action",
    "page",
    "playbook",
    "identified",
    "mitigate",
    "resolve",
    "reopen",
    "timeline",
    "postmortem",
    "help",
    "override",
    "frobnicate",
)
_BLOCKS = ("title", "severity", "service", "description", "text", "reason", "section", "note")
_SELECTS = ("severity", "section")
_META_KEYS = ("channel_id", "channel", "incident", "run", "step", "token", "attempt", "purpose")
_ELEMENTS = ("button", "static_select", "overflow", "users_select", "datepicker")
_EVENT_TYPES = ("reaction_added", "reaction_removed", "message", "app_mention", "team_join")
_ARABIC_INDIC = str.maketrans("0123456789", "".join(chr(0x0660 + d) for d in range(10)))
_FULLWIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
_INTERACTION_TYPES = ("interactive_message", "dialog_submission", "block_suggestion", "nonsense")


# --- slash commands ------------------------------------------------------------------------------


def command(rnd: random.Random, target: Target) -> FuzzRequest:
    user, channel = _user(rnd, target), _channel(rnd, target)
    commands = [*target.registry.commands, "/unknown"]
    verb = rnd.choice(_VERBS)
    form: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": target.slack.state.team.id,
        "team_domain": target.slack.state.team.domain,
        "channel_id": channel,
        "channel_name": rnd.choice(["general", "payload", "directmessage", values.text(rnd, 1)]),
        "user_id": user,
        "user_name": rnd.choice(["olivia", "payload", values.text(rnd, 1)]),
        "command": rnd.choice(commands),
        "text": f"{verb} {values.text(rnd)}".strip() if rnd.random() < 0.9 else verb,
        "api_app_id": target.slack.state.app_id,
        "is_enterprise_install": "false",
        "response_url": _response_url(target, channel, user),
        "trigger_id": _trigger_id(target, user),
    }
    for _ in range(rnd.choice([0, 0, 0, 1, 2])):
        form.pop(rnd.choice(list(form)), None)
    pairs = list(form.items())
    if rnd.random() < 0.1:
        pairs.append((rnd.choice(list(form) or ["text"]), values.text(rnd, 1)))  # a field twice
    return _signed("slack.command", urlencode(pairs).encode(), FORM, target)


# --- interactivity -------------------------------------------------------------------------------


def interaction(rnd: random.Random, target: Target) -> FuzzRequest:
    registry = target.registry
    roll = rnd.random()
    if roll < 0.5 and registry.actions:
        payload = _block_actions(rnd, target, rnd.choice(registry.actions))
    elif roll < 0.8 and registry.views:
        payload = _view_submission(rnd, target, rnd.choice(registry.views))
    elif roll < 0.87:
        payload = _view_closed(rnd, target, rnd.choice([*registry.views, "nothing"]))
    elif roll < 0.95 and registry.shortcuts:
        payload = _shortcut(rnd, target, rnd.choice(registry.shortcuts))
    else:
        payload = {**_envelope(rnd, target), "type": rnd.choice(_INTERACTION_TYPES)}
    payload = values.mutate(rnd, payload, rnd.choice([0, 0, 1, 1, 2, 3]))
    return _signed("slack.interaction", _interaction_body(rnd, payload), FORM, target)


def _interaction_body(rnd: random.Random, payload: dict[str, Any]) -> bytes:
    roll = rnd.random()
    if roll < 0.9:
        return urlencode({"payload": json.dumps(payload)}).encode()
    if roll < 0.95:
        junk = rnd.choice(["{not json", "[]", "null", "42", '"x"', ""])
        return urlencode({"payload": junk}).encode()
    return urlencode({"payload": json.dumps(payload), "command": "/incident"}).encode()


def _envelope(rnd: random.Random, target: Target) -> dict[str, Any]:
    state = target.slack.state
    user = _user(rnd, target)
    return {
        "user": {"id": user, "username": "olivia", "name": "olivia", "team_id": state.team.id},
        "api_app_id": state.app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _trigger_id(target, user),
        "team": {"id": state.team.id, "domain": state.team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
    }


def _block_actions(rnd: random.Random, target: Target, action_id: str) -> dict[str, Any]:
    envelope = _envelope(rnd, target)
    user = envelope["user"]["id"]
    channel, ts = _message(rnd, target)
    element = rnd.choice(_ELEMENTS)
    chosen = _button_value(rnd, target)
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": rnd.choice(["actions", "incident_actions", values.text(rnd, 1)]),
        "type": element,
        "action_ts": target.slack.state.ids.next_ts(),
    }
    if element in ("static_select", "overflow"):
        action["selected_option"] = {"text": {"type": "plain_text", "text": "x"}, "value": chosen}
    else:
        action["value"] = chosen
    payload = {
        **envelope,
        "type": "block_actions",
        "state": {"values": {}},
        "actions": [action],
    }
    if rnd.random() < 0.8:
        payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel}
        payload["channel"] = {"id": channel, "name": "incident"}
        payload["message"] = {"type": "message", "ts": ts, "text": values.text(rnd, 2)}
        payload["response_url"] = _response_url(target, channel, user, ts)
    else:
        view = _view(rnd, target, rnd.choice([*target.registry.views, "nothing"]))
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
    return payload


def _button_value(rnd: random.Random, target: Target) -> str:
    """Ids, ``<run>:<step>``, ``<action>|<run>:<step>``, or anything at all."""
    roll = rnd.random()
    step = rnd.choice(target.steps or ["s1"])
    if roll < 0.4:
        return values.number_text(rnd, target.numbers)
    if roll < 0.6:
        return f"{values.number_text(rnd, target.numbers)}:{step}"
    if roll < 0.75 and target.registry.actions:
        action = rnd.choice(target.registry.actions)
        return f"{action}|{values.number_text(rnd, target.numbers)}:{step}"
    return values.text(rnd, 2)


def _view_submission(rnd: random.Random, target: Target, callback_id: str) -> dict[str, Any]:
    return {
        **_envelope(rnd, target),
        "type": "view_submission",
        "view": _view(rnd, target, callback_id),
        "response_urls": [],
    }


def _view_closed(rnd: random.Random, target: Target, callback_id: str) -> dict[str, Any]:
    return {
        **_envelope(rnd, target),
        "type": "view_closed",
        "view": _view(rnd, target, callback_id),
        "is_cleared": rnd.random() < 0.5,
    }


def _view(rnd: random.Random, target: Target, callback_id: str) -> dict[str, Any]:
    state = target.slack.state
    return {
        "id": state.ids.next_id("V"),
        "team_id": state.team.id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": _private_metadata(rnd, target),
        "hash": state.ids.next_id("H"),
        "title": {"type": "plain_text", "text": "Warroom"},
        "blocks": [],
        "state": {"values": _state_values(rnd, target)},
    }


def _private_metadata(rnd: random.Random, target: Target) -> str:
    if rnd.random() < 0.15:
        return rnd.choice(["", "{not json", "[]", "null", "7", '"x"', values.text(rnd, 1)])
    meta: dict[str, Any] = {}
    for key in rnd.sample(_META_KEYS, rnd.randint(1, len(_META_KEYS))):
        if key in ("channel_id", "channel"):
            meta[key] = _channel(rnd, target)
        elif key in ("incident", "run", "attempt"):
            meta[key] = values.number(rnd, target.numbers)
        elif key == "purpose":
            meta[key] = rnd.choice(["run", "undo", "dry"])
        else:
            meta[key] = rnd.choice([*target.steps, values.text(rnd, 1)])
    return json.dumps(meta)


def _state_values(rnd: random.Random, target: Target) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    for block in rnd.sample(_BLOCKS, rnd.randint(0, len(_BLOCKS))):
        block_id = f"body:summary:{rnd.randint(0, 3)}" if block == "section" else block
        if block in _SELECTS:
            value = rnd.choice(["SEV1", "SEV4", "sev2", "summary", values.text(rnd, 1)])
            element = {"type": "static_select", "selected_option": {"value": value}}
        else:
            element = {"type": "plain_text_input", "value": values.text(rnd)}
        chosen[block_id] = {rnd.choice(["value", "input", block]): element}
    return chosen


def _shortcut(rnd: random.Random, target: Target, callback_id: str) -> dict[str, Any]:
    envelope = _envelope(rnd, target)
    channel, ts = _message(rnd, target)
    return {
        **envelope,
        "type": rnd.choice(["message_action", "shortcut"]),
        "callback_id": callback_id,
        "action_ts": target.slack.state.ids.next_ts(),
        "channel": {"id": channel, "name": "incident"},
        "response_url": _response_url(target, channel, envelope["user"]["id"], ts),
        "message_ts": ts,
        "message": {"type": "message", "ts": ts, "text": values.text(rnd), "user": ONCALL},
    }


# --- events --------------------------------------------------------------------------------------


def event(rnd: random.Random, target: Target) -> FuzzRequest:
    state = target.slack.state
    channel, ts = _message(rnd, target)
    kind = rnd.choice([*target.registry.events, *_EVENT_TYPES])
    inner: dict[str, Any] = {
        "type": kind,
        "user": _user(rnd, target),
        "reaction": rnd.choice(["pushpin", "pushpin", "eyes", values.text(rnd, 1)]),
        "item": {"type": rnd.choice(["message", "message", "file"]), "channel": channel, "ts": ts},
        "channel": channel,
        "text": values.text(rnd),
        "ts": ts,
        "event_ts": state.ids.next_ts(),
    }
    envelope: dict[str, Any] = {
        "token": VERIFICATION_TOKEN,
        "team_id": state.team.id,
        "api_app_id": state.app_id,
        "type": "event_callback",
        "event_id": rnd.choice([state.ids.next_id("Ev"), "Ev0FUZZREPEAT", values.text(rnd, 1)]),
        "event_time": int(target.clock()),
        "event": inner,
    }
    if rnd.random() < 0.08:
        envelope = {"type": rnd.choice(["url_verification", "app_rate_limited", "nonsense"])}
        envelope["challenge"] = values.text(rnd, 1)
    envelope = values.mutate(rnd, envelope, rnd.choice([0, 0, 1, 2, 3]))
    headers: list[tuple[bytes, bytes]] = []
    if rnd.random() < 0.2:
        retry = rnd.choice(["1", "2", "3", "-1", "x", "99999999999999999999"])
        headers += [(b"X-Slack-Retry-Num", retry.encode()), (b"X-Slack-Retry-Reason", b"x")]
    body = json.dumps(envelope).encode()
    return _signed("slack.event", body, JSON, target, headers)


# --- what must be refused ------------------------------------------------------------------------


def unsigned(rnd: random.Random, target: Target) -> FuzzRequest:
    """Not signed by Slack: no headers, a wrong signature, another secret's, half the headers."""
    body = rnd.choice([command, interaction, event])(rnd, target).body
    stamp = str(int(target.clock())).encode()
    headers = rnd.choice(
        [
            [],
            [(TIMESTAMP_HEADER.encode(), stamp)],
            [(SIGNATURE_HEADER.encode(), signature("wrong", stamp.decode(), body).encode())],
            [
                (TIMESTAMP_HEADER.encode(), stamp),
                (SIGNATURE_HEADER.encode(), signature("another", stamp.decode(), body).encode()),
            ],
            [(TIMESTAMP_HEADER.encode(), stamp), (SIGNATURE_HEADER.encode(), b"v0=" + b"0" * 64)],
            [(TIMESTAMP_HEADER.encode(), stamp), (SIGNATURE_HEADER.encode(), "v0=é".encode())],
            [(TIMESTAMP_HEADER.encode(), stamp), (SIGNATURE_HEADER.encode(), b"")],
        ]
    )
    content_type = rnd.choice([FORM, JSON, b"text/plain"])
    return FuzzRequest(
        "slack.unsigned",
        "POST",
        PATH,
        body,
        ((b"Content-Type", content_type), *headers),
        expect=_unauthorized(body),
    )


def bad_timestamp(rnd: random.Random, target: Target) -> FuzzRequest:
    """Signed correctly over a timestamp no Slack request has: a float, a huge number,
    non-ASCII digits, padding, one from long ago or far ahead."""
    now = int(target.clock())
    digits = str(now)
    stamp = rnd.choice(
        [
            f"{target.clock():.6f}",
            "9" * rnd.choice([20, 40, 400]),
            digits.translate(_ARABIC_INDIC),
            digits.translate(_FULLWIDTH),
            f" {digits}",
            f"+{digits}",
            f"-{digits}",
            f"{digits}e0",
            "",
            str(now - 301 - rnd.randint(0, 10**6)),
            str(now + 301 + rnd.randint(0, 10**6)),
        ]
    )
    body = rnd.choice([command, interaction, event])(rnd, target).body
    headers = (
        (b"Content-Type", FORM),
        (TIMESTAMP_HEADER.encode(), stamp.encode()),
        (SIGNATURE_HEADER.encode(), signature(target.signing_secret, stamp, body).encode()),
    )
    return FuzzRequest("slack.timestamp", "POST", PATH, body, headers, expect=_unauthorized(body))


def _unauthorized(body: bytes) -> int:
    """401, unless the body is too large to be read at all (the size is checked first)."""
    return 413 if len(body) > MAX_BODY else 401


def huge(rnd: random.Random, target: Target) -> FuzzRequest:
    """More than the app takes from Slack, signed or not."""
    size = MAX_BODY + 1 + rnd.randint(0, 300_000)
    body = (b"payload=" + b"%7B" * (size // 3))[:size]
    if rnd.random() < 0.5:
        return _signed("slack.huge", body, FORM, target, expect=413)
    return FuzzRequest("slack.huge", "POST", PATH, body, ((b"Content-Type", FORM),), expect=413)


# --- shared --------------------------------------------------------------------------------------


def _signed(
    kind: str,
    body: bytes,
    content_type: bytes,
    target: Target,
    headers: list[tuple[bytes, bytes]] | None = None,
    expect: int | None = None,
) -> FuzzRequest:
    stamp = str(int(target.clock()))
    signed = (
        (b"Content-Type", content_type),
        (TIMESTAMP_HEADER.encode(), stamp.encode()),
        (SIGNATURE_HEADER.encode(), signature(target.signing_secret, stamp, body).encode()),
    )
    return FuzzRequest(kind, "POST", PATH, body, (*signed, *(headers or [])), expect)


def _user(rnd: random.Random, target: Target) -> str:
    people = [u.id for u in target.slack.state.all_users() if not u.is_bot]
    return rnd.choice([*people, *people, UNKNOWN_USER])


def _channel(rnd: random.Random, target: Target) -> str:
    return rnd.choice([*target.channels, *target.channels, GENERAL, RANDOM, UNKNOWN_CHANNEL])


def _message(rnd: random.Random, target: Target) -> tuple[str, str]:
    if target.messages and rnd.random() < 0.7:
        return rnd.choice(target.messages)
    return _channel(rnd, target), target.slack.state.ids.next_ts()


def _response_url(target: Target, channel: str, user: str, ts: str | None = None) -> str:
    """Minted by the fake Slack; one it never issued for someone it does not know."""
    try:
        return target.slack.new_response_url(channel, user, message_ts=ts)
    except ApiError:
        return f"{target.slack.base_url}/response/never-issued"


def _trigger_id(target: Target, user: str) -> str:
    try:
        return target.slack.issue_trigger_id(user)
    except ApiError:
        return "1111111111.2222222222.never-issued"


GENERATORS: dict[str, Generator] = {
    "slack.command": command,
    "slack.interaction": interaction,
    "slack.event": event,
    "slack.unsigned": unsigned,
    "slack.timestamp": bad_timestamp,
    "slack.huge": huge,
}

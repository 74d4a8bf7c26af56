"""What Slack sends to an app's Request URL, built from the fake workspace's own records.

Pure functions, shaped after the captured payloads in ``shared/fixtures/slack`` (slash command form,
``block_actions``, ``view_submission``, ``message_action``, ``event_callback``). The interactive
values a user "enters" are turned into Slack's ``state.values`` form by looking the element up in
the view or message, so a test can say ``{"severity_select": "sev2"}`` and the app receives the
``static_select`` with the full ``selected_option`` Slack would send.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from warroom_sandbox.model import Channel, Message, Team, User

VERIFICATION_TOKEN = "sandbox-verification-token"
"""Slack's deprecated verification token; present in payloads, not a secret."""

_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SINGLE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MULTI_OPTION = {"multi_static_select", "multi_external_select", "checkboxes"}
_SELECTED_FIELD = {
    "users_select": ("selected_user", "initial_user"),
    "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
_MISSING = object()


def user_ref(user: User, team_id: str) -> dict[str, Any]:
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": team_id}


def team_ref(team: Team) -> dict[str, Any]:
    return {"id": team.id, "domain": team.domain}


def channel_name(channel: Channel | None) -> str:
    """The ``channel_name`` Slack sends: the name, or its placeholders for DMs/private ones."""
    if channel is None:
        return ""
    if channel.kind == "im":
        return "directmessage"
    if channel.kind == "mpim" or channel.is_private:
        return "privategroup"
    return channel.name


def interactive_elements(
    blocks: list[dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(block_id, element, is_input) for every element with an ``action_id`` in ``blocks``."""
    for block in blocks:
        block_id = str(block.get("block_id", ""))
        candidates: list[tuple[Any, bool]] = []
        if block.get("type") == "input":
            candidates.append((block.get("element"), True))
        candidates.extend((element, False) for element in block.get("elements") or [])
        candidates.append((block.get("accessory"), False))
        for element, is_input in candidates:
            if isinstance(element, dict) and element.get("action_id"):
                yield block_id, element, is_input


def find_element(
    blocks: list[dict[str, Any]], action_id: str, block_id: str | None = None
) -> tuple[str, dict[str, Any]] | None:
    for found_block_id, element, _ in interactive_elements(blocks):
        if element["action_id"] == action_id and block_id in (None, found_block_id):
            return found_block_id, element
    return None


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    for option in options:
        if option.get("value") == value:
            return copy.deepcopy(dict(option))
    if options:
        known = [o.get("value") for o in options]
        raise ValueError(f"{element.get('action_id')}: no option {value!r}; options are {known}")
    return {"text": {"type": "plain_text", "text": str(value), "emoji": True}, "value": str(value)}


def element_state(element: dict[str, Any], value: Any = _MISSING) -> dict[str, Any]:
    """Slack's ``state.values`` entry for ``element`` holding ``value`` (or its initial value)."""
    if isinstance(value, dict) and "type" in value:
        return copy.deepcopy(value)
    kind = str(element.get("type"))
    if kind in _TEXT_INPUTS:
        text = element.get("initial_value") if value is _MISSING else value
        return {"type": kind, "value": None if text is None else str(text)}
    if kind in _SINGLE_OPTION:
        if value is _MISSING:
            return {"type": kind, "selected_option": element.get("initial_option")}
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind in _MULTI_OPTION:
        if value is _MISSING:
            return {"type": kind, "selected_options": element.get("initial_options") or []}
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    if kind in _SELECTED_FIELD:
        field, initial = _SELECTED_FIELD[kind]
        return {"type": kind, field: element.get(initial) if value is _MISSING else value}
    return {"type": kind, "value": None if value is _MISSING else value}


def state_values(blocks: list[dict[str, Any]], values: Mapping[str, Any]) -> dict[str, Any]:
    """``state.values`` for a view whose user entered ``values``.

    ``values`` maps block ids to ``{action_id: value}``, or action ids straight to values. Every
    input element appears (with its initial value when not entered), as Slack sends them.
    """
    entered: dict[tuple[str, str], Any] = {}
    elements = list(interactive_elements(blocks))
    block_ids = {block_id for block_id, _, _ in elements}
    for key, value in values.items():
        if key in block_ids and isinstance(value, dict) and "type" not in value:
            entered.update({(key, action_id): v for action_id, v in value.items()})
            continue
        found = find_element(blocks, key)
        if found is None:
            if blocks:
                raise ValueError(f"the view has no block or action {key!r}")
            entered[(key, key)] = value
        else:
            entered[(found[0], key)] = value
    out: dict[str, dict[str, Any]] = {}
    for block_id, element, is_input in elements:
        value = entered.pop((block_id, element["action_id"]), _MISSING)
        if value is _MISSING and not is_input:
            continue
        out.setdefault(block_id, {})[element["action_id"]] = element_state(element, value)
    for (block_id, action_id), value in entered.items():
        if blocks:
            raise ValueError(f"the view has no action {action_id!r} in block {block_id!r}")
        out.setdefault(block_id, {})[action_id] = (
            value if isinstance(value, dict) else {"type": "plain_text_input", "value": value}
        )
    return out


def action(
    blocks: list[dict[str, Any]],
    action_id: str,
    value: Any,
    block_id: str | None,
    action_ts: str,
) -> dict[str, Any]:
    """One entry of ``actions`` in a ``block_actions`` payload, shaped by the element clicked."""
    found = find_element(blocks, action_id, block_id)
    if found is None:
        return {
            "action_id": action_id,
            "block_id": block_id or "actions",
            "type": "button",
            "value": value,
            "action_ts": action_ts,
        }
    found_block_id, element = found
    out: dict[str, Any] = {"action_id": action_id, "block_id": found_block_id}
    kind = str(element.get("type"))
    if kind == "button":
        out.update(
            {"text": element.get("text"), "value": element.get("value", value), "type": kind}
        )
        if value is not None:
            out["value"] = value
        if element.get("style"):
            out["style"] = element["style"]
    else:
        out.update(element_state(element, value))
    out["action_ts"] = action_ts
    return out


def event_envelope(
    event: dict[str, Any],
    *,
    team_id: str,
    app_id: str,
    bot_user_id: str,
    event_id: str,
    event_time: int,
) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": app_id,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-sandbox-{event_id}",
        "event": event,
    }


def reaction_event(user_id: str, message: Message, reaction: str) -> dict[str, Any]:
    """The ``reaction_added`` event for ``user_id`` reacting to ``message``."""
    return {
        "type": "reaction_added",
        "user": user_id,
        "reaction": reaction,
        "item_user": message.user,
        "item": {"type": "message", "channel": message.channel, "ts": message.ts},
    }


def message_event(message: Message, channel: Channel, team_id: str) -> dict[str, Any]:
    """The ``message`` event for a person's new ``message`` in ``channel``."""
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel.id,
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "event_ts": message.ts,
        "team": team_id,
        "channel_type": {"im": "im", "mpim": "mpim"}.get(
            channel.kind, "group" if channel.is_private else "channel"
        ),
    }
    if message.thread_ts:
        event["thread_ts"] = message.thread_ts
    return event

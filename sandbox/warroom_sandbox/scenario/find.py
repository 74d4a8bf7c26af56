"""Finding what a scenario step names: people, conversations, messages, elements, modal fields.

A script says what a person sees ("click Resolve", "react to the message saying 'error rate'"), so
these lookups match labels the way a reader would: case-insensitive, surrounding space ignored,
``:emoji:`` codes and their characters both accepted. Pure functions over the workspace's records.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from warroom_sandbox.model import Channel, Ephemeral, Message, User
from warroom_sandbox.payloads import interactive_elements
from warroom_sandbox.web.blockkit import plain_string
from warroom_sandbox.web.emoji import replace_short_names

_USER_TOKEN = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL_TOKEN = re.compile(r"<#(C[A-Z0-9]+)(?:\|([^>]*))?>")
_LINK_TOKEN = re.compile(r"<([^<>|@#!][^<>|]*)\|([^<>]*)>")
_SPECIAL_TOKEN = re.compile(r"<![^|>]*\|([^>]*)>")


def same_label(text: str, wanted: str) -> bool:
    def norm(value: str) -> str:
        return " ".join(replace_short_names(value).split()).casefold()

    return norm(text) == norm(wanted)


def find_user(users: Iterable[User], ref: str) -> User | None:
    """A person by id, handle (``olivia``/``@olivia``) or first name, ignoring case."""
    wanted = ref.strip().removeprefix("@").casefold()
    for user in users:
        if user.deleted:
            continue
        first = user.real_name.split(" ")[0].casefold()
        if wanted in (user.id.casefold(), user.name.casefold(), first):
            return user
    return None


def find_channel(channels: Iterable[Channel], ref: str) -> Channel | None:
    """A channel by id or name (``#`` optional)."""
    wanted = ref.strip().removeprefix("#")
    return next(
        (c for c in channels if c.id == wanted or (c.kind == "channel" and c.name == wanted)),
        None,
    )


def readable(text: str, users: Mapping[str, User], channels: Mapping[str, Channel]) -> str:
    """``text`` as a reader sees it: mentions as names, links as labels, entities undone."""

    def user(match: re.Match[str]) -> str:
        found = users.get(match.group(1))
        if found is None:
            return "@" + match.group(1)
        return "@" + (found.name if found.is_bot else found.real_name.split(" ")[0])

    def channel(match: re.Match[str]) -> str:
        found = channels.get(match.group(1))
        return "#" + (found.name if found else match.group(2) or match.group(1))

    text = _USER_TOKEN.sub(user, text)
    text = _CHANNEL_TOKEN.sub(channel, text)
    text = _LINK_TOKEN.sub(r"\2", text)
    text = _SPECIAL_TOKEN.sub(r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def visible_text(blocks: Any) -> str:
    """The texts a reader sees in Block Kit: confirm dialogs (not shown until clicked) are
    left out, so "Mitigated" is not found in a button's "Mark mitigated?" dialog."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "confirm":
                    continue
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def message_text(message: Message | Ephemeral) -> str:
    """A message's text and the visible texts of its blocks and attachments."""
    return "\n".join(
        [message.text, visible_text(message.blocks), visible_text(message.attachments)]
    )


def contains(haystack: str, needle: str) -> bool:
    return needle.casefold() in replace_short_names(haystack).casefold() or (
        needle.casefold() in haystack.casefold()
    )


@dataclass(frozen=True)
class Target:
    """An element to use: where it is (a message, or a view) and what to send."""

    action_id: str
    block_id: str
    value: Any = None
    channel: str | None = None
    ts: str | None = None
    view_id: str | None = None


def clickable(blocks: Sequence[dict[str, Any]], label: str) -> tuple[str, str, Any] | None:
    """(block_id, action_id, value) of a button whose text or action_id is ``label``, or an
    overflow menu option whose text or value is."""
    for block_id, element, is_input in interactive_elements(list(blocks)):
        if is_input:
            continue
        kind = element.get("type")
        if kind == "button" and (
            same_label(plain_string(element.get("text")), label) or element["action_id"] == label
        ):
            return block_id, element["action_id"], None
        if kind == "overflow":
            for option in element.get("options") or []:
                if (
                    same_label(plain_string(option.get("text")), label)
                    or option.get("value") == label
                ):
                    return block_id, element["action_id"], option.get("value")
    return None


def choosable(
    blocks: Sequence[dict[str, Any]], option_label: str, element_ref: str | None
) -> tuple[str, str, Any] | None:
    """(block_id, action_id, value) of a select, radio group or overflow offering
    ``option_label`` (by text or value), narrowed to ``element_ref`` (action_id, block_id or
    placeholder) when given."""
    for block_id, element, is_input in interactive_elements(list(blocks)):
        if is_input:
            continue
        if (
            element_ref is not None
            and element_ref not in (element["action_id"], block_id)
            and not (same_label(plain_string(element.get("placeholder")), element_ref))
        ):
            continue
        for option in options_of(element):
            if same_label(plain_string(option.get("text")), option_label) or (
                option.get("value") == option_label
            ):
                return block_id, element["action_id"], option.get("value")
        if element.get("type") == "datepicker" and element_ref is not None:
            return block_id, element["action_id"], option_label
    return None


def options_of(element: Mapping[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options.extend(group.get("options") or [])
    return [o for o in options if isinstance(o, dict)]


def newest_with(
    messages: Sequence[Message | Ephemeral], label: str
) -> tuple[Message | Ephemeral, tuple[str, str, Any]] | None:
    """The newest message holding a clickable ``label``, with where it is."""
    for message in reversed(messages):
        found = clickable(message.blocks, label)
        if found is not None:
            return message, found
    return None


def modal_values(view: Mapping[str, Any], wanted: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{block_id: {action_id: value}}`` for a modal from ``{field: value}``.

    A field is named by its block id, its element's action id, or its label; an option is named
    by its text or its value. Raises ``LookupError`` naming the fields the modal has.
    """
    inputs: list[tuple[str, dict[str, Any], str]] = []
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") == "input" and isinstance(element, dict):
            inputs.append((str(block.get("block_id")), element, plain_string(block.get("label"))))
    out: dict[str, dict[str, Any]] = {}
    for key, value in wanted.items():
        match = next(
            (
                (block_id, element)
                for block_id, element, label in inputs
                if key in (block_id, element.get("action_id")) or same_label(label, str(key))
            ),
            None,
        )
        if match is None:
            names = ", ".join(f"{label!r} ({block_id})" for block_id, _, label in inputs)
            raise LookupError(f"the modal has no field {key!r}; it has {names}")
        block_id, element = match
        out.setdefault(block_id, {})[str(element["action_id"])] = _option_value(element, value)
    return out


def _option_value(element: Mapping[str, Any], value: Any) -> Any:
    options = options_of(element)
    if not options:
        return value

    def one(item: Any) -> Any:
        for option in options:
            if option.get("value") == item or same_label(
                plain_string(option.get("text")), str(item)
            ):
                return option.get("value")
        known = ", ".join(plain_string(o.get("text")) for o in options)
        raise LookupError(f"no option {item!r}; the options are {known}")

    if isinstance(value, list):
        return [one(item) for item in value]
    return one(value)

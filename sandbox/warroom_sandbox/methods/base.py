"""What every fake Web API method shares: the caller, its arguments, visibility, pagination.

A method handler is ``(workspace, caller, args) -> response body``; it runs under the workspace
lock and fails by raising :class:`ApiError`. Arguments arrive as strings (form posts, query strings)
or as JSON values (slack-sdk sends JSON for some methods), and :class:`Args` reads both the same
way.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from warroom_sandbox.errors import ApiError
from warroom_sandbox.model import Channel
from warroom_sandbox.workspace import Workspace

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    """Who the token belongs to. Every ``xoxb-`` token is the workspace's bot."""

    user_id: str
    bot_id: str | None = None


Handler = Callable[[Workspace, Caller, "Args"], dict[str, Any]]


class Args:
    """One call's arguments, read the same whether they came as form, query or JSON values."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if isinstance(value, str):
            return value
        return json.dumps(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(
                "invalid_arguments", messages=[f"[ERROR] {name} must be a number"]
            ) from None

    def id_list(self, name: str) -> list[str]:
        """A comma-separated list (``"U1,U2"``) or a JSON array."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(item).strip() for item in items if str(item).strip()]

    def raw(self, name: str) -> Any:
        return self.values.get(name)


def visible_channel(ws: Workspace, caller: Caller, channel_id: str | None) -> Channel:
    """The conversation, if the caller may see it: private ones only to members."""
    channel = ws.get_channel(channel_id)
    if (channel.is_private or channel.kind != "channel") and caller.user_id not in channel.members:
        raise ApiError("channel_not_found")
    return channel


def member_channel(ws: Workspace, caller: Caller, channel_id: str | None) -> Channel:
    """The conversation, if the caller is in it (``not_in_channel`` otherwise)."""
    channel = visible_channel(ws, caller, channel_id)
    if caller.user_id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def paginate(
    items: Sequence[T],
    *,
    key: Callable[[T], str],
    kind: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[T], str]:
    """A page of ``items`` and the ``next_cursor`` ("" on the last page), as Slack pages.

    Cursors are opaque to clients; like Slack's they are base64 of ``"<kind>:<first id of the
    next page>"``. A cursor the fake did not make answers ``invalid_cursor``.
    """
    start = 0
    if cursor:
        try:
            prefix, _, marker = base64.b64decode(cursor, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError("invalid_cursor") from None
        positions = [i for i, item in enumerate(items) if key(item) == marker]
        if prefix != kind or not positions:
            raise ApiError("invalid_cursor")
        start = positions[0]
    end = len(items) if limit <= 0 else start + limit
    page = list(items[start:end])
    next_cursor = ""
    if end < len(items):
        next_cursor = base64.b64encode(f"{kind}:{key(items[end])}".encode()).decode()
    return page, next_cursor


def page_limit(args: Args, default: int, maximum: int = 1000) -> int:
    """The ``limit`` argument; 0 or absent means the method's default (0 there means "all")."""
    limit = args.number("limit", 0)
    return min(limit, maximum) if limit > 0 else default

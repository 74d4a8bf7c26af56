"""The conversations.* methods: channels, membership, history, topic/purpose, IMs, archiving."""

from __future__ import annotations

from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.ids import ts_key
from warroom_sandbox.methods.base import (
    Args,
    Caller,
    Handler,
    member_channel,
    page_limit,
    paginate,
    visible_channel,
)
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.workspace import Workspace

CONVERSATION_TYPES = ("public_channel", "private_channel", "im", "mpim")


def create(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = ws.create_channel(
        args.text("name"), caller.user_id, is_private=args.flag("is_private")
    )
    return {"ok": True, "channel": channel.to_api(caller.user_id)}


def info(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    return {"ok": True, "channel": channel.to_api(caller.user_id)}


def list_(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    types = args.id_list("types") or ["public_channel"]
    unknown = [t for t in types if t not in CONVERSATION_TYPES]
    if unknown:
        raise ApiError("invalid_types")
    exclude_archived = args.flag("exclude_archived")
    found: list[Channel] = [
        c
        for c in ws.channels.values()
        if c.api_type in types
        and not (exclude_archived and c.is_archived)
        and (c.api_type == "public_channel" or caller.user_id in c.members)
    ]
    page, next_cursor = paginate(
        found,
        key=lambda c: c.id,
        kind="team",
        cursor=args.text("cursor"),
        limit=page_limit(args, 100),
    )
    return {
        "ok": True,
        "channels": [c.to_api(caller.user_id) for c in page],
        "response_metadata": {"next_cursor": next_cursor},
    }


def invite(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    errors = ws.invite(channel.id, caller.user_id, args.id_list("users"), force=args.flag("force"))
    body: dict[str, Any] = {"ok": True, "channel": channel.to_api(caller.user_id)}
    if errors:
        body["errors"] = errors
    return body


def join(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    joined = ws.join(channel.id, caller.user_id)
    body: dict[str, Any] = {"ok": True, "channel": channel.to_api(caller.user_id)}
    if not joined:
        body["warning"] = "already_in_channel"
        body["response_metadata"] = {"warnings": ["already_in_channel"]}
    return body


def members(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    page, next_cursor = paginate(
        channel.members,
        key=lambda m: m,
        kind="user",
        cursor=args.text("cursor"),
        limit=page_limit(args, 100),
    )
    return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}


def history(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = member_channel(ws, caller, args.text("channel"))
    inclusive = args.flag("inclusive")
    oldest = _ts_bound(args, "oldest", (0, 0))
    latest = _ts_bound(args, "latest", (2**63, 0))
    newest_first = sorted(ws.history[channel.id].values(), key=lambda m: ts_key(m.ts), reverse=True)

    def in_window(message: Message) -> bool:
        key = ts_key(message.ts)
        if inclusive:
            return oldest <= key <= latest
        return oldest < key < latest

    found = [m for m in newest_first if (not m.is_reply or m.reply_broadcast) and in_window(m)]
    page, next_cursor = paginate(
        found,
        key=lambda m: m.ts,
        kind="next_ts",
        cursor=args.text("cursor"),
        limit=page_limit(args, 100, maximum=999),
    )
    return {
        "ok": True,
        "messages": [m.to_api(ws.team.id) for m in page],
        "has_more": bool(next_cursor),
        "pin_count": len(ws.pinned.get(channel.id, {})),
        "response_metadata": {"next_cursor": next_cursor},
    }


def _ts_bound(args: Args, name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = args.text(name)
    if not value:
        return default
    try:
        return ts_key(value)
    except ValueError:
        raise ApiError(f"invalid_ts_{name}") from None


def replies(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = member_channel(ws, caller, args.text("channel"))
    ts = args.text("ts")
    if not ts:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: ts"])
    start = ws.history[channel.id].get(ts)
    if start is None:
        raise ApiError("thread_not_found")
    parent_ts = start.thread_ts or start.ts
    thread = sorted(
        (
            m
            for m in ws.history[channel.id].values()
            if m.ts == parent_ts or m.thread_ts == parent_ts
        ),
        key=lambda m: ts_key(m.ts),
    )
    page, next_cursor = paginate(
        thread,
        key=lambda m: m.ts,
        kind="next_ts",
        cursor=args.text("cursor"),
        limit=page_limit(args, 1000),
    )
    return {
        "ok": True,
        "messages": [m.to_api(ws.team.id) for m in page],
        "has_more": bool(next_cursor),
        "response_metadata": {"next_cursor": next_cursor},
    }


def set_topic(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    channel = ws.set_topic(channel.id, caller.user_id, args.text("topic") or "")
    return {"ok": True, "channel": channel.to_api(caller.user_id)}


def set_purpose(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    channel = ws.set_purpose(channel.id, caller.user_id, args.text("purpose") or "")
    return {"ok": True, "channel": channel.to_api(caller.user_id)}


def open_(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel_id = args.text("channel")
    if channel_id:
        channel = member_channel(ws, caller, channel_id)
        existed = True
    else:
        channel, existed = ws.open_conversation(args.id_list("users"))
    body: dict[str, Any] = {"ok": True}
    if existed:
        body.update({"no_op": True, "already_open": True})
    body["channel"] = (
        channel.to_api(caller.user_id) if args.flag("return_im") else {"id": channel.id}
    )
    return body


def archive(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ws.archive(channel.id, caller.user_id)
    return {"ok": True}


def unarchive(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ws.unarchive(channel.id, caller.user_id)
    return {"ok": True}


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.info": info,
    "conversations.list": list_,
    "conversations.invite": invite,
    "conversations.join": join,
    "conversations.members": members,
    "conversations.history": history,
    "conversations.replies": replies,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.open": open_,
    "conversations.archive": archive,
    "conversations.unarchive": unarchive,
}

"""chat.postMessage, chat.postEphemeral, chat.update, chat.delete, chat.getPermalink."""

from __future__ import annotations

from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.methods.base import Args, Caller, Handler, member_channel, visible_channel
from warroom_sandbox.model import Channel
from warroom_sandbox.rules import decode_json, message_content
from warroom_sandbox.workspace import Workspace


def _target(ws: Workspace, caller: Caller, ref: str | None) -> Channel:
    """Where a message goes: a conversation id, a channel name (``#name``), or a user id (the DM).

    Slack accepts all three for chat.postMessage; a user id posts to the app's DM with that user.
    """
    if not ref:
        raise ApiError("channel_not_found")
    if ref in ws.channels:
        return ws.channels[ref]
    if ref in ws.users and ref != caller.user_id:
        channel, _ = ws.open_conversation([ref])
        return channel
    by_name = ws.find_by_name(ref)
    if by_name is None:
        raise ApiError("channel_not_found")
    return by_name


def _content(ws: Workspace, args: Args) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    markdown = args.text("markdown_text")
    if markdown is not None and (args.text("text") or args.raw("blocks")):
        raise ApiError("markdown_text_conflict")
    return message_content(
        markdown if markdown is not None else args.text("text"),
        args.raw("blocks"),
        new_block_id=ws.ids.block_id,
        attachments=args.raw("attachments"),
    )


def _metadata(args: Args) -> dict[str, Any] | None:
    raw = args.raw("metadata")
    if not raw:
        return None
    try:
        metadata = decode_json(raw)
    except ValueError:
        raise ApiError("invalid_metadata_format") from None
    if not isinstance(metadata, dict):
        raise ApiError("invalid_metadata_format")
    return metadata


def post_message(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = _target(ws, caller, args.text("channel"))
    channel = member_channel(ws, caller, channel.id)
    if channel.is_archived:
        raise ApiError("is_archived")
    text, blocks, attachments = _content(ws, args)
    message = ws.append_message(
        channel.id,
        user=caller.user_id,
        text=text,
        blocks=blocks,
        attachments=attachments,
        thread_ts=args.text("thread_ts") or None,
        reply_broadcast=args.flag("reply_broadcast"),
        metadata=_metadata(args),
    )
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "message": message.to_api(ws.team.id),
    }


def post_ephemeral(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = _target(ws, caller, args.text("channel"))
    channel = member_channel(ws, caller, channel.id)
    if channel.is_archived:
        raise ApiError("is_archived")
    user = ws.get_user(args.text("user"))
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, attachments = _content(ws, args)
    ephemeral = ws.add_ephemeral(
        channel.id,
        user.id,
        text=text,
        blocks=blocks,
        attachments=attachments,
        thread_ts=args.text("thread_ts") or None,
    )
    return {"ok": True, "message_ts": ephemeral.ts}


def update(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ts = args.text("ts")
    ws.get_message(channel.id, ts)
    blocks_given = args.raw("blocks") is not None
    text, blocks, attachments = _content(ws, args)
    message = ws.update_message(
        channel.id,
        ts or "",
        caller.user_id,
        text=text,
        blocks=blocks if blocks_given else None,
        attachments=attachments if args.raw("attachments") is not None else None,
    )
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(ws.team.id),
    }


def delete(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ts = args.text("ts") or ""
    ws.delete_message(channel.id, ts, caller.user_id)
    return {"ok": True, "channel": channel.id, "ts": ts}


def permalink_for(ws: Workspace, channel_id: str, ts: str) -> str:
    """``https://<domain>.slack.com/archives/<channel>/p<ts without the dot>``, as Slack links."""
    message = ws.get_message(channel_id, ts)
    link = f"https://{ws.team.domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel_id}"
    return link


def get_permalink(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    link = permalink_for(ws, channel.id, args.text("message_ts") or "")
    return {"ok": True, "channel": channel.id, "permalink": link}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.delete": delete,
    "chat.getPermalink": get_permalink,
}

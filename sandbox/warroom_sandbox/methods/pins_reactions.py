"""pins.add, pins.remove, pins.list, reactions.add, reactions.remove, reactions.get."""

from __future__ import annotations

from typing import Any

from warroom_sandbox.methods.base import Args, Caller, Handler, member_channel, visible_channel
from warroom_sandbox.methods.chat import permalink_for
from warroom_sandbox.workspace import Workspace


def pins_add(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = member_channel(ws, caller, args.text("channel"))
    ws.pin(channel.id, args.text("timestamp"), caller.user_id)
    return {"ok": True}


def pins_remove(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = member_channel(ws, caller, args.text("channel"))
    ws.unpin(channel.id, args.text("timestamp"))
    return {"ok": True}


def pins_list(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    items = []
    for pin in ws.pinned.get(channel.id, {}).values():
        message = ws.get_message(channel.id, pin.ts).to_api(ws.team.id)
        message["permalink"] = permalink_for(ws, channel.id, pin.ts)
        items.append(
            {
                "type": "message",
                "created": pin.created,
                "created_by": pin.created_by,
                "channel": channel.id,
                "message": message,
            }
        )
    return {"ok": True, "items": items}


def reactions_add(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ws.react(channel.id, args.text("timestamp"), caller.user_id, args.text("name") or "")
    return {"ok": True}


def reactions_remove(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    ws.unreact(channel.id, args.text("timestamp"), caller.user_id, args.text("name") or "")
    return {"ok": True}


def reactions_get(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    channel = visible_channel(ws, caller, args.text("channel"))
    message = ws.get_message(channel.id, args.text("timestamp"))
    api = message.to_api(ws.team.id)
    api["permalink"] = permalink_for(ws, channel.id, message.ts)
    return {"ok": True, "type": "message", "channel": channel.id, "message": api}


HANDLERS: dict[str, Handler] = {
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "reactions.get": reactions_get,
}

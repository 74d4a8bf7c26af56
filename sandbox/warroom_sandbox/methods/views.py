"""views.open, views.push, views.update, views.publish (state: ``warroom_sandbox.modals``)."""

from __future__ import annotations

from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.methods.base import Args, Caller, Handler
from warroom_sandbox.rules import validate_view
from warroom_sandbox.workspace import Workspace


def _view(ws: Workspace, args: Args, kind: str) -> dict[str, Any]:
    if args.raw("view") is None:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    view = validate_view(args.raw("view"), new_block_id=ws.ids.block_id)
    if view["type"] != kind:
        raise ApiError(
            "invalid_arguments",
            messages=[f"[ERROR] view type must be {kind} [json-pointer:/view/type]"],
        )
    return view


def _trigger(args: Args) -> str | None:
    return args.text("trigger_id") or args.text("interactivity_pointer")


def open_(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    view = _view(ws, args, "modal")
    stored = ws.modals.open(_trigger(args), view)
    return {"ok": True, "view": stored.payload}


def push(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    view = _view(ws, args, "modal")
    stored = ws.modals.push(_trigger(args), view)
    return {"ok": True, "view": stored.payload}


def update(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    if args.raw("view") is None:
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    view = validate_view(args.raw("view"), new_block_id=ws.ids.block_id)
    stored = ws.modals.update(
        view,
        view_id=args.text("view_id"),
        external_id=args.text("external_id"),
        expected_hash=args.text("hash"),
    )
    return {"ok": True, "view": stored.payload}


def publish(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    user = ws.get_user(args.text("user_id"))
    view = _view(ws, args, "home")
    stored = ws.modals.publish(user.id, view, args.text("hash"))
    return {"ok": True, "view": stored.payload}


HANDLERS: dict[str, Handler] = {
    "views.open": open_,
    "views.push": push,
    "views.update": update,
    "views.publish": publish,
}

"""auth.test, users.info, users.list, users.lookupByEmail, team.info."""

from __future__ import annotations

from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.methods.base import Args, Caller, Handler, page_limit, paginate
from warroom_sandbox.workspace import Workspace


def auth_test(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{ws.team.domain}.slack.com/",
        "team": ws.team.name,
        "user": ws.users[caller.user_id].name,
        "team_id": ws.team.id,
        "user_id": caller.user_id,
        "bot_id": caller.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    user = ws.users.get(args.text("user") or "")
    if user is None:
        raise ApiError("user_not_found")
    return {"ok": True, "user": user.to_api(ws.team.id)}


def users_list(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    users = list(ws.users.values())
    page, next_cursor = paginate(
        users,
        key=lambda u: u.id,
        kind="user",
        cursor=args.text("cursor"),
        limit=page_limit(args, 0),
    )
    return {
        "ok": True,
        "members": [u.to_api(ws.team.id) for u in page],
        "cache_ts": ws.now(),
        "response_metadata": {"next_cursor": next_cursor},
    }


def users_lookup_by_email(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    email = (args.text("email") or "").strip().lower()
    user = next(
        (u for u in ws.users.values() if u.email.lower() == email and email and not u.deleted),
        None,
    )
    if user is None:
        raise ApiError("users_not_found")
    return {"ok": True, "user": user.to_api(ws.team.id)}


def team_info(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    return {"ok": True, "team": ws.team.to_api()}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "team.info": team_info,
}

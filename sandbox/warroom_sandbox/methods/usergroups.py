"""usergroups.list, usergroups.create, usergroups.users.list, usergroups.users.update.

Slack's rules as its documentation and real answers give them: a group's ``name`` and ``handle``
are unique (``name_already_exists``, ``handle_already_exists``; a handle may not be a person's
name either); handles are lower case, digits, ``-``, ``_`` and ``.``, at most 21 characters
(``invalid_handle``); an unknown group id is ``no_such_subteam``; ``users.update`` replaces the
whole member list and refuses an empty one (``no_users_provided``) or ids that are not active
people of the workspace (``invalid_users``: bots, deactivated accounts, unknown ids).
"""

from __future__ import annotations

import re
from typing import Any

from warroom_sandbox.errors import ApiError
from warroom_sandbox.methods.base import Args, Caller, Handler
from warroom_sandbox.model import UserGroup
from warroom_sandbox.workspace import Workspace

HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,20}$")
NAME_MAX = 100


def usergroups_list(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    include_users = args.flag("include_users")
    groups = [g.to_api(ws.team.id, include_users) for g in ws.usergroups.values()]
    return {"ok": True, "usergroups": groups}


def usergroups_create(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    name = (args.text("name") or "").strip()
    if not name:
        raise ApiError("missing_argument", messages=["[ERROR] missing required field: name"])
    if len(name) > NAME_MAX:
        raise ApiError("invalid_name")
    handle = (args.text("handle") or _handle_of(name)).strip()
    if not HANDLE.match(handle):
        raise ApiError("invalid_handle")
    groups = ws.usergroups.values()
    if any(g.name.lower() == name.lower() for g in groups):
        raise ApiError("name_already_exists")
    taken = {g.handle for g in groups} | {u.name for u in ws.users.values()}
    if handle in taken:
        raise ApiError("handle_already_exists")
    group = UserGroup(
        id=ws.ids.next_id("S"),
        name=name,
        handle=handle,
        created_by=caller.user_id,
        date_create=ws.now(),
        description=args.text("description") or "",
    )
    ws.usergroups[group.id] = group
    return {"ok": True, "usergroup": group.to_api(ws.team.id, include_users=True)}


def usergroups_users_list(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    group = _group(ws, args)
    return {"ok": True, "users": list(group.users)}


def usergroups_users_update(ws: Workspace, caller: Caller, args: Args) -> dict[str, Any]:
    group = _group(ws, args)
    if args.raw("users") is None:
        raise ApiError("missing_argument", messages=["[ERROR] missing required field: users"])
    users = args.id_list("users")
    if not users:
        raise ApiError("no_users_provided")
    for user_id in users:
        user = ws.users.get(user_id)
        if user is None or user.is_bot or user.deleted:
            raise ApiError("invalid_users")
    group.users = list(dict.fromkeys(users))
    group.updated_by = caller.user_id
    group.date_update = ws.now()
    return {"ok": True, "usergroup": group.to_api(ws.team.id, include_users=True)}


def _group(ws: Workspace, args: Args) -> UserGroup:
    group_id = args.text("usergroup")
    if not group_id:
        raise ApiError("missing_argument", messages=["[ERROR] missing required field: usergroup"])
    group = ws.usergroups.get(group_id)
    if group is None:
        raise ApiError("no_such_subteam")
    return group


def _handle_of(name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-")[:21]


HANDLERS: dict[str, Handler] = {
    "usergroups.list": usergroups_list,
    "usergroups.create": usergroups_create,
    "usergroups.users.list": usergroups_users_list,
    "usergroups.users.update": usergroups_users_update,
}

"""The records the fake Slack workspace keeps, and how each renders in Slack's API shape.

Records are plain mutable dataclasses owned by :class:`warroom_sandbox.workspace.Workspace`; every
query hands out deep copies, so a test (or the browser sandbox) can read them without the
lock. ``to_api`` methods produce the JSON objects Slack's Web API returns for the same thing (user,
conversation, message), so the methods layer never hand-builds them twice.

Map:

- :class:`Team`, :class:`User`: the workspace and its people (plus the bot user).
- :class:`Channel`: public/private channels, IMs (``D...``) and MPIMs (``G...``).
- :class:`Message`, :class:`Reaction`, :class:`Edited`, :class:`Pin`: conversation content.
- :class:`Ephemeral`: "only visible to you" messages, per user and channel.
- :class:`StoredView`, :class:`Trigger`: modals/App Home views and the trigger ids that open them.
- :class:`ResponseUrl`, :class:`ResponsePost`: response_url grants and what was posted to them.
- :class:`ApiCall`: one recorded Web API call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal


@dataclass
class Team:
    id: str
    name: str
    domain: str

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "domain": self.domain,
            "email_domain": "example.com",
            "url": f"https://{self.domain}.slack.com/",
            "icon": {"image_default": True},
        }


@dataclass
class User:
    id: str
    name: str
    real_name: str
    email: str = ""
    tz: str = "Etc/UTC"
    tz_label: str = "Coordinated Universal Time"
    tz_offset: int = 0
    is_bot: bool = False
    bot_id: str | None = None
    is_admin: bool = False
    deleted: bool = False
    title: str = ""
    # Guests: a multi-channel guest is restricted, a single-channel guest ultra-restricted.
    is_restricted: bool = False
    is_ultra_restricted: bool = False

    def to_api(self, team_id: str) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "title": self.title,
            "phone": "",
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name if self.is_bot else self.real_name.split(" ")[0],
            "display_name_normalized": self.name,
            "status_text": "",
            "status_emoji": "",
            "team": team_id,
        }
        if self.is_bot:
            profile["bot_id"] = self.bot_id
            profile["always_active"] = True
        elif self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "deleted": self.deleted,
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": self.tz_label,
            "tz_offset": self.tz_offset,
            "profile": profile,
            "is_admin": self.is_admin,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": self.is_restricted or self.is_ultra_restricted,
            "is_ultra_restricted": self.is_ultra_restricted,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
        }


ConversationKind = Literal["channel", "im", "mpim"]


@dataclass
class Channel:
    """A conversation. ``kind`` says which: a channel (public or private), an IM or an MPIM."""

    id: str
    name: str
    created: int
    creator: str
    kind: ConversationKind = "channel"
    is_private: bool = False
    is_general: bool = False
    is_archived: bool = False
    members: list[str] = field(default_factory=list)
    im_user: str | None = None
    topic: str = ""
    topic_creator: str = ""
    topic_last_set: int = 0
    purpose: str = ""
    purpose_creator: str = ""
    purpose_last_set: int = 0

    @property
    def is_channel(self) -> bool:
        return self.kind == "channel"

    @property
    def api_type(self) -> str:
        """The ``types`` value of ``conversations.list`` this conversation answers to."""
        if self.kind == "im":
            return "im"
        if self.kind == "mpim":
            return "mpim"
        return "private_channel" if self.is_private else "public_channel"

    def to_api(self, viewer: str) -> dict[str, Any]:
        if self.kind == "im":
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": self.is_archived,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": None,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": self.kind == "channel",
            "is_group": False,
            "is_im": False,
            "is_mpim": self.kind == "mpim",
            "is_private": self.is_private or self.kind == "mpim",
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": self.is_general,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "creator": self.creator,
            "is_member": viewer in self.members,
            "num_members": len(self.members),
            "topic": {
                "value": self.topic,
                "creator": self.topic_creator,
                "last_set": self.topic_last_set,
            },
            "purpose": {
                "value": self.purpose,
                "creator": self.purpose_creator,
                "last_set": self.purpose_last_set,
            },
            "previous_names": [],
        }


@dataclass
class Reaction:
    name: str
    users: list[str] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {"name": self.name, "users": list(self.users), "count": len(self.users)}


@dataclass
class Edited:
    user: str
    ts: str


@dataclass
class Message:
    """A message in a conversation, top-level or in a thread (``thread_ts`` names the parent)."""

    channel: str
    ts: str
    text: str
    user: str
    bot_id: str | None = None
    app_id: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    reply_broadcast: bool = False
    subtype: str | None = None
    edited: Edited | None = None
    reactions: list[Reaction] = field(default_factory=list)
    reply_ts: list[str] = field(default_factory=list)
    reply_users: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    pinned_to: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def all_text(self) -> str:
        """``text`` plus every text inside ``blocks`` and ``attachments``, one per line.

        Tests assert on what a reader sees; with Block Kit that is mostly inside the blocks.
        """
        return "\n".join([self.text, *block_texts(self.blocks), *block_texts(self.attachments)])

    def reaction(self, name: str) -> Reaction | None:
        return next((r for r in self.reactions if r.name == name), None)

    def to_api(self, team_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message"}
        if self.subtype:
            out["subtype"] = self.subtype
        out.update({"user": self.user, "text": self.text, "ts": self.ts, "team": team_id})
        if self.bot_id:
            out["bot_id"] = self.bot_id
            out["app_id"] = self.app_id
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.reply_ts:
            out["reply_count"] = len(self.reply_ts)
            out["reply_users"] = list(self.reply_users)
            out["reply_users_count"] = len(self.reply_users)
            out["latest_reply"] = self.reply_ts[-1]
        if self.is_reply and self.thread_ts:
            out["parent_user_id"] = self.extra.get("parent_user_id", "")
        if self.reply_broadcast:
            out["subtype"] = "thread_broadcast"
        if self.edited:
            out["edited"] = {"user": self.edited.user, "ts": self.edited.ts}
        if self.reactions:
            out["reactions"] = [r.to_api() for r in self.reactions]
        if self.pinned_to:
            out["pinned_to"] = list(self.pinned_to)
        if self.metadata:
            out["metadata"] = self.metadata
        out.update({k: v for k, v in self.extra.items() if k != "parent_user_id"})
        return out


def block_texts(node: Any) -> Iterator[str]:
    """Every string stored under a ``text`` key anywhere in a Block Kit structure."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from block_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from block_texts(item)


@dataclass
class Pin:
    channel: str
    ts: str
    created: int
    created_by: str


EphemeralSource = Literal["chat.postEphemeral", "response_url", "ack"]


@dataclass
class Ephemeral:
    """An "Only visible to you" message: shown to ``user`` in ``channel``, never stored by Slack."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    via: EphemeralSource = "chat.postEphemeral"

    @property
    def all_text(self) -> str:
        return "\n".join([self.text, *block_texts(self.blocks), *block_texts(self.attachments)])

    def to_api(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "text": self.text, "ts": self.ts}
        if self.blocks:
            out["blocks"] = self.blocks
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        return out


ViewKind = Literal["modal", "home"]


@dataclass
class StoredView:
    """A view as Slack holds it; ``payload`` is the exact object the views.* methods return."""

    id: str
    user_id: str
    kind: ViewKind
    payload: dict[str, Any]
    closed: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    """The field errors the app answered the last submission with (``response_action: errors``)."""

    @property
    def hash(self) -> str:
        return str(self.payload["hash"])

    @property
    def external_id(self) -> str:
        return str(self.payload.get("external_id") or "")


@dataclass
class Trigger:
    id: str
    user_id: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    """A response_url grant: where its posts land, and how often it was used."""

    token: str
    channel_id: str
    user_id: str
    created_at: float
    message_ts: str | None = None
    ephemeral_ts: str | None = None
    uses: int = 0


ResponseVia = Literal["response_url", "ack"]


@dataclass
class ResponsePost:
    """One answer to an interaction: a response_url POST, or the body of the HTTP ack itself."""

    via: ResponseVia
    channel_id: str
    user_id: str
    body: dict[str, Any]
    at: float
    token: str | None = None

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.body.get("blocks")
        return list(blocks) if isinstance(blocks, list) else []

    @property
    def response_type(self) -> str:
        return str(self.body.get("response_type") or "ephemeral")

    @property
    def all_text(self) -> str:
        return "\n".join([self.text, *block_texts(self.blocks)])


@dataclass
class ApiCall:
    """One Web API call as the fake saw it: JSON-valued arguments are decoded in ``params``."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float
    http_method: str = "POST"

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return str(error) if error is not None else None


@dataclass
class UserGroup:
    """A user group (Slack calls it a subteam: ids start with ``S``); ``@handle`` mentions it."""

    id: str
    name: str
    handle: str
    created_by: str
    date_create: int
    description: str = ""
    users: list[str] = field(default_factory=list)
    updated_by: str = ""
    date_update: int = 0

    def to_api(self, team_id: str, include_users: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "team_id": team_id,
            "is_usergroup": True,
            "is_subteam": True,
            "name": self.name,
            "description": self.description,
            "handle": self.handle,
            "is_external": False,
            "date_create": self.date_create,
            "date_update": self.date_update or self.date_create,
            "date_delete": 0,
            "auto_type": None,
            "created_by": self.created_by,
            "updated_by": self.updated_by or self.created_by,
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "user_count": len(self.users),
        }
        if include_users:
            body["users"] = list(self.users)
        return body

"""Who is looking, and the names they see: what rendering needs besides the blocks themselves.

A :class:`Directory` is a snapshot taken under the workspace lock (deep copies), so rendering can
run without holding it. ``viewer`` decides the time zone of date tokens, the "you" highlights, and
which ephemeral messages and modals are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warroom_sandbox.model import Channel, User
from warroom_sandbox.workspace import Workspace


@dataclass(frozen=True)
class Directory:
    viewer: User
    users: dict[str, User]
    channels: dict[str, Channel]
    now: float

    @classmethod
    def of(cls, ws: Workspace, viewer_id: str) -> Directory:
        """A snapshot of ``ws`` as ``viewer_id`` sees it (``user_not_found`` if unknown)."""
        with ws.lock:
            viewer = ws.user(viewer_id)
            users = {u.id: ws.user(u.id) for u in ws.users.values() if not u.deleted}
            channels = {c.id: c for c in ws.conversations()}
            return cls(viewer=viewer, users=users, channels=channels, now=ws.clock())

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.viewer.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local(self, epoch: float) -> datetime:
        """``epoch`` on the viewer's wall clock."""
        return datetime.fromtimestamp(epoch, tz=self.zone)

    def display_name(self, user_id: str) -> str:
        """What Slack shows for a person: the first name (the bot: its name); else the raw id."""
        user = self.users.get(user_id)
        if user is None:
            return user_id
        return user.name if user.is_bot else user.real_name.split(" ")[0]

    def full_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.real_name if user is not None else user_id

    def channel_label(self, channel_id: str) -> str:
        """``#name`` for channels; the other party's name for a DM (the app, for the viewer)."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return channel_id
        if channel.kind == "im":
            other = channel.im_user if channel.im_user != self.viewer.id else None
            bot = next((u for u in self.users.values() if u.is_bot), None)
            return self.display_name(other) if other else (bot.name if bot else "app")
        if channel.kind == "mpim":
            others = [m for m in channel.members if m != self.viewer.id]
            return ", ".join(self.display_name(m) for m in others)
        return f"#{channel.name}"

    def people(self) -> list[User]:
        """The humans of the workspace, in seed order."""
        return [u for u in self.users.values() if not u.is_bot]

"""Saving a workspace to a JSON file and loading it back, so ``warroom dev`` survives restarts.

The bot's database outlives a ``warroom dev`` run, and it names Slack channels and messages by id.
If the fake workspace started empty each time, a new channel would get an old incident's id. So
the sandbox saves what Slack itself keeps (people, conversations with their members, topics and
messages, pins, reactions, user groups) and the id counters, and reloads them at start.

What Slack does not keep is not saved either: ephemeral messages, open modals, trigger ids,
response_urls and the API call log start empty, as after reloading the Slack client.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from warroom_sandbox.model import Channel, Edited, Message, Pin, Reaction, User, UserGroup
from warroom_sandbox.workspace import Workspace

FORMAT = "warroom-sandbox-workspace"
VERSION = 1


class SnapshotError(ValueError):
    """The file is not a saved workspace this version can read."""


def dump(ws: Workspace) -> dict[str, Any]:
    """What to save of ``ws`` (a consistent copy, taken under its lock)."""
    with ws.lock:
        return {
            "format": FORMAT,
            "version": VERSION,
            "ids": ws.ids.save(),
            "users": [asdict(u) for u in ws.users.values()],
            "channels": [asdict(c) for c in ws.channels.values()],
            "messages": [asdict(m) for history in ws.history.values() for m in history.values()],
            "pins": [asdict(p) for pins in ws.pinned.values() for p in pins.values()],
            "usergroups": [asdict(g) for g in ws.usergroups.values()],
        }


def load(ws: Workspace, data: Any) -> None:
    """Replace ``ws``'s people, conversations and messages with saved ones."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SnapshotError("not a saved sandbox workspace")
    if data.get("version") != VERSION:
        raise SnapshotError(f"saved by another version (format {data.get('version')})")
    try:
        users = [User(**u) for u in data["users"]]
        channels = [Channel(**c) for c in data["channels"]]
        messages = [_message(m) for m in data["messages"]]
        pins = [Pin(**p) for p in data["pins"]]
        groups = [UserGroup(**g) for g in data.get("usergroups") or []]  # absent in older files
    except (KeyError, TypeError) as error:
        raise SnapshotError(f"unreadable saved workspace: {error}") from None
    with ws.lock:
        ws.users.update({u.id: u for u in users})
        ws.channels.update({c.id: c for c in channels})
        for channel in ws.channels:
            ws.history.setdefault(channel, {})
        for message in messages:
            ws.history.setdefault(message.channel, {})[message.ts] = message
        for pin in pins:
            ws.pinned.setdefault(pin.channel, {})[pin.ts] = pin
        ws.usergroups.update({g.id: g for g in groups})
        ws.ids.restore(data.get("ids") or {})


def _message(data: dict[str, Any]) -> Message:
    edited = data.get("edited")
    return Message(
        **{
            **data,
            "reactions": [Reaction(**r) for r in data.get("reactions") or []],
            "edited": Edited(**edited) if edited else None,
        }
    )


def save_file(ws: Workspace, path: Path, previous: str | None = None) -> str:
    """Write ``ws`` to ``path`` atomically unless it equals ``previous``; returns the text."""
    text = json.dumps(dump(ws), indent=1, sort_keys=True)
    if text == previous:
        return text
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return text


def load_file(ws: Workspace, path: Path) -> bool:
    """Load ``path`` into ``ws`` if it exists; False when there is nothing to load."""
    if not path.is_file():
        return False
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise SnapshotError(f"{path} is not JSON: {error}") from None
    load(ws, data)
    return True

"""People and team channels for the sandbox workspace, from the bot's own config folder.

The config pages people the seeded workspace lacks (``priya@example.com`` in the example) and
sends digests to team channels (``#payments``). A real workspace would have them, so ``warroom
dev`` adds them at start: each person of ``users.yaml`` without a Slack account (matched by
``slack_id``, else by ``email``) becomes one, with that ``slack_id`` or an id made from the email;
each ``team_channel`` of ``services.yaml`` and each announcement channel of ``announcements.yaml``
(``#incidents``) becomes a public channel with everyone and the bot in it. The monitors of
``heartbeats.yaml`` get a *Beat* button on the page (:func:`heartbeat_monitors`).

Read leniently: a config the bot rejects is the bot's to report, not the sandbox's.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from warroom_sandbox.errors import ApiError
from warroom_sandbox.model import User
from warroom_sandbox.seed import MANAGER
from warroom_sandbox.workspace import Workspace

log = logging.getLogger(__name__)


def _entries(path: Path, key: str) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return []
    items = data.get(key) if isinstance(data, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def _offset(tz: str, now: float) -> int:
    try:
        offset = datetime.fromtimestamp(now, tz=UTC).astimezone(ZoneInfo(tz)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds()) if offset is not None else 0


def add_people(ws: Workspace, config_dir: Path) -> list[str]:
    """Add the people of ``users.yaml`` the workspace lacks; returns their names. People it
    has already (by Slack id) take the config's name, so the demo calls everyone the same in the
    person picker, ``/oncall`` and post-mortems."""
    added: list[str] = []
    with ws.lock:
        emails = {u.email.lower() for u in ws.users.values() if u.email}
        for entry in _entries(config_dir / "users.yaml", "users"):
            slack_id = str(entry.get("slack_id") or "")
            email = str(entry.get("email") or "").lower()
            if slack_id and slack_id in ws.users:
                if entry.get("name"):
                    ws.users[slack_id].real_name = str(entry["name"])
                continue
            if email and email in emails:
                continue
            if not slack_id and not email:
                continue
            name = str(entry.get("name") or email or slack_id)
            handle = (email.split("@")[0] if email else name.split(" ")[0]).lower()
            user_id = slack_id or _new_id(ws, handle)
            tz = str(entry.get("tz") or "Etc/UTC")
            ws.add_user(
                User(
                    id=user_id,
                    name=re.sub(r"[^a-z0-9._-]", "", handle) or user_id.lower(),
                    real_name=name,
                    email=email,
                    tz=tz,
                    tz_label=tz,
                    tz_offset=_offset(tz, ws.clock()),
                )
            )
            emails.add(email)
            added.append(name)
    return added


def _new_id(ws: Workspace, handle: str) -> str:
    stem = "U0" + re.sub(r"[^A-Z0-9]", "", handle.upper())[:8]
    candidate, serial = stem, 1
    while candidate in ws.users:
        serial += 1
        candidate = f"{stem}{serial}"
    return candidate


def add_team_channels(ws: Workspace, config_dir: Path) -> list[str]:
    """Create each service's ``team_channel`` and each announcement channel that does not exist
    yet; returns the names."""
    created: list[str] = []
    wanted = {
        str(entry["team_channel"]).strip().removeprefix("#")
        for entry in _entries(config_dir / "services.yaml", "services")
        if entry.get("team_channel")
    } | _announcement_channels(config_dir)
    with ws.lock:
        people = [u.id for u in ws.users.values() if not u.deleted and u.id != MANAGER]
        for name in sorted(wanted):
            if ws.find_by_name(name) is not None:
                continue
            try:
                ws.create_channel(name, MANAGER, members=people)
            except ApiError as error:
                log.warning("sandbox: cannot create #%s from services.yaml: %s", name, error.error)
                continue
            created.append(name)
    return created


def _announcement_channels(config_dir: Path) -> set[str]:
    """``announcements.channels`` and every service's ``channels`` in ``announcements.yaml``."""
    try:
        data = yaml.safe_load((config_dir / "announcements.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return set()
    section = data.get("announcements") if isinstance(data, dict) else None
    if not isinstance(section, dict):
        return set()
    lists = [section.get("channels")] + [
        entry.get("channels") for entry in section.get("services") or [] if isinstance(entry, dict)
    ]
    names = (c for channels in lists if isinstance(channels, list) for c in channels)
    return {str(name).strip().removeprefix("#") for name in names if str(name).startswith("#")}


def heartbeat_monitors(config_dir: Path) -> list[str]:
    """The names of the monitors in ``heartbeats.yaml``, in the file's order."""
    entries = _entries(config_dir / "heartbeats.yaml", "heartbeats")
    return [str(entry["name"]) for entry in entries if entry.get("name")]

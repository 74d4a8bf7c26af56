"""What the app declared to Slack: slash commands, message shortcuts, subscribed events.

Slack only routes what an app's manifest declares: an unknown ``/command`` is refused by the client
("is not a valid command"), and an event the app did not subscribe to is never sent. The sandbox
does the same, reading ``slack-manifest.yaml`` from the working folder when there is one (so the
sandbox follows your edits), else :data:`DEFAULT` (a copy of the manifest warroom ships; a test
keeps the two equal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MANIFEST_FILE = Path("slack-manifest.yaml")


@dataclass(frozen=True)
class SlashCommand:
    command: str
    description: str = ""
    usage_hint: str = ""
    should_escape: bool = False


@dataclass(frozen=True)
class Shortcut:
    callback_id: str
    name: str
    type: str = "message"


@dataclass(frozen=True)
class Manifest:
    commands: tuple[SlashCommand, ...]
    shortcuts: tuple[Shortcut, ...]
    bot_events: frozenset[str]
    messages_tab_read_only: bool = False
    source: str = "built-in"
    notes: tuple[str, ...] = field(default=())

    def command(self, name: str) -> SlashCommand | None:
        return next((c for c in self.commands if c.command == name), None)

    @property
    def message_shortcuts(self) -> tuple[Shortcut, ...]:
        return tuple(s for s in self.shortcuts if s.type == "message")

    def subscribes(self, event_type: str, channel_kind: str = "channel") -> bool:
        """Whether the app gets ``event_type``; plain messages go by conversation kind."""
        if event_type == "message":
            suffix = {"im": "im", "mpim": "mpim", "private": "groups"}.get(channel_kind, "channels")
            return f"message.{suffix}" in self.bot_events
        return event_type in self.bot_events


DEFAULT = Manifest(
    commands=(
        SlashCommand(
            "/incident",
            "Declare and run an incident",
            "declare <title> [sev1..sev4] [service:<id>] | status | update <text> | resolve | help",
            should_escape=True,
        ),
        SlashCommand(
            "/oncall",
            "Who is on call now and next",
            "[schedule|service] | override @user <from> <to> [schedule]",
            should_escape=True,
        ),
    ),
    shortcuts=(
        Shortcut("add_to_timeline", "Add to timeline"),
        Shortcut("declare_from_message", "Declare incident"),
    ),
    bot_events=frozenset({"reaction_added"}),
    messages_tab_read_only=True,
)


def parse_manifest(data: Any, source: str) -> Manifest:
    """The parts of a Slack app manifest (schema v1) the sandbox uses."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: a manifest is a mapping")
    features = data.get("features") or {}
    settings = data.get("settings") or {}
    commands = tuple(
        SlashCommand(
            command=str(c["command"]),
            description=str(c.get("description") or ""),
            usage_hint=str(c.get("usage_hint") or ""),
            should_escape=bool(c.get("should_escape", False)),
        )
        for c in features.get("slash_commands") or []
    )
    shortcuts = tuple(
        Shortcut(
            callback_id=str(s["callback_id"]),
            name=str(s.get("name") or s["callback_id"]),
            type=str(s.get("type") or "message"),
        )
        for s in features.get("shortcuts") or []
    )
    events = (settings.get("event_subscriptions") or {}).get("bot_events") or []
    home = features.get("app_home") or {}
    return Manifest(
        commands=commands,
        shortcuts=shortcuts,
        bot_events=frozenset(str(e) for e in events),
        messages_tab_read_only=bool(home.get("messages_tab_read_only_enabled", False)),
        source=source,
    )


def load_manifest(path: Path = MANIFEST_FILE) -> Manifest:
    """The manifest at ``path`` if it exists and parses; :data:`DEFAULT` otherwise (with a note)."""
    if not path.is_file():
        return DEFAULT
    try:
        return parse_manifest(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    except (OSError, yaml.YAMLError, ValueError, KeyError, TypeError) as error:
        note = f"{path} could not be read ({error}); using the built-in manifest"
        return Manifest(
            commands=DEFAULT.commands,
            shortcuts=DEFAULT.shortcuts,
            bot_events=DEFAULT.bot_events,
            messages_tab_read_only=DEFAULT.messages_tab_read_only,
            notes=(note,),
        )
